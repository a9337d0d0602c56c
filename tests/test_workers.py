"""The worker pool: answers and errors cross the pipe whole, a full pool refuses, an overrun is killed."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
import uvloop

from lamina.protocols import ServiceError
from lamina.workers import PoolBusy, WorkerPool, WorkerTimeout


def echo(value: bytes) -> bytes:
    return value


def pid_and_niceness() -> tuple[int, int]:
    return os.getpid(), os.nice(0)


def fail(code: str) -> None:
    raise ServiceError(code, "from the worker", 409)


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def run(coroutine: object) -> object:
    """On uvloop, as the server runs (it leaves a watched pipe non-blocking)."""
    return uvloop.run(coroutine)  # type: ignore[arg-type]


def test_large_work_and_answers_cross_whole() -> None:
    async def scenario() -> None:
        pool = WorkerPool(size=1)
        try:
            big = os.urandom(3 * 1024 * 1024)
            assert await pool.run(echo, big, timeout=30) == big
            assert await pool.run(echo, b"small", timeout=30) == b"small"  # the same worker, again
        finally:
            pool.close()
    run(scenario())


def test_work_runs_in_another_process_at_a_lower_priority() -> None:
    async def scenario() -> tuple[int, int]:
        pool = WorkerPool(size=1)
        try:
            found: tuple[int, int] = await pool.run(pid_and_niceness, timeout=30)
            return found
        finally:
            pool.close()
    pid, niceness = run(scenario())  # type: ignore[misc]
    assert pid != os.getpid()
    assert niceness > os.nice(0)


def test_a_service_error_is_raised_in_the_caller() -> None:
    async def scenario() -> None:
        pool = WorkerPool(size=1)
        try:
            with pytest.raises(ServiceError) as raised:
                await pool.run(fail, "Conflict", timeout=30)
            assert (raised.value.code, raised.value.status) == ("Conflict", 409)
        finally:
            pool.close()
    run(scenario())


def test_a_full_pool_refuses_instead_of_queueing_without_end() -> None:
    async def scenario() -> None:
        pool = WorkerPool(size=1, queue_limit=1)
        try:
            running = asyncio.ensure_future(pool.run(sleep, 1.0, timeout=30))
            await asyncio.sleep(0.5)  # started: the one worker is busy
            waiting = asyncio.ensure_future(pool.run(sleep, 0.0, timeout=30))
            await asyncio.sleep(0)
            with pytest.raises(PoolBusy):
                await pool.run(sleep, 0.0, timeout=30)
            assert await running == 1.0 and await waiting == 0.0
        finally:
            pool.close()
    run(scenario())


def test_an_overrun_is_killed_and_the_pool_goes_on() -> None:
    async def scenario() -> None:
        pool = WorkerPool(size=1)
        try:
            with pytest.raises(WorkerTimeout):
                await pool.run(sleep, 30.0, timeout=0.5)
            assert await pool.run(echo, b"after", timeout=30) == b"after"
        finally:
            pool.close()
    run(scenario())
