"""``lamina audit`` as a user runs it: the installed command, in a directory of the user's choosing."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lamina.store import open_store
from lamina.store.repositories import accounts, audit
from lamina.store.repositories.audit import AuditEvent

LAMINA = Path(sys.executable).with_name("lamina")
ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"


def lamina(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LAMINA), *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=60)


def _event(minutes_ago: int, principal: str, action: str, decision: str) -> AuditEvent:
    return AuditEvent(ACCOUNT, datetime.now(UTC) - timedelta(minutes=minutes_ago), action, decision, principal,
                      "*", "203.0.113.9")


def _data_dir_with_events(path: Path) -> Path:
    store = open_store(path)
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        audit.record_events(conn, [
            _event(120, ALICE, "iam:ListUsers", "Allow"),
            _event(30, BOB, "iam:CreateUser", "ImplicitDeny"),
            _event(5, ALICE, "iam:GetUser", "ExplicitDeny"),
            _event(1, BOB, "iam:ListRoles", "Allow"),
        ])
    store.close()
    return path


def test_outside_a_project_it_says_where_it_looked_and_creates_nothing(tmp_path: Path) -> None:
    done = lamina(tmp_path, "audit")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (f"lamina audit: no Lamina data directory at {tmp_path.resolve() / '.lamina'} (no lamina.db "
                           "there); pass --data-dir with the directory `lamina serve` uses\n")
    assert list(tmp_path.iterdir()) == []


def test_bogus_since_is_a_usage_error(tmp_path: Path) -> None:
    _data_dir_with_events(tmp_path / ".lamina")
    done = lamina(tmp_path, "audit", "--since", "bogus")
    assert done.returncode == 2
    assert done.stderr.startswith("usage: lamina audit")
    assert done.stderr.splitlines()[-1] == ("lamina audit: error: argument --since: 'bogus' is neither a duration "
                                            "(30s, 15m, 2h, 1d) nor an ISO 8601 time (2026-11-30T08:00:00Z)")
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_zero_limit_is_a_usage_error(tmp_path: Path) -> None:
    done = lamina(tmp_path, "audit", "--limit", "0")
    assert done.returncode == 2
    assert "argument --limit: '0' is not a whole number of at least 1" in done.stderr


def test_names_the_directory_on_stderr_and_keeps_stdout_to_the_events(tmp_path: Path) -> None:
    data_dir = _data_dir_with_events(tmp_path / ".lamina")
    done = lamina(tmp_path, "audit", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"lamina audit: reading {data_dir.resolve()}\n"
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["action"] for e in events] == ["iam:ListRoles", "iam:GetUser", "iam:CreateUser", "iam:ListUsers"]


def test_filters_combine(tmp_path: Path) -> None:
    data_dir = _data_dir_with_events(tmp_path / "elsewhere")
    done = lamina(tmp_path, "audit", "--data-dir", str(data_dir), "--json", "--denied", "--since", "1h")
    assert [json.loads(line)["action"] for line in done.stdout.splitlines()] == ["iam:GetUser", "iam:CreateUser"]
    done = lamina(tmp_path, "audit", "--data-dir", str(data_dir), "--json", "--principal", ALICE, "--limit", "1")
    assert [json.loads(line)["action"] for line in done.stdout.splitlines()] == ["iam:GetUser"]
    since = (datetime.now(UTC) - timedelta(minutes=10)).replace(tzinfo=None).isoformat()
    done = lamina(tmp_path, "audit", "--data-dir", str(data_dir), "--since", since)
    assert done.returncode == 0
    assert [line.split()[1] for line in done.stdout.splitlines()] == ["Allow", "ExplicitDeny"]


def test_pages_past_the_first_thousand_events(tmp_path: Path) -> None:
    """A denial older than 1,000 newer allows is still found (the trail is read page by page)."""
    store = open_store(tmp_path)
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        audit.record_events(conn, [_event(60, BOB, "iam:CreateUser", "ImplicitDeny")])
        audit.record_events(conn, [_event(30, ALICE, "iam:ListUsers", "Allow")] * 1200)
    store.close()
    done = lamina(tmp_path, "audit", "--data-dir", str(tmp_path), "--denied", "--json")
    assert [json.loads(line)["principal"] for line in done.stdout.splitlines()] == [BOB]
