"""Where one signed, authorized request spends its time inside the app: each pipeline step of a
GetFunction (or another signed GET) timed in process, with no socket and no uvicorn.

    .venv/bin/python benchmarks/request_stages.py [--requests 4000] [--path /2015-03-31/functions/fn]

The app, its store and one function are built in a temporary directory as ``lamina serve`` builds
them; the same signed request then goes through ``admit`` and ``respond`` ``--requests`` times,
each step wrapped in a timer. Printed per step: the median and mean µs over the last four fifths
(the first fifth warms the caches). The figures move with the machine's load; compare two
versions of the code by running each in turn (``PYTHONPATH=<checkout>/src``), several times.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import io
import json
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lamina.commands.serve import ensure_root_key
from lamina.context import RequestContext, new_request_id
from lamina.server import LaminaApp, create_app
from lamina.settings import Settings
from lamina.store import open_store

ACCOUNT, KEY, SECRET = "123456789012", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HOST = "127.0.0.1:4599"
STEPS = ("admit", "route", "authenticate", "parse", "authorize", "dispatch", "serialize")
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def signed_context(service: str, method: str, target: str, body: str = "") -> RequestContext:
    """The context uvicorn's scope would give for this request, signed now with the root key."""
    content_type = "application/x-www-form-urlencoded" if service == "iam" else "application/json"
    request = AWSRequest(method, f"http://{HOST}{target}", data=body, headers={"Content-Type": content_type})
    SigV4Auth(Credentials(KEY, SECRET), service, "us-east-1").add_auth(request)
    path, _, query = target.partition("?")
    headers = [("host", HOST), *((name.lower(), value) for name, value in request.headers.items()),
               ("content-length", str(len(body)))]
    return RequestContext(new_request_id(), method, path, query, headers, body.encode(), "127.0.0.1")


def call(app: LaminaApp, service: str, method: str, target: str, body: str = "") -> int:
    return app.handle(signed_context(service, method, target, body)).status


def prepare(app: LaminaApp) -> None:
    """A role Lambda may assume and one function, ``fn``, made through the API."""
    form = f"Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument={json.dumps(TRUST)}"
    assert call(app, "iam", "POST", "/", form) == 200
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "def handler(event, context):\n    return event\n")
    body = json.dumps({"FunctionName": "fn", "Runtime": "python3.12", "Role": f"arn:aws:iam::{ACCOUNT}:role/r",
                       "Handler": "index.handler", "Code": {"ZipFile": base64.b64encode(archive.getvalue()).decode()}})
    assert call(app, "lambda", "POST", "/2015-03-31/functions", body) == 201


def timed(name: str, step: Callable[..., Any], into: dict[str, list[int]]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter_ns()
        try:
            return step(*args, **kwargs)
        finally:
            into.setdefault(name, []).append(time.perf_counter_ns() - started)
    wrapper.__name__ = name
    return wrapper


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--path", default="/2015-03-31/functions/fn", help="a signed Lambda GET (default GetFunction)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lamina-stages-") as tmp:
        settings = Settings(data_dir=Path(tmp), account_id=ACCOUNT)
        store = open_store(Path(tmp))
        ensure_root_key(store, settings, {"LAMINA_ROOT_ACCESS_KEY_ID": KEY, "LAMINA_ROOT_SECRET_ACCESS_KEY": SECRET})
        app = create_app(store, settings)
        try:
            prepare(app)
            times: dict[str, list[int]] = {}
            for name in STEPS:
                setattr(app, name, timed(name, getattr(app, name), times))
            app.pipeline = [getattr(app, step.__name__) for step in app.pipeline]
            template = signed_context("lambda", "GET", args.path)
            contexts = [RequestContext(new_request_id(), template.method, template.raw_path, template.query_string,
                                       template.headers, b"", template.source_ip) for _ in range(args.requests)]

            async def run() -> list[int]:
                totals = []
                for ctx in contexts:
                    started = time.perf_counter_ns()
                    app.admit(ctx)
                    response = await app.respond(ctx)
                    totals.append(time.perf_counter_ns() - started)
                    if response.status != 200:
                        raise SystemExit(f"{args.path} answered {response.status}: {response.body[:300]!r}")
                return totals

            gc.collect()
            totals = asyncio.run(run())
        finally:
            app.close()
            store.close()
    skip = args.requests // 5
    print(f"{'step':14} {'median µs':>10} {'mean µs':>9}")
    for name in STEPS:
        kept = times.get(name, [])[skip:]
        if kept:
            print(f"{name:14} {statistics.median(kept) / 1e3:10.1f} {statistics.mean(kept) / 1e3:9.1f}")
    whole = totals[skip:]
    print(f"{'whole request':14} {statistics.median(whole) / 1e3:10.1f} {statistics.mean(whole) / 1e3:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
