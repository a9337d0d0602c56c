"""Lamina's endpoint on a Unix socket, for sandboxes that have no network.

A function in bubblewrap has its own network namespace and cannot reach Lamina's TCP port. The
Invoker listens on one Unix socket (bound into every sandbox, where the relay offers it on
``127.0.0.1:PORT``) and forwards each connection to Lamina's own TCP address: bytes only, each
direction a transport callback writing to the other side, with flow control both ways. Only
Lamina's endpoint is reachable this way, and a caller is authorized like any other (SigV4, the
execution role's credentials); its source address is the loopback, as it was without a sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import cast

__all__ = ["EndpointForwarder"]


class EndpointForwarder:
    """A Unix socket that forwards every connection to ``host:port``."""

    def __init__(self, path: str, host: str, port: int) -> None:
        self.path = path
        self.host = host
        self.port = port
        self._server: asyncio.AbstractServer | None = None
        self._links: set[_Side] = set()
        self._connecting: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(lambda: _Side(self), self.path)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for side in list(self._links):
            side.abort()


class _Side(asyncio.Protocol):
    """One end of a forwarded connection; ``peer`` is the other end once it is connected."""

    def __init__(self, forwarder: EndpointForwarder | None, peer: _Side | None = None) -> None:
        self.forwarder = forwarder
        self.peer = peer
        self.transport: asyncio.Transport | None = None
        self.early: list[bytes] = []
        """What the client sent before the upstream connection was made (pausing reading in
        ``connection_made`` does not stop every loop from delivering what has already arrived)."""
        self.ended = False
        """The client closed its side before the upstream connection was made."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        if self.forwarder is not None:  # the client's side: open the upstream one
            self.forwarder._links.add(self)
            self.transport.pause_reading()
            task = asyncio.get_running_loop().create_task(self._connect(self.forwarder))
            self.forwarder._connecting.add(task)
            task.add_done_callback(self.forwarder._connecting.discard)
        elif self.peer is not None:  # the upstream side, connected: the client's may start
            self.peer.attach(self)

    async def _connect(self, forwarder: EndpointForwarder) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: _Side(None, self), forwarder.host, forwarder.port)
        except OSError:
            self.abort()

    def attach(self, peer: _Side) -> None:
        """Called by the upstream side when it is connected: start moving bytes."""
        self.peer = peer
        if self.transport is None:
            peer.abort()
            return
        if peer.transport is not None:
            for data in self.early:
                peer.transport.write(data)
            if self.ended:
                peer.transport.write_eof()
        self.early = []
        self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        if self.peer is None:
            self.early.append(data)
        elif self.peer.transport is not None:
            self.peer.transport.write(data)

    def eof_received(self) -> bool:
        if self.peer is None:
            self.ended = True
            return True
        if self.peer is not None and self.peer.transport is not None and self.peer.transport.can_write_eof():
            self.peer.transport.write_eof()
            return True
        return False

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.forwarder is not None:
            self.forwarder._links.discard(self)
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()  # after what is still buffered for it

    def abort(self) -> None:
        if self.transport is not None:
            with contextlib.suppress(Exception):
                self.transport.abort()
