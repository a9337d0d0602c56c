"""bubblewrap's network, user and rlimit isolation, as a function sees it (real processes).

The function's sandbox has no network: it reaches its Runtime API and Lamina's endpoint only
through the relay, on their usual 127.0.0.1 addresses. Lamina's endpoint here is a small HTTP
server that answers STS's GetCallerIdentity and records who called, so boto3 inside the function
can be seen to reach it with the role's credentials; another port the test opens on 127.0.0.1
stays out of reach.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from runtime_support import HAVE_BWRAP, NO_BWRAP, NODE, NODE_RUNTIME, Lambda, body, bundle, spec

from lamina.runtime import Invoker

pytestmark = pytest.mark.skipif(not HAVE_BWRAP, reason=NO_BWRAP)

IDENTITY = (
    b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
    b"<Arn>arn:aws:sts::123456789012:assumed-role/role/fn</Arn><UserId>AROAEXAMPLE:fn</UserId>"
    b"<Account>123456789012</Account></GetCallerIdentityResult>"
    b"<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
)


class _Endpoint(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        _Endpoint.seen.append(self.headers.get("Authorization", ""))
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(IDENTITY)))
        self.end_headers()
        self.wfile.write(IDENTITY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def endpoint() -> Iterator[int]:
    """A stand-in for Lamina's endpoint on 127.0.0.1; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def isolated(loop: asyncio.AbstractEventLoop, tmp_path_factory: pytest.TempPathFactory,
             endpoint: int) -> Iterator[Lambda]:
    async def create() -> Invoker:
        return Invoker(tmp_path_factory.mktemp("isolated"), f"http://127.0.0.1:{endpoint}", sandbox="bwrap")
    lam = Lambda(asyncio.run_coroutine_threadsafe(create(), loop).result(), loop)
    yield lam
    lam.run(lam.invoker.close())


@pytest.fixture
def other_port() -> Iterator[int]:
    """A port listening on the host's 127.0.0.1 that a function must not reach."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


PROBE = """
import os, resource, socket

def reach(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return "connected"
    except OSError as error:
        return error.strerror or type(error).__name__

def handler(event, context):
    try:
        os.listdir(event["work_dir"])
        data = "listed"
    except OSError as error:
        data = error.strerror
    return {
        "other_port": reach(event["port"]), "data_dir": data, "uid": [os.getuid(), os.getgid()],
        "interfaces": sorted(name for _, name in socket.if_nameindex()),
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "runtime_api": os.environ["AWS_LAMBDA_RUNTIME_API"], "endpoint": os.environ["AWS_ENDPOINT_URL"],
    }
"""


def test_a_function_reaches_neither_another_port_nor_lamina_s_files(isolated: Lambda, other_port: int,
                                                                      endpoint: int) -> None:
    work_dir = str(isolated.invoker.work_dir)
    found = body(isolated.invoke(spec("isolation-probe", bundle({"app.py": PROBE})),
                                 {"port": other_port, "work_dir": work_dir}))

    assert found["other_port"] == "Connection refused", "its own network namespace: the host's ports are absent"
    assert found["interfaces"] == ["lo"]
    assert found["data_dir"] == "No such file or directory"
    assert found["uid"] == [65534, 65534], "an unprivileged user inside"
    assert found["nofile"] == 1024
    assert found["runtime_api"] == "127.0.0.1:9001"
    assert found["endpoint"] == f"http://127.0.0.1:{endpoint}"


def test_boto3_reaches_lamina_through_the_relay_with_the_roles_credentials(isolated: Lambda) -> None:
    code = bundle({"app.py": (
        "import boto3\n\ndef handler(e, c):\n"
        "    return [boto3.client('sts').get_caller_identity()['Arn'] for _ in range(2)]\n"
    )})
    function = spec("isolation-boto3", code, timeout=10)
    first = isolated.invoke(function)
    again = isolated.invoke(function)

    assert body(first) == body(again) == ["arn:aws:sts::123456789012:assumed-role/role/fn"] * 2, first.log
    assert _Endpoint.seen and all("Credential=ASIAEXAMPLEKEY/" in seen for seen in _Endpoint.seen)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_node_reaches_lamina_through_the_relay(isolated: Lambda, endpoint: int, other_port: int) -> None:
    code = (
        "const http = require('http');\n"
        "const get = (port) => new Promise((ok) => {\n"
        "  const r = http.request({host: '127.0.0.1', port, method: 'POST', path: '/'}, (res) => {\n"
        "    let d = ''; res.on('data', (c) => d += c); res.on('end', () => ok(res.statusCode + ':' + d.length));\n"
        "  });\n"
        "  r.on('error', (e) => ok(e.code)); r.end('Action=GetCallerIdentity');\n"
        "});\n"
        "exports.handler = async (e) => [await get(e.endpoint), await get(e.other)];\n"
    )
    function = spec("isolation-node", bundle({"index.js": code}), runtime=NODE_RUNTIME, handler="index.handler")
    result = isolated.invoke(function, {"endpoint": endpoint, "other": other_port})

    assert body(result) == [f"200:{len(IDENTITY)}", "ECONNREFUSED"], result.log


def test_the_runtime_api_socket_goes_with_its_environment(isolated: Lambda) -> None:
    function = spec("isolation-sockets", bundle({"app.py": "def handler(e, c):\n    return 1\n"}))
    isolated.invoke(function)
    sockets = isolated.invoker._sockets
    assert sockets is not None
    before = {path.name for path in Path(sockets).iterdir()}
    isolated.call(isolated.invoker.retire, function.function_arn)
    isolated.run(asyncio.sleep(0.2))

    assert "endpoint.sock" in before and len(before) >= 2
    assert {path.name for path in Path(sockets).iterdir()} < before
