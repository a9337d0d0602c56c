"""Real environments for the runtime's tests: one event loop on a thread, invokers shared per session.

Starting an environment is the slow part (a process, ~100-300 ms), so the invokers live for the
whole session and tests that allow it reuse warm environments: each function is named after its
test, so environments never mix between tests.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvloop
from runtime_support import ENDPOINT, HAVE_BWRAP, NO_BWRAP, Lambda

from lamina.runtime import Invoker


@pytest.fixture(scope="session")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = uvloop.new_event_loop()  # the loop ``lamina serve`` runs on
    thread = threading.Thread(target=loop.run_forever, name="runtime-tests-loop", daemon=True)
    thread.start()
    yield loop

    async def cancel_the_rest() -> None:
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(cancel_the_rest(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def _make(loop: asyncio.AbstractEventLoop, work: Path, sandbox: str) -> Iterator[Lambda]:
    async def create() -> Invoker:
        return Invoker(work, ENDPOINT, sandbox=sandbox, idle_timeout=300)
    lam = Lambda(asyncio.run_coroutine_threadsafe(create(), loop).result(), loop)
    yield lam
    lam.run(lam.invoker.close())


@pytest.fixture(scope="session")
def plain(loop: asyncio.AbstractEventLoop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lambda]:
    """Environments as plain child processes."""
    yield from _make(loop, tmp_path_factory.mktemp("plain"), "none")


@pytest.fixture(scope="session")
def sandboxed(loop: asyncio.AbstractEventLoop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lambda]:
    """Environments inside bubblewrap."""
    if not HAVE_BWRAP:
        pytest.skip(NO_BWRAP)
    yield from _make(loop, tmp_path_factory.mktemp("bwrap"), "bwrap")


@pytest.fixture(scope="session", params=["none", "bwrap"])
def lam(request: pytest.FixtureRequest) -> Lambda:
    """Both sandbox modes (bwrap skipped, with the reason, where bubblewrap is missing)."""
    fixture = "plain" if request.param == "none" else "sandboxed"
    found: Lambda = request.getfixturevalue(fixture)
    return found
