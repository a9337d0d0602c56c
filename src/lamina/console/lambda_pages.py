"""The Lambda pages: functions, one function (configuration, logs, edit, test), create from a zip."""

from __future__ import annotations

import base64
import binascii
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from lamina.protocols import Response

from . import web
from .app import Page
from .policy_text import pretty

__all__ = ["create_function", "create_function_form", "function", "functions", "invoke", "update_code",
           "update_configuration"]

RUNTIMES = ("python3.13", "python3.12", "python3.11", "nodejs22.x", "nodejs20.x")
"""The runtimes the create form offers (the API takes every runtime Lamina knows)."""
LOG_WINDOW_SECONDS, LOG_LINES = 3600, 100


async def functions(page: Page) -> Response:
    found, problem = await page.attempt("lambda", "ListFunctions", {})
    return page.render("functions.html", functions=(found or {}).get("Functions", []), problem=problem)


async def function(page: Page, invocation: dict[str, Any] | None = None, status: int = 200,
                   notice: Any = None) -> Response:
    name = page.arg(1)
    found, problem = await page.attempt("lambda", "GetFunction", {"FunctionName": name})
    sections: dict[str, Any] = {}
    if found is not None:
        for key, operation, pick in (("versions", "ListVersionsByFunction", "Versions"),
                                     ("aliases", "ListAliases", "Aliases"), ("policy", "GetPolicy", "Policy"),
                                     ("url", "GetFunctionUrlConfig", None)):
            result, trouble = await page.attempt("lambda", operation, {"FunctionName": name})
            if isinstance(trouble, str) and trouble.startswith("ResourceNotFoundException"):
                trouble = ""  # no policy, no URL: nothing to show
            sections[key] = trouble if result is None else (result.get(pick) if pick else result)
        if isinstance(sections.get("policy"), str) and sections["policy"]:
            sections["policy"] = pretty(sections["policy"])
        sections["logs"] = await _recent_logs(page, name)
    return page.render("function.html", status, name=name, found=found, problem=problem, sections=sections,
                       invocation=invocation, event=page.form.get("event", '{\n  "key": "value"\n}'),
                       notice=notice)


async def _recent_logs(page: Page, name: str) -> Any:
    """The last hour's log events of the function (CloudWatch Logs' FilterLogEvents, as the user)."""
    since = int((time.time() - LOG_WINDOW_SECONDS) * 1000)
    result, problem = await page.attempt("logs", "FilterLogEvents", {"logGroupName": f"/aws/lambda/{name}",
                                                                      "startTime": since, "limit": 1000})
    if problem is not None:
        return "" if isinstance(problem, str) and problem.startswith("ResourceNotFound") else problem
    events = result.get("events", [])[-LOG_LINES:]
    return [(datetime.fromtimestamp(event["timestamp"] / 1000, UTC).strftime("%H:%M:%S"),
             str(event.get("message", "")).rstrip("\n")) for event in events]


async def create_function_form(page: Page, problem: Any = None, status: int = 200) -> Response:
    found, listing = await page.attempt("iam", "ListRoles", {})
    roles = [item["Arn"] for item in (found or {}).get("Roles", [])]
    return page.render("function_create.html", status, roles=roles, runtimes=RUNTIMES, problem=problem,
                       roles_problem=listing, form=page.form)


async def create_function(page: Page) -> Response:
    """CreateFunction from the uploaded zip: the role is passed, so ``iam:PassRole`` applies as in the API."""
    form = page.form
    name = form.get("name", "").strip()
    params: dict[str, Any] = {"FunctionName": name, "Runtime": form.get("runtime", ""),
                              "Role": form.get("role", "").strip(), "Handler": form.get("handler", "").strip(),
                              "Code": {"ZipFile": page.request.files.get("code", b"")}}
    _, problem = await page.attempt("lambda", "CreateFunction", params)
    if problem is not None:
        return await create_function_form(page, problem, 400)
    return web.redirect(f"{web.PREFIX}/lambda/functions/{quote(name)}")


async def update_code(page: Page) -> Response:
    _, problem = await page.attempt("lambda", "UpdateFunctionCode", {"FunctionName": page.arg(1),
                                                                     "ZipFile": page.request.files.get("code", b"")})
    return await function(page, notice=problem or "The function's code was updated.",
                          status=200 if problem is None else 400)


async def update_configuration(page: Page) -> Response:
    form = page.form
    try:
        params: dict[str, Any] = {"FunctionName": page.arg(1), "Handler": form.get("handler", "").strip(),
                                  "Description": form.get("description", ""),
                                  "MemorySize": int(form.get("memory", "128")),
                                  "Timeout": int(form.get("timeout", "3"))}
    except ValueError:
        return await function(page, notice="Memory and timeout are whole numbers.", status=400)
    _, problem = await page.attempt("lambda", "UpdateFunctionConfiguration", params)
    return await function(page, notice=problem or "The function's configuration was updated.",
                          status=200 if problem is None else 400)


async def invoke(page: Page) -> Response:
    """Invoke with the test event; the result, its duration (from the log's REPORT line) and the log tail."""
    event = page.form.get("event", "{}")
    try:
        json.loads(event)
    except ValueError:
        return await function(page, {"error": "The test event is not valid JSON."}, 400)
    result, problem = await page.attempt("lambda", "Invoke", {"FunctionName": page.arg(1), "Payload": event.encode(),
                                                              "LogType": "Tail"})
    if problem is not None:
        return await function(page, {"problem": problem}, 403 if not isinstance(problem, str) else 400)
    log = _decoded_log(result.get("LogResult"))
    payload = result.get("Payload") or b""
    return await function(page, {"status": result.get("StatusCode"), "error": result.get("FunctionError"),
                                 "payload": payload.decode("utf-8", "replace") if isinstance(payload, bytes) else
                                 str(payload), "log": log, "duration": _duration(log)})


def _decoded_log(encoded: str | None) -> str:
    try:
        return base64.b64decode(encoded or "").decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def _duration(log: str) -> str:
    for line in log.splitlines():
        if line.startswith("REPORT") and "Duration:" in line:
            return line.split("Duration:", 1)[1].split("\t")[0].strip()
    return ""
