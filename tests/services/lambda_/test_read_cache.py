"""GetFunction's view and ListFunctions' first page come from the store's read cache: a write of the
same node is seen at once, another node's (a second app on the same database) once the cache's
time is up; and the answers are the ones the store would give."""

from __future__ import annotations

import base64
import io
import json
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lamina.commands.serve import ensure_root_key
from lamina.context import RequestContext
from lamina.server import LaminaApp, create_app
from lamina.settings import Settings
from lamina.store import engine, open_store

ACCOUNT, KEY, SECRET = "123456789012", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HOST = "127.0.0.1:4599"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@pytest.fixture
def nodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LaminaApp, LaminaApp]]:
    """Two apps, each with its own store (and read cache), on one database: two nodes."""
    monkeypatch.setattr(engine, "CACHE_SECONDS", 0.2)
    settings = Settings(data_dir=tmp_path, account_id=ACCOUNT)
    stores = [open_store(tmp_path), open_store(tmp_path)]
    ensure_root_key(stores[0], settings, {"LAMINA_ROOT_ACCESS_KEY_ID": KEY, "LAMINA_ROOT_SECRET_ACCESS_KEY": SECRET})
    apps = [create_app(store, settings) for store in stores]
    form = f"Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument={json.dumps(TRUST)}"
    assert call(apps[0], "iam", "POST", "/", form)[0] == 200
    yield apps[0], apps[1]
    for app, store in zip(apps, stores, strict=True):
        app.close()
        store.close()


def call(app: LaminaApp, service: str, method: str, target: str, body: str = "") -> tuple[int, dict[str, Any]]:
    """One signed request through the app's pipeline: its status and its JSON body (``{}`` for XML)."""
    content_type = "application/x-www-form-urlencoded" if service == "iam" else "application/json"
    request = AWSRequest(method, f"http://{HOST}{target}", data=body, headers={"Content-Type": content_type})
    SigV4Auth(Credentials(KEY, SECRET), service, "us-east-1").add_auth(request)
    path, _, query = target.partition("?")
    headers = [("host", HOST), *((name.lower(), value) for name, value in request.headers.items())]
    response = app.handle(RequestContext(str(uuid.uuid4()), method, path, query, headers, body.encode(), "127.0.0.1"))
    text = response.body.decode()
    return response.status, json.loads(text) if text.startswith("{") else {}


def create(app: LaminaApp, name: str, description: str = "") -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "def handler(event, context):\n    return event\n")
    body = json.dumps({"FunctionName": name, "Runtime": "python3.12", "Role": f"arn:aws:iam::{ACCOUNT}:role/r",
                       "Handler": "index.handler", "Description": description,
                       "Code": {"ZipFile": base64.b64encode(archive.getvalue()).decode()}})
    assert call(app, "lambda", "POST", "/2015-03-31/functions", body)[0] == 201


def listed(app: LaminaApp, query: str = "") -> list[str]:
    status, answer = call(app, "lambda", "GET", f"/2015-03-31/functions/{query}")
    assert status == 200, answer
    return [f["FunctionName"] for f in answer["Functions"]]


def described(app: LaminaApp, name: str) -> tuple[int, str | None]:
    status, answer = call(app, "lambda", "GET", f"/2015-03-31/functions/{name}")
    return status, answer.get("Configuration", {}).get("Description")


def test_a_write_of_this_node_is_seen_at_once(nodes: tuple[LaminaApp, LaminaApp]) -> None:
    node, _ = nodes
    assert listed(node) == []
    assert described(node, "f")[0] == 404
    create(node, "f", "first")
    assert listed(node) == ["f"]
    assert described(node, "f") == (200, "first")
    body = json.dumps({"Description": "second"})
    assert call(node, "lambda", "PUT", "/2015-03-31/functions/f/configuration", body)[0] == 200
    assert described(node, "f") == (200, "second")
    assert call(node, "lambda", "DELETE", "/2015-03-31/functions/f")[0] == 204
    assert listed(node) == []
    assert described(node, "f")[0] == 404


def test_another_nodes_write_is_seen_once_the_cache_time_is_up(nodes: tuple[LaminaApp, LaminaApp]) -> None:
    writer, reader = nodes
    assert listed(reader) == []
    create(writer, "f", "first")
    time.sleep(engine.CACHE_SECONDS + 0.1)
    assert listed(reader) == ["f"]
    assert described(reader, "f") == (200, "first")
    assert call(writer, "lambda", "PUT", "/2015-03-31/functions/f/configuration",
                json.dumps({"Description": "second"}))[0] == 200
    time.sleep(engine.CACHE_SECONDS + 0.1)
    assert described(reader, "f") == (200, "second")


def test_first_pages_of_each_size_and_later_pages_agree(nodes: tuple[LaminaApp, LaminaApp]) -> None:
    node, _ = nodes
    for name in ("a", "b", "c"):
        create(node, name)
    status, first = call(node, "lambda", "GET", "/2015-03-31/functions/?MaxItems=2")
    assert (status, [f["FunctionName"] for f in first["Functions"]]) == (200, ["a", "b"])
    again = call(node, "lambda", "GET", "/2015-03-31/functions/?MaxItems=2")[1]
    assert again == first
    rest = listed(node, f"?MaxItems=2&Marker={quote(first['NextMarker'], safe='')}")
    assert rest == ["c"]
    assert listed(node, "?MaxItems=1") == ["a"]
    assert listed(node) == ["a", "b", "c"]
