"""A committed write survives SIGKILL of the writer right after the commit returns."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from lamina.store import open_store
from lamina.store.repositories import users

WRITER = """
import sys, time
from lamina.store import open_store
from lamina.store.repositories import accounts, users
store = open_store(sys.argv[1])
with store.transaction() as conn:
    accounts.create_account(conn, "123456789012")
    users.create_user(conn, "123456789012", "survivor")
print("written", flush=True)
time.sleep(60)
"""


def test_committed_user_survives_sigkill(tmp_path: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "written"
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.wait(timeout=10)
        if writer.stdout is not None:
            writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    store = open_store(tmp_path)
    with store.transaction(read_only=True) as conn:
        assert users.get_user(conn, "123456789012", "survivor").name == "survivor"
    store.close()
