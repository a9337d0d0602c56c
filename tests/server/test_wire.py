"""The connection layer in-process (uvicorn in a thread, the real app and protocol): slow senders
are cut off, whether they dawdle over the request head or stop in the middle of a body."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from lamina_server import ACCOUNT, ROOT_KEY, ROOT_SECRET, free_port, signed_headers

from lamina import limits, wire
from lamina.commands.serve import ensure_root_key
from lamina.server import create_app
from lamina.settings import Settings
from lamina.store import open_store
from lamina.wire import LaminaHttpProtocol

FORM = "Action=GetCallerIdentity&Version=2011-06-15"


@pytest.fixture
def endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    monkeypatch.setattr(wire, "HEAD_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(limits, "BODY_IDLE_SECONDS", 0.5)
    settings = Settings(data_dir=tmp_path, account_id=ACCOUNT)
    store = open_store(tmp_path)
    root = {"LAMINA_ROOT_ACCESS_KEY_ID": ROOT_KEY, "LAMINA_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET}
    ensure_root_key(store, settings, root)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store, settings), host="127.0.0.1", port=port,
                                           http=LaminaHttpProtocol, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield "127.0.0.1", port
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def closed_within(sock: socket.socket, seconds: float) -> bytes:
    """What the server sent before closing the connection (fails if it stays open)."""
    sock.settimeout(seconds)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_a_connection_that_sends_nothing_is_closed(endpoint: tuple[str, int]) -> None:
    with socket.create_connection(endpoint) as sock:
        assert closed_within(sock, 5) == b""


def test_a_request_head_that_never_ends_is_cut_off(endpoint: tuple[str, int]) -> None:
    with socket.create_connection(endpoint) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert closed_within(sock, 5) == b""


def test_a_body_that_stops_arriving_gets_request_timeout(endpoint: tuple[str, int]) -> None:
    host, port = endpoint
    headers = signed_headers(f"http://{host}:{port}/", FORM)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() != "content-length")
    with socket.create_connection(endpoint) as sock:
        sock.sendall(f"POST / HTTP/1.1\r\n{head}Content-Length: {len(FORM) + 10}\r\n\r\n{FORM}".encode())
        answer = closed_within(sock, 5)
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"<Code>RequestTimeout</Code>" in answer


def test_a_whole_request_is_answered(endpoint: tuple[str, int]) -> None:
    host, port = endpoint
    headers = signed_headers(f"http://{host}:{port}/", FORM)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() != "content-length")
    with socket.create_connection(endpoint) as sock:
        head += f"Content-Length: {len(FORM)}\r\nConnection: close\r\n"
        sock.sendall(f"POST / HTTP/1.1\r\n{head}\r\n{FORM}".encode())
        answer = closed_within(sock, 5)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
