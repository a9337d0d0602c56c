"""The audit log queues what a request holds and builds each row in the flush thread: the rows must be
the ones the long way writes (an ``AuditEvent`` per decision, its statements built from the reasons)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lamina.authorization import AuditLog
from lamina.authorization import audit as audit_log
from lamina.policy import Decision, Effect, Outcome, PolicyType, Reason
from lamina.store import Store, open_store
from lamina.store.repositories import access_keys, accounts, audit

ACCOUNT = "111122223333"


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    opened = open_store(tmp_path / "log"), open_store(tmp_path / "long")
    for store in opened:
        with store.transaction() as conn:
            accounts.create_account(conn, ACCOUNT)
    yield opened
    for store in opened:
        store.close()


def _decisions(rng: random.Random, count: int) -> list[Decision]:
    """Decisions with no reasons, with repeated reason tuples (the memo) and with odd sids and ids."""
    reasons = [Reason(rng.choice(["p", "arn:aws:iam::aws:policy/X", "q\"\\\u2603", ""]), rng.choice(list(PolicyType)),
                      rng.randint(0, 40), rng.choice([None, "", "Sid1", "S\u00e9\n"]), rng.choice(list(Effect)))
               for _ in range(12)]
    shared = [tuple(rng.sample(reasons, rng.randint(1, 3))) for _ in range(5)]
    return [Decision(rng.choice(list(Outcome)),
                     rng.choice([(), *shared, tuple(rng.sample(reasons, rng.randint(0, 4)))]),
                     rng.choice([None, *PolicyType])) for _ in range(count)]


def _long_way(account: str, ns: int, principal: str, action: str, resource: str, source_ip: str | None,
              decision: Decision) -> audit.AuditEvent:
    """What the audit log queued before: the event with its statements built at once."""
    statements = tuple({"policy": r.policy_id, "type": r.policy_type.value, "statement": r.statement,
                        "effect": r.effect.value} for r in decision.reasons)
    return audit.AuditEvent(account, audit.utc_of(ns), action, decision.outcome.value, principal, resource, source_ip,
                            statements)


def _rows(store: Store) -> list[tuple[object, ...]]:
    with store.transaction(read_only=True) as conn:
        return [tuple(row)[1:] for row in conn.exec_driver_sql("SELECT * FROM audit_events ORDER BY event_id")]


def test_flushed_rows_are_the_long_ways(stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_log, "STATEMENTS_MEMO", 3)  # the memo also starts afresh along the way
    rng = random.Random(5)
    log = AuditLog(stores[0], background=False)
    expected = []
    for batch in range(4):
        for decision in _decisions(rng, 150):
            ns = time.time_ns() - rng.randint(0, 10**12)
            args = (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/u{batch}", rng.choice(["lambda:GetFunction", "iam:X"]),
                    rng.choice(["*", "arn:aws:lambda:us-east-1:1:function:f"]), rng.choice([None, "10.0.0.1"]))
            log.record(*args, decision, at_ns=ns)
            expected.append(_long_way(*args[:1], ns, *args[1:], decision))
        assert log.flush() == 150
    with stores[1].transaction() as conn:
        audit.record_events(conn, expected)
    assert _rows(stores[0]) == _rows(stores[1])


def test_sign_ins_and_key_uses_are_written_with_the_batch(stores: tuple[Store, Store]) -> None:
    log = AuditLog(stores[0], background=False)
    before = time.time_ns()
    log.sign_in(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/alice", "203.0.113.9", "Failure")
    log.record(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", "iam:GetUser", "*", None, Decision(Outcome.ALLOW))
    after = time.time_ns()
    assert log.flush() == 2 and log.flush() == 0
    with stores[0].transaction(read_only=True) as conn:
        events = list(reversed(audit.list_events(conn, ACCOUNT).items))
    assert [(e.action, e.decision, e.resource, e.source_ip, e.statements) for e in events] == [
        ("signin:ConsoleLogin", "Failure", f"arn:aws:signin:::console/{ACCOUNT}", "203.0.113.9", ()),
        ("iam:GetUser", "Allow", "*", None, ())]
    assert all(audit.utc_of(before) <= e.time <= audit.utc_of(after) for e in events)


def test_a_keys_latest_use_is_the_time_it_was_noted(stores: tuple[Store, Store],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    written = []
    monkeypatch.setattr(access_keys, "record_key_use", lambda conn, *args: written.append(args))
    log = AuditLog(stores[0], background=False)
    before = time.time_ns()
    log.key_used("AKIAEXAMPLE", "lambda", "us-east-1")
    after = time.time_ns()
    assert log.flush() == 0
    [(key, when, service, region)] = written
    assert (key, service, region) == ("AKIAEXAMPLE", "lambda", "us-east-1")
    assert audit.utc_of(before) <= when <= audit.utc_of(after)
