"""Warm environments: reuse, concurrency, revisions, reaping, credentials' expiry, retirement."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runtime_support import Lambda, body, bundle, spec

from lamina.runtime import Credentials, InvocationResult

PID = "import os, time\n\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n    return os.getpid()\n"


def _gone(pid: int) -> bool:
    """True once ``pid`` has exited (it is stopped in the background; bounded wait)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def test_concurrent_invocations_run_in_separate_environments(plain: Lambda) -> None:
    function = spec("concurrent", bundle({"app.py": PID}))

    async def two_at_once() -> tuple[int, list[InvocationResult]]:
        tasks = [asyncio.ensure_future(plain.invoker.invoke(
            function, json.dumps({"sleep": 0.2}).encode(), request_id=str(uuid.uuid4()),
            invoked_arn=function.function_arn,
        )) for _ in range(2)]
        await asyncio.sleep(0)
        in_flight = plain.invoker.busy(function.function_arn)
        return in_flight, list(await asyncio.gather(*tasks))

    in_flight, results = plain.run(two_at_once())

    assert in_flight == 2 and plain.invoker.busy() == 0
    assert len({body(result) for result in results}) == 2
    again = plain.invoke_all(function, [{}, {}])
    assert {body(result) for result in again} == {body(result) for result in results}, "both stayed warm"


def test_a_new_revision_retires_the_old_environment(plain: Lambda) -> None:
    old = spec("revisions", bundle({"app.py": PID}))
    new = replace(old, revision_id="rev-2", environment={"CHANGED": "1"})
    old_pid = body(plain.invoke(old))
    new_result = plain.invoke(new)

    assert new_result.init_duration_ms is not None and body(new_result) != old_pid
    assert _gone(old_pid)


def test_idle_environments_are_reaped_and_retired(plain: Lambda) -> None:
    function = spec("reaped", bundle({"app.py": PID}))
    pid = body(plain.invoke(function))
    plain.call(plain.invoker.retire, function.function_arn)
    assert _gone(pid)

    pid = body(plain.invoke(function))
    saved = plain.invoker._pool.idle_timeout
    plain.invoker._pool.idle_timeout = 0.0
    try:
        plain.run(asyncio.sleep(0.01))
        plain.call(plain.invoker.reap)
    finally:
        plain.invoker._pool.idle_timeout = saved
    assert _gone(pid)
    assert plain.invoke(function).init_duration_ms is not None


def test_environments_are_recycled_before_their_credentials_expire(plain: Lambda) -> None:
    def soon() -> Credentials:
        return Credentials("ASIASOON", "s", "t", datetime.now(UTC) + timedelta(seconds=30))

    function = spec("expiring", bundle({"app.py": PID}), credentials=soon)
    first = plain.invoke(function)
    second = plain.invoke(function)

    assert second.init_duration_ms is not None and body(second) != body(first)


def test_a_linked_directory_runs_its_current_files(lam: Lambda, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 'first'\n")
    function = spec(f"linked-{lam.invoker.sandbox_mode}", bundle({}), code_dir=str(tmp_path))
    first = lam.invoke(function)
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 'edited'\n")
    second = lam.invoke(function)

    assert (body(first), body(second)) == ("first", "edited"), "no deploy between the two"
    assert second.init_duration_ms is not None, "each invoke of a linked directory starts afresh"
