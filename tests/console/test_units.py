"""The console's small parts without a server: cookies, sessions' expiry, the sign-in throttle."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from lamina.auth.credentials import Caller
from lamina.authorization import AuditLog, Gate
from lamina.console import sessions as sessions_module
from lamina.console.sessions import Sessions, Throttle
from lamina.console.signin import BUSY, SignIn
from lamina.console.web import Request, cookie_header, tokens_equal
from lamina.context import RequestContext
from lamina.settings import Settings
from lamina.store import open_store
from lamina.store.repositories import accounts
from lamina.workers import PoolBusy

CALLER = Caller("123456789012", "arn:aws:iam::123456789012:user/ana", "IAMUser", "AIDAEXAMPLE", "CONSOLE",
                user_name="ana")


def test_the_cookie_is_secure_over_tls_and_strict_always() -> None:
    over_tls = cookie_header("lamina-console", "abc", secure=True)
    assert over_tls == "lamina-console=abc; Path=/console; HttpOnly; SameSite=Strict; Secure"
    assert "Secure" not in cookie_header("lamina-console", "abc", secure=False)
    assert "Max-Age=0" in cookie_header("lamina-console", "abc", secure=False, clear=True)


def test_tokens_compare_only_when_both_are_present() -> None:
    assert tokens_equal("a" * 43, "a" * 43)
    assert not tokens_equal("", "")
    assert not tokens_equal(None, "x")
    assert not tokens_equal("x", "y")


def test_sessions_end_when_signed_out_idle_or_old(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(sessions_module.time, "monotonic", lambda: clock[0])
    live = Sessions(lifetime=100, idle=30)
    first = live.start(CALLER, None)
    assert live.find(first.session_id) is not None
    clock[0] += 31
    assert live.find(first.session_id) is None  # idle too long
    second = live.start(CALLER, None)
    for _ in range(3):
        clock[0] += 25
        assert live.find(second.session_id) is not None
    clock[0] += 26
    assert live.find(second.session_id) is None  # older than its lifetime, however busy
    third = live.start(CALLER, None)
    live.end(third.session_id)
    assert live.find(third.session_id) is None
    assert live.find(None) is None and live.find("forged") is None


def test_session_ids_and_csrf_tokens_are_unguessable() -> None:
    live = Sessions()
    ids = {live.start(CALLER, None).session_id for _ in range(50)}
    assert len(ids) == 50 and all(len(item) >= 43 for item in ids)


def test_the_throttle_counts_failures_in_its_window(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [time.monotonic()]
    monkeypatch.setattr(sessions_module.time, "monotonic", lambda: clock[0])
    throttle = Throttle(limit=3, window=60)
    for _ in range(2):
        throttle.failed("ana")
    assert not throttle.locked("ana")
    throttle.failed("ana")
    assert throttle.locked("ana") and not throttle.locked("bob")
    clock[0] += 61
    assert not throttle.locked("ana")
    throttle.failed("ana")
    throttle.succeeded("ana")
    assert not throttle.locked("ana")


def test_a_multipart_form_keeps_its_fields_and_files_with_a_mixed_case_boundary() -> None:
    boundary = "----WebKitFormBoundaryAbC123xYz"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntoken-1\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"code\"; filename=\"f.zip\"\r\n"
            f"Content-Type: application/zip\r\n\r\n").encode() + b"PK\x03\x04\x00\xff\r\nbinary" + \
        f"\r\n--{boundary}--\r\n".encode()
    ctx = RequestContext("id", "POST", "/console/lambda/create", "",
                         [("Content-Type", f"multipart/form-data; boundary={boundary}")], body)
    request = Request.of(ctx)
    assert request.path == "/lambda/create"
    assert request.form == {"csrf": "token-1"}
    assert request.files == {"code": b"PK\x03\x04\x00\xff\r\nbinary"}


def test_the_throttle_stays_bounded_under_many_user_names(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(sessions_module.time, "monotonic", lambda: clock[0])
    throttle = Throttle(limit=2, window=60, max_keys=100)
    for number in range(1000):
        clock[0] += 0.001
        throttle.failed(f"user-{number}")
    assert len(throttle._failures) <= 100
    throttle.failed("user-999")
    assert throttle.locked("user-999")  # the newest keys are kept


class _BusyPool:
    async def run(self, fn: Any, *args: Any, timeout: float) -> Any:
        raise PoolBusy


def test_a_full_worker_pool_is_a_busy_message_not_a_failed_sign_in(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        accounts.create_account(conn, "123456789012")
    audit_log = AuditLog(store, background=False)
    host = SimpleNamespace(store=store, settings=Settings(), workers=_BusyPool(), audit=audit_log,
                           gate=Gate(store, audit_log))
    signin = SignIn(host)  # type: ignore[arg-type]
    outcome = asyncio.run(signin.attempt("123456789012", "ana", "whatever", "", "203.0.113.9"))
    assert outcome.caller is None and outcome.message == BUSY
    assert not signin.by_user.locked("123456789012:ana")
    store.close()
