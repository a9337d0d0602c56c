"""The connection layer in-process (uvicorn in a thread, the real app and protocol): slow senders
are cut off, whether they dawdle over the request head or stop in the middle of a body."""

from __future__ import annotations

import asyncio
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


class RecordingTransport:
    """What a CoalescingTransport hands on: each write, and whether it was closed or aborted."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.events: list[str] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return "close" in self.events or "abort" in self.events

    def close(self) -> None:
        self.events.append("close")

    def abort(self) -> None:
        self.events.append("abort")

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def coalesced(steps: list[str]) -> RecordingTransport:
    """Run ``steps`` ("write:<data>", "turn", "close", "abort") against a CoalescingTransport."""
    inner = RecordingTransport()

    async def run() -> None:
        outer = wire.CoalescingTransport(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
        for step in steps:
            if step.startswith("write:"):
                outer.write(bytearray(step.removeprefix("write:").encode()))
            elif step == "turn":
                await asyncio.sleep(0)
            else:
                getattr(outer, step)()
        await asyncio.sleep(0)

    asyncio.run(run())
    return inner


def test_writes_in_one_turn_leave_as_one_write_in_order() -> None:
    inner = coalesced(["write:HTTP/1.1 200 OK\r\n\r\n", "write:body", "turn", "write:next"])
    assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]


def test_close_flushes_first_and_abort_drops() -> None:
    assert coalesced(["write:a", "write:b", "close"]).writes == [b"ab"]
    assert coalesced(["write:a", "close"]).events == ["close"]
    aborted = coalesced(["write:a", "abort"])
    assert (aborted.writes, aborted.events) == ([], ["abort"])


def test_other_calls_reach_the_wrapped_transport() -> None:
    loop = asyncio.new_event_loop()
    try:
        outer = wire.CoalescingTransport(RecordingTransport(), loop)  # type: ignore[arg-type]
        assert outer.get_extra_info("peername") == "info:peername"
        assert outer.is_closing() is False
    finally:
        loop.close()


def test_keep_alive_requests_are_answered_whole_and_in_order(endpoint: tuple[str, int]) -> None:
    host, port = endpoint
    with socket.create_connection(endpoint) as sock:
        sock.settimeout(5)
        for _ in range(3):
            headers = signed_headers(f"http://{host}:{port}/", FORM)
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() != "content-length")
            sock.sendall(f"POST / HTTP/1.1\r\n{head}Content-Length: {len(FORM)}\r\n\r\n{FORM}".encode())
            answer = b""
            while b"</GetCallerIdentityResponse>" not in answer:
                answer += sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"</GetCallerIdentityResponse>")


def test_a_later_head_that_never_ends_is_cut_off_too(endpoint: tuple[str, int]) -> None:
    host, port = endpoint
    headers = signed_headers(f"http://{host}:{port}/", FORM)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() != "content-length")
    with socket.create_connection(endpoint) as sock:
        sock.settimeout(5)
        for _ in range(2):  # answered requests keep the connection; the head timer is re-armed lazily
            time.sleep(0.3)
            sock.sendall(f"POST / HTTP/1.1\r\n{head}Content-Length: {len(FORM)}\r\n\r\n{FORM}".encode())
            answer = b""
            while b"</GetCallerIdentityResponse>" not in answer:
                answer += sock.recv(65536)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert closed_within(sock, 5) == b""
