"""bubblewrap's isolation as a function sees it: read-only code, a private /tmp, the host's files absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from runtime_support import HAVE_BWRAP, NO_BWRAP, Lambda, body, bundle, spec

from lamina.runtime.sandbox import bwrap_problem

pytestmark = pytest.mark.skipif(not HAVE_BWRAP, reason=NO_BWRAP)

PROBE = """
import os

def handler(event, context):
    found = {}
    try:
        open("/var/task/new-file", "w")
        found["write_code"] = "written"
    except OSError as error:
        found["write_code"] = error.strerror
    with open("/tmp/" + event["marker"], "w") as marker:
        marker.write("x")
    found["tmp"] = sorted(os.listdir("/tmp"))
    found["work_dir_visible"] = os.path.exists(event["work_dir"])
    found["pid"] = os.getpid()
    found["host_file_visible"] = os.path.exists(event["host_file"])
    return found
"""


def test_the_code_is_read_only_and_tmp_private(sandboxed: Lambda) -> None:
    one = spec("sandbox-one", bundle({"app.py": PROBE}))
    two = spec("sandbox-two", bundle({"app.py": PROBE + "\n# another function\n"}))
    work_dir = str(sandboxed.invoker.work_dir)
    host_file = str(Path(__file__).resolve())
    first = body(sandboxed.invoke(one, {"marker": "one", "work_dir": work_dir, "host_file": host_file}))
    second = body(sandboxed.invoke(two, {"marker": "two", "work_dir": work_dir, "host_file": host_file}))

    assert first["write_code"] == "Read-only file system"
    assert first["tmp"] == ["one"] and second["tmp"] == ["two"], "each environment has its own /tmp"
    assert first["work_dir_visible"] is False and first["host_file_visible"] is False, "the host's files are absent"
    assert first["pid"] < 10, "its own PID namespace"


def test_a_function_in_the_sandbox_keeps_its_tmp_between_warm_invocations(sandboxed: Lambda) -> None:
    function = spec("sandbox-warm", bundle({"app.py": PROBE}))
    sandboxed.invoke(function, {"marker": "a", "work_dir": "/nowhere", "host_file": "/nowhere"})
    again = body(sandboxed.invoke(function, {"marker": "b", "work_dir": "/nowhere", "host_file": "/nowhere"}))

    assert again["tmp"] == ["a", "b"]


def test_tmp_holds_ephemeral_storage_and_no_more(sandboxed: Lambda) -> None:
    code = (
        "def handler(event, context):\n"
        "    try:\n"
        "        with open('/tmp/big', 'wb') as big:\n"
        "            big.write(b'x' * (3 * 1024 * 1024))\n"
        "        return 'written'\n"
        "    except OSError as error:\n"
        "        return error.strerror\n"
    )
    result = sandboxed.invoke(spec("sandbox-storage", bundle({"app.py": code}), ephemeral_storage=2))

    assert body(result) == "No space left on device"


def test_bubblewrap_is_checked_before_use(sandboxed: Lambda) -> None:
    assert sandboxed.run(sandboxed.invoker.prepare()) == "bwrap" and sandboxed.invoker.sandbox_note == ""
    assert sandboxed.run(bwrap_problem()) is None
