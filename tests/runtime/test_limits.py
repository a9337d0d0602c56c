"""What Lambda does when a function overruns: timeouts, the memory limit, a crashing runtime, big responses."""

from __future__ import annotations

import pytest
from runtime_support import Lambda, body, bundle, spec

from lamina.runtime import environment

BEHAVIOURS = """
import os, signal, time

def handler(event, context):
    what = event.get("do")
    if what == "sleep":
        time.sleep(30)
    if what == "allocate":
        hog = "x" * (400 * 1024 * 1024)
        time.sleep(30)
    if what == "exit":
        os._exit(3)
    if what == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if what == "big":
        return "x" * (7 * 1024 * 1024)
    return os.getpid()
"""


def test_a_timeout_kills_the_environment_and_answers_awss_error(plain: Lambda) -> None:
    function = spec("timeout", bundle({"app.py": BEHAVIOURS}), timeout=1)
    before = body(plain.invoke(function))
    result = plain.invoke(function, {"do": "sleep"})
    after = plain.invoke(function)

    assert result.function_error == "Unhandled" and result.error_type == "Sandbox.Timedout"
    assert body(result) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert f"{result.request_id} Task timed out after 1.00 seconds\nEND RequestId" in result.log
    assert result.log.splitlines()[-1].endswith("\tStatus: timeout\t")
    assert after.init_duration_ms is not None and body(after) != before, "the next invocation starts afresh"


def test_the_memory_limit_kills_with_awss_out_of_memory_error(lam: Lambda) -> None:
    function = spec(f"oom-{lam.invoker.sandbox_mode}", bundle({"app.py": BEHAVIOURS}), memory_size=128, timeout=20)
    result = lam.invoke(function, {"do": "allocate"})

    assert result.function_error == "Unhandled" and result.error_type == "Runtime.OutOfMemory"
    assert body(result) == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed",
    }
    assert result.max_memory_used_mb == 128
    assert "Status: error\tError Type: Runtime.OutOfMemory" in result.log
    assert result.duration_ms < 20_000, "killed at the limit, not at the timeout"


@pytest.mark.parametrize(("do", "reason"), [("exit", "exit status 3"), ("segfault", "signal: segmentation fault")])
def test_a_crash_answers_the_runtimes_exit(lam: Lambda, do: str, reason: str) -> None:
    function = spec(f"crash-{do}-{lam.invoker.sandbox_mode}", bundle({"app.py": BEHAVIOURS}))
    result = lam.invoke(function, {"do": do})

    assert result.error_type == "Runtime.ExitError"
    assert body(result) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: {reason}",
    }
    assert lam.invoke(function).function_error is None, "a fresh environment serves the next invocation"


def test_a_response_over_6_mb_is_awss_size_error(plain: Lambda) -> None:
    function = spec("big", bundle({"app.py": BEHAVIOURS}))
    result = plain.invoke(function, {"do": "big"})

    assert result.function_error == "Unhandled"
    assert body(result) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
    follow = plain.invoke(function)
    assert follow.function_error is None and follow.init_duration_ms is None, "the environment lives on"


def test_a_slow_init_is_cut_at_the_init_limit(plain: Lambda, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(environment, "INIT_TIMEOUT", 0.5)  # AWS's 10 s, shortened for the test
    code = bundle({"app.py": "import time\ntime.sleep(30)\n\ndef handler(e, c):\n    return 1\n"})
    result = plain.invoke(spec("slow-init", code))

    assert result.error_type == "Sandbox.Timedout"
    assert body(result)["errorMessage"] == f"RequestId: {result.request_id} Error: Task timed out after 0.50 seconds"
    assert "Phase: init\tStatus: timeout" in result.log
