"""The audit trail: every decision the gate makes (and each access key's latest use), written in
batches off the request path.

A decision is queued in memory and a background thread writes the queue in one transaction
every fraction of a second, so a request never waits for an audit write. The cost: events of
the last flush interval are lost if the process is killed (documented in docs/authorization.md).

A request only appends a tuple of what it already holds (the clock in nanoseconds, the decision);
the thread turns each into its row (the time as the column's text, the deciding statements as
JSON, memoised), so that the request path pays for neither.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

from lamina.batching import PeriodicFlush
from lamina.policy import Decision, Reason
from lamina.store import Store
from lamina.store.repositories import access_keys, audit

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
STATEMENTS_MEMO = 4096
"""Distinct reason tuples whose JSON the flush thread keeps (a bound, not a tuning knob)."""

Queued = tuple[str, int, str | None, str, str | None, str | None, Decision | str]
"""An event as queued: account, time (``time.time_ns()``), principal ARN, action, resource, source IP,
and the engine's decision (a console sign-in's outcome word instead)."""


def statement_of(reason: Reason) -> dict[str, Any]:
    """One deciding statement as the audit trail stores it."""
    return {"policy": reason.policy_id, "type": reason.policy_type.value, "statement": reason.statement,
            "effect": reason.effect.value}


class AuditLog:
    """Queue decisions; ``flush`` (or the background thread) writes them."""

    def __init__(self, store: Store, *, background: bool = True) -> None:
        self._store = store
        self._queue: deque[Queued] = deque()  # append and popleft are atomic: no lock needed
        self._key_use: dict[str, tuple[int, str, str]] = {}
        self._statements: dict[tuple[Reason, ...], str] = {}
        self._flusher = PeriodicFlush(self.flush, "lamina-audit", every=FLUSH_SECONDS, log=log) if background else None

    def record(self, account_id: str, principal_arn: str, action: str, resource: str, source_ip: str | None,
               decision: Decision, *, at_ns: int | None = None) -> None:
        """Queue a decision made at ``at_ns`` (``time.time_ns()``; now by default)."""
        self._queue.append((account_id, time.time_ns() if at_ns is None else at_ns, principal_arn, action,
                            resource, source_ip, decision))

    def sign_in(self, account_id: str, principal_arn: str, source_ip: str | None, outcome: str) -> None:
        """A console sign-in attempt (action ``signin:ConsoleLogin``) and its outcome (``Success``,
        ``Failure``, ``Locked``), as CloudTrail records ConsoleLogin events."""
        self._queue.append((account_id, time.time_ns(), principal_arn, "signin:ConsoleLogin",
                            f"arn:aws:signin:::console/{account_id}", source_ip, outcome))

    def key_used(self, access_key_id: str, service: str, region: str) -> None:
        """Note a long-term key's latest use (GetAccessKeyLastUsed), written with the next batch."""
        self._key_use[access_key_id] = (time.time_ns(), service, region)

    def flush(self) -> int:
        """Write every queued event and the keys' latest uses; the number of events written."""
        queued = self._queue
        events = [queued.popleft() for _ in range(len(queued))]
        used, self._key_use = self._key_use, {}
        if events or used:
            with self._store.transaction(changes_state=False) as conn:
                audit.record_rows(conn, [self._row(event) for event in events])
                for key_id, (ns, service, region) in used.items():
                    access_keys.record_key_use(conn, key_id, audit.utc_of(ns), service, region)
        return len(events)

    def _row(self, event: Queued) -> audit.EventRow:
        account_id, ns, principal_arn, action, resource, source_ip, decision = event
        if isinstance(decision, str):
            return account_id, ns, principal_arn, action, resource, source_ip, decision, "[]"
        return (account_id, ns, principal_arn, action, resource, source_ip, decision.outcome.value,
                self._json(decision.reasons))

    def _json(self, reasons: tuple[Reason, ...]) -> str:
        """The statements column of ``reasons``, memoised: a busy caller's decisions share a few."""
        if not reasons:
            return "[]"
        found = self._statements.get(reasons)
        if found is None:
            if len(self._statements) >= STATEMENTS_MEMO:
                self._statements.clear()
            found = self._statements[reasons] = audit.statements_json([statement_of(r) for r in reasons])
        return found

    def close(self) -> None:
        """Stop the thread and write what is left."""
        if self._flusher is not None:
            self._flusher.close()
        else:
            self.flush()
