"""Helpers for the console tests: a real server, users with console passwords, a form-posting client."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import requests

from lamina.pytest_plugin import LaminaServer

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
HANDLER = ("def handler(event, context):\n    print('hello from', event.get('name'))\n"
           "    return {'hello': event.get('name', 'world')}\n")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def console_user(server: LaminaServer, name: str, password: str, policies: tuple[str, ...] = (),
                 reset: bool = False) -> None:
    """An IAM user with a console password and the given managed policies attached."""
    iam = server.client("iam")
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=password, PasswordResetRequired=reset)
    for arn in policies:
        iam.attach_user_policy(UserName=name, PolicyArn=arn)


def function_zip(files: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (files or {"index.py": HANDLER}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def create_function(server: LaminaServer, name: str) -> str:
    """A Python function run by a role trusting Lambda; its ARN."""
    role = server.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    created = server.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"], Handler="index.handler",
        Code={"ZipFile": function_zip()})
    server.client("lambda").get_waiter("function_active_v2").wait(FunctionName=name)
    return str(created["FunctionArn"])


class ConsoleClient:
    """A browser without a browser: cookies kept, forms posted with the page's CSRF token."""

    def __init__(self, server: LaminaServer) -> None:
        self.base = server.endpoint_url.rstrip("/") + "/console"
        self.http = requests.Session()
        self.last_csrf = ""

    def get(self, path: str = "", **kwargs: Any) -> requests.Response:
        answer = self.http.get(self.base + path, **kwargs)
        found = _CSRF.search(answer.text)
        if found:
            self.last_csrf = found.group(1)
        return answer

    def post(self, path: str, data: dict[str, str], *, csrf: bool = True, **kwargs: Any) -> requests.Response:
        if csrf:
            data = {**data, "csrf": self.last_csrf}
        answer = self.http.post(self.base + path, data=data, **kwargs)
        found = _CSRF.search(answer.text)
        if found:
            self.last_csrf = found.group(1)
        return answer

    def sign_in(self, account: str, user: str, password: str, mfa: str = "") -> requests.Response:
        self.get("")
        return self.post("/signin", {"account": account, "username": user, "password": password, "mfa": mfa})
