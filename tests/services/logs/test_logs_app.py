"""The app in-process (no sockets): what an invocation hands ``LaminaApp.function_logs`` is read back
through the logs API, and ``close`` (the server's shutdown) writes what is still queued."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from lamina.commands.serve import ensure_root_key
from lamina.context import RequestContext
from lamina.server import LaminaApp, create_app
from lamina.settings import Settings
from lamina.store import Store, open_store
from lamina.store.repositories import log_events

ACCOUNT = "123456789012"
KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
GROUP = "/aws/lambda/my-function"
STREAM = "2026/11/30/[$LATEST]0123456789abcdef0123456789abcdef"


class _Raw(io.BytesIO):
    def stream(self, amt: int = 1024, **_: Any) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk


@pytest.fixture
def served(tmp_path: Any) -> Iterator[tuple[LaminaApp, Store]]:
    settings = Settings(data_dir=tmp_path, account_id=ACCOUNT)
    store = open_store(tmp_path)
    ensure_root_key(store, settings, {"LAMINA_ROOT_ACCESS_KEY_ID": KEY, "LAMINA_ROOT_SECRET_ACCESS_KEY": SECRET})
    app = create_app(store, settings)
    yield app, store
    app.close()
    store.close()


def logs_client(app: LaminaApp) -> Any:
    client = boto3.client("logs", endpoint_url="http://127.0.0.1:4599", region_name="us-east-1",
                          aws_access_key_id=KEY, aws_secret_access_key=SECRET)

    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        parts = urlsplit(request.url)
        headers = [(name, value.decode() if isinstance(value, bytes) else value)
                   for name, value in request.headers.items()]
        headers.append(("host", parts.netloc))  # urllib3 adds it on the wire; botocore signed it
        body = request.body or b""
        ctx = RequestContext(str(uuid.uuid4()), request.method, parts.path or "/", parts.query, headers,
                             body.encode() if isinstance(body, str) else bytes(body), "127.0.0.1")
        response = app.handle(ctx)
        return AWSResponse(request.url, response.status, response.headers, _Raw(response.body))

    client.meta.events.register("before-send", send)
    return client


def test_an_invocations_logs_are_read_back_through_the_api(served: tuple[LaminaApp, Store]) -> None:
    app, _ = served
    app.function_logs.record(ACCOUNT, "us-east-1", GROUP, STREAM,
                             "START RequestId: r1 Version: $LATEST\nhi\nEND RequestId: r1\n", datetime.now(UTC))
    app.function_logs.flush()
    found = logs_client(app).get_log_events(logGroupName=GROUP, logStreamName=STREAM, startFromHead=True)
    assert [event["message"] for event in found["events"]] == [
        "START RequestId: r1 Version: $LATEST\n", "hi\n", "END RequestId: r1\n"]


def test_close_writes_the_logs_still_queued(served: tuple[LaminaApp, Store]) -> None:
    app, store = served
    app.function_logs.record(ACCOUNT, "us-east-1", GROUP, STREAM, "last words\n", datetime.now(UTC))
    app.close()
    with store.transaction(read_only=True) as conn:
        group = log_events.get_group(conn, ACCOUNT, "us-east-1", GROUP)
        assert [event.message for event in log_events.filter_events(conn, group, lambda m: True)[0]] == [
            "last words\n"]
