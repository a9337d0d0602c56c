"""A small pool of worker processes for the CPU-heavy, pure part of a request.

Why processes: the event loop only moves bytes, and a thread running Python holds the GIL, so
a long simulation in a thread would still slow every other request. A worker process runs on
another core, at a lower scheduling priority (``nice``), so the server's own process keeps the
CPU it needs. Why not ``ProcessPoolExecutor``: a task that overruns its hard deadline must be
stopped, and only killing its process does that; this pool kills it and starts a fresh one.

::

    run(fn, *args) ──► a free worker? ──yes──► send (fn, args) over its pipe, await the answer
                          │ no                          │ past the deadline: SIGKILL, respawn,
                          ▼                             ▼ WorkerTimeout
                   queue (bounded) ── full ──► PoolBusy (the caller answers AWS's throttling error)

``fn`` must be a top-level function and its arguments and answer picklable. An exception it
raises (``ServiceError`` included) is re-raised in the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

__all__ = ["PoolBusy", "WorkerPool", "WorkerTimeout", "default_size"]

WORKER_NICENESS = 19
"""How much lower than the server a worker runs (the lowest priority): heavy work takes only the CPU
the server leaves over."""


class PoolBusy(Exception):
    """Every worker is busy and the queue is full: the caller should be throttled."""


class WorkerTimeout(Exception):
    """The task overran its hard deadline; its worker was killed and replaced."""


def default_size() -> int:
    """One worker per core, leaving one core to the server (at least one worker)."""
    return max(1, (os.cpu_count() or 2) - 1)


def _serve(conn: Connection) -> None:
    """A worker's life: take a task, answer it, until the server closes the pipe."""
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[bool, Any] = (True, fn(*args))
        except Exception as error:  # sent back and raised in the server, never swallowed
            answer = (False, error)
        try:
            conn.send(answer)
        except Exception as error:  # an answer that does not pickle
            conn.send((False, RuntimeError(f"the worker's answer could not be sent: {error!r}")))


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection

    def stop(self, *, kill: bool = False) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        if kill:
            self.process.kill()
        self.process.join(timeout=5)


@dataclass(eq=False)
class WorkerPool:
    """``size`` worker processes, started on first use, and a bounded queue of waiting tasks."""

    size: int = field(default_factory=default_size)
    queue_limit: int = 16
    """How many tasks may wait for a free worker before callers are refused with PoolBusy."""
    _idle: list[_Worker] = field(default_factory=list)
    _started: int = 0
    _waiting: deque[asyncio.Future[_Worker]] = field(default_factory=deque)
    _spawning: set[asyncio.Task[None]] = field(default_factory=set)
    _closed: bool = False

    async def run(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """``fn(*args)`` in a worker; PoolBusy when full, WorkerTimeout past ``timeout`` seconds."""
        worker = await self._acquire()
        try:
            ok, value = await self._call(worker, fn, args, timeout)
        except BaseException:
            worker.stop(kill=True)  # a worker whose answer was not read cannot be trusted again
            self._started -= 1
            self._wake_one()
            raise
        self._release(worker)
        if not ok:
            raise value
        return value

    @property
    def busy(self) -> int:
        """Tasks running now (for the health endpoint and tests)."""
        return self._started - len(self._idle)

    def close(self) -> None:
        """Stop every idle worker (busy ones stop when their pipe closes)."""
        self._closed = True
        while self._idle:
            self._idle.pop().stop()
        for waiter in self._waiting:  # close may run in another thread (the server's shutdown)
            waiter.get_loop().call_soon_threadsafe(waiter.cancel)

    # -- internals ------------------------------------------------------------------------------

    async def _acquire(self) -> _Worker:
        if self._closed:
            raise PoolBusy("the worker pool is closed")
        if self._idle:
            return self._idle.pop()
        if self._started < self.size:
            self._started += 1
            try:
                return await asyncio.to_thread(_spawn)
            except BaseException:
                self._started -= 1
                raise
        if len(self._waiting) >= self.queue_limit:
            raise PoolBusy(f"{self.size} workers busy and {len(self._waiting)} tasks waiting")
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            return await waiter
        finally:
            with contextlib.suppress(ValueError):
                self._waiting.remove(waiter)

    def _release(self, worker: _Worker) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        if self._closed:
            worker.stop()
            self._started -= 1
        else:
            self._idle.append(worker)

    def _wake_one(self) -> None:
        """A worker died: let the first waiter start a fresh one instead of waiting forever."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                self._started += 1
                task = asyncio.get_running_loop().create_task(self._spawn_for(waiter))
                self._spawning.add(task)
                task.add_done_callback(self._spawning.discard)
                return

    async def _spawn_for(self, waiter: asyncio.Future[_Worker]) -> None:
        try:
            worker = await asyncio.to_thread(_spawn)
        except Exception as error:
            self._started -= 1
            if not waiter.done():
                waiter.set_exception(error)
            return
        if waiter.done():
            self._release(worker)
        else:
            waiter.set_result(worker)

    @staticmethod
    async def _call(worker: _Worker, fn: Callable[..., Any], args: tuple[Any, ...],
                    timeout: float) -> tuple[bool, Any]:
        loop = asyncio.get_running_loop()
        readable: asyncio.Future[None] = loop.create_future()
        fd = worker.conn.fileno()
        def wake() -> None:
            if not readable.done():
                readable.set_result(None)

        os.set_blocking(fd, True)  # the worker reads at once; a large task is sent whole
        worker.conn.send((fn, args))
        loop.add_reader(fd, wake)
        try:
            await asyncio.wait_for(readable, timeout)
        except TimeoutError:
            raise WorkerTimeout(f"the task ran past its {timeout:g} s deadline") from None
        finally:
            loop.remove_reader(fd)
        os.set_blocking(fd, True)  # watching the pipe made it non-blocking; the answer is read whole
        answer: tuple[bool, Any] = worker.conn.recv()
        return answer


def _spawn() -> _Worker:
    """A fresh worker from a clean interpreter (forkserver: never a copy of the server's loop)."""
    context = multiprocessing.get_context("forkserver")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(child,), daemon=True, name="lamina-worker")
    process.start()
    child.close()
    return _Worker(process, parent)
