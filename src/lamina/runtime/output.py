"""An environment's stdout and stderr, read without blocking and cut per invocation.

Both streams go into one pipe (as on AWS, where both land in the same log stream). The event
loop reads it whenever it is readable; ``take()`` first reads whatever is already in the pipe, so
a line the runtime wrote before posting its response is always in that invocation's log (the
bootstraps flush before they post). What is kept between two ``take()`` calls is bounded: past
``limit`` bytes the oldest output is dropped and a note says how much.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import deque

__all__ = ["OutputCapture"]

DEFAULT_LIMIT = 1 << 20
"""Bytes of output kept per invocation (the most recent)."""


class OutputCapture:
    """Reads the read end ``fd`` of an environment's output pipe on the running loop."""

    def __init__(self, fd: int, limit: int = DEFAULT_LIMIT) -> None:
        self.fd = fd
        self.limit = limit
        self.closed = asyncio.Event()
        """Set at end of file: every writer (the environment's processes) has gone."""
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._dropped = 0
        os.set_blocking(fd, False)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(fd, self._read)

    def take(self) -> str:
        """Everything written since the last call (oldest first), as text."""
        self._read()
        data = b"".join(self._chunks)
        note = f"[Lamina: {self._dropped} bytes of earlier output dropped]\n" if self._dropped else ""
        self._chunks.clear()
        self._size = self._dropped = 0
        return note + data.decode("utf-8", errors="replace")

    def close(self) -> None:
        """Stop reading and close the pipe."""
        if self.fd >= 0:
            self._loop.remove_reader(self.fd)
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1
            self.closed.set()

    def _read(self) -> None:
        while self.fd >= 0:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._loop.remove_reader(self.fd)
                self.closed.set()
                return
            self._keep(data)

    def _keep(self, data: bytes) -> None:
        self._chunks.append(data)
        self._size += len(data)
        while self._size > self.limit and len(self._chunks) > 1:
            dropped = self._chunks.popleft()
            self._size -= len(dropped)
            self._dropped += len(dropped)
        if self._size > self.limit:
            (only,) = self._chunks
            self._chunks[0] = only[-self.limit :]
            self._dropped += len(only) - self.limit
            self._size = self.limit
