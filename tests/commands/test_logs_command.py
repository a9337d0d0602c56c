"""``lamina logs FUNCTION`` as a user runs it: the installed command over a data directory that holds
the function's logs; ``--since``; ``--follow`` printing what is written while it runs; and nothing
created where there is no data directory."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lamina.function_logs import FunctionLogs
from lamina.store import open_store
from lamina.store.repositories import accounts

LAMINA = Path(sys.executable).with_name("lamina")
ACCOUNT = "123456789012"
STREAM = "2026/11/30/[$LATEST]0123456789abcdef0123456789abcdef"


def lamina(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LAMINA), *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=60)


def record(data_dir: Path, request_id: str, line: str, at: datetime, *, new: bool = False) -> None:
    """One invocation's logs, written as the server's FunctionLogs writes them."""
    store = open_store(data_dir)
    if new:
        with store.transaction() as conn:
            accounts.create_account(conn, ACCOUNT)
    logs = FunctionLogs(store, background=False)
    logs.record(ACCOUNT, "us-east-1", "/aws/lambda/my-function", STREAM,
                f"START RequestId: {request_id} Version: $LATEST\n{line}\nEND RequestId: {request_id}\n", at)
    logs.close()
    store.close()


def test_prints_the_functions_recent_events_oldest_first(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    record(tmp_path / ".lamina", "r0", "too old for the default 10 minutes", now - timedelta(hours=1), new=True)
    record(tmp_path / ".lamina", "r1", "hello from r1", now - timedelta(minutes=2))
    done = lamina(tmp_path, "logs", "my-function")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == ["START RequestId: r1 Version: $LATEST", "hello from r1",
                                                          "END RequestId: r1"]
    assert lines[0].split(" ")[1] == STREAM
    assert datetime.fromisoformat(lines[0].split(" ")[0]) == (now - timedelta(minutes=2)).replace(
        microsecond=(now.microsecond // 1000) * 1000)
    assert done.stderr == f"lamina logs: reading {(tmp_path / '.lamina').resolve()}\n"
    older = lamina(tmp_path, "logs", "my-function", "--since", "2h")
    assert len(older.stdout.splitlines()) == 6


def test_an_unknown_function_and_a_missing_data_dir(tmp_path: Path) -> None:
    nowhere = lamina(tmp_path, "logs", "my-function")
    assert nowhere.returncode == 1 and nowhere.stdout == "" and list(tmp_path.iterdir()) == []
    assert "no Lamina data directory at" in nowhere.stderr
    record(tmp_path / ".lamina", "r1", "x", datetime.now(UTC), new=True)
    unknown = lamina(tmp_path, "logs", "other-function")
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert "lamina logs: no logs for other-function (no log group /aws/lambda/other-function)" in unknown.stderr


def test_follow_prints_events_written_while_it_runs(tmp_path: Path) -> None:
    data_dir = tmp_path / ".lamina"
    record(data_dir, "r1", "first call", datetime.now(UTC), new=True)
    with subprocess.Popen([str(LAMINA), "logs", "my-function", "--follow"], cwd=tmp_path, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as process:
        watchdog = threading.Timer(60, process.kill)  # a safety net so a broken --follow cannot hang the suite
        watchdog.start()
        try:
            assert process.stdout is not None
            assert [process.stdout.readline().split(" ", 2)[2] for _ in range(3)] == [
                "START RequestId: r1 Version: $LATEST\n", "first call\n", "END RequestId: r1\n"]
            record(data_dir, "r2", "second call", datetime.now(UTC))
            assert [process.stdout.readline().split(" ", 2)[2] for _ in range(3)] == [
                "START RequestId: r2 Version: $LATEST\n", "second call\n", "END RequestId: r2\n"]
        finally:
            watchdog.cancel()
            process.terminate()
