"""Through boto3 against running servers: a function over its memory size, and AWS's own
``awslambdaric`` as a ``provided.al2023`` bootstrap (on a server that runs functions as plain
processes, since the bootstrap runs this test's Python, which a sandbox does not show)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest
from functions_support import create, execution_role, unique, zipped

from lamina.pytest_plugin import LaminaServer, start_server

HUNGRY = "def handler(event, context):\n    block = bytearray(400 * 1024 * 1024)\n    return len(block)\n"
RIC_HANDLER = "def handler(event, context):\n    return {'echo': event, 'id': context.aws_request_id}\n"


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    running = start_server(tmp_path_factory.mktemp("plain") / "data", options=["--sandbox", "none"])
    try:
        yield running
    finally:
        running.stop()


def test_a_function_over_its_memory_size_is_stopped(lamina_server: LaminaServer) -> None:
    client, name = lamina_server.client("lambda"), unique("hungry")
    create(client, execution_role(lamina_server), name, Handler="app.handler", zip=zipped({"app.py": HUNGRY}),
           MemorySize=128, Timeout=30)
    answer = client.invoke(FunctionName=name, Payload=b"{}")
    found = json.loads(answer["Payload"].read())
    assert answer["FunctionError"] == "Unhandled"
    assert found["errorType"] == "Runtime.OutOfMemory"


def test_awslambdaric_is_a_bootstrap_as_on_aws(plain: LaminaServer) -> None:
    pytest.importorskip("awslambdaric", reason="awslambdaric (a dev dependency) is not installed on this Python")
    bootstrap = f"#!/bin/sh\nexec {sys.executable} -m awslambdaric $_HANDLER\n"
    client, name = plain.client("lambda"), unique("ric")
    create(client, execution_role(plain), name, Runtime="provided.al2023", Handler="app.handler",
           zip=zipped({"bootstrap": bootstrap, "app.py": RIC_HANDLER}, executable=("bootstrap",)))
    answer = client.invoke(FunctionName=name, Payload=b'{"via": "awslambdaric"}')
    found = json.loads(answer["Payload"].read())
    assert found == {"echo": {"via": "awslambdaric"}, "id": answer["ResponseMetadata"]["RequestId"]}
