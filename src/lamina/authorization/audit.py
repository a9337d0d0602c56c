"""The audit trail: every decision the gate makes (and each access key's latest use), written in
batches off the request path.

A decision is queued in memory and a background thread writes the queue in one transaction
every fraction of a second, so a request never waits for an audit write. The cost: events of
the last flush interval are lost if the process is killed (documented in docs/authorization.md).
"""

from __future__ import annotations

import logging
import queue
from datetime import UTC, datetime

from lamina.batching import PeriodicFlush
from lamina.policy import Decision
from lamina.store import Store
from lamina.store.repositories import access_keys, audit

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2


class AuditLog:
    """Queue decisions; ``flush`` (or the background thread) writes them."""

    def __init__(self, store: Store, *, background: bool = True) -> None:
        self._store = store
        self._queue: queue.SimpleQueue[audit.AuditEvent] = queue.SimpleQueue()
        self._key_use: dict[str, tuple[datetime, str, str]] = {}
        self._flusher = PeriodicFlush(self.flush, "lamina-audit", every=FLUSH_SECONDS, log=log) if background else None

    def record(self, account_id: str, principal_arn: str, action: str, resource: str, source_ip: str | None,
               decision: Decision) -> None:
        statements = tuple({"policy": r.policy_id, "type": r.policy_type.value, "statement": r.statement,
                            "effect": r.effect.value} for r in decision.reasons)
        self._queue.put(audit.AuditEvent(account_id, datetime.now(UTC), action, decision.outcome.value,
                                         principal_arn, resource, source_ip, statements))

    def sign_in(self, account_id: str, principal_arn: str, source_ip: str | None, outcome: str) -> None:
        """A console sign-in attempt (action ``signin:ConsoleLogin``) and its outcome (``Success``,
        ``Failure``, ``Locked``), as CloudTrail records ConsoleLogin events."""
        self._queue.put(audit.AuditEvent(account_id, datetime.now(UTC), "signin:ConsoleLogin", outcome,
                                         principal_arn, f"arn:aws:signin:::console/{account_id}", source_ip))

    def key_used(self, access_key_id: str, service: str, region: str) -> None:
        """Note a long-term key's latest use (GetAccessKeyLastUsed), written with the next batch."""
        self._key_use[access_key_id] = (datetime.now(UTC), service, region)

    def flush(self) -> int:
        """Write every queued event and the keys' latest uses; the number of events written."""
        events = []
        while True:
            try:
                events.append(self._queue.get_nowait())
            except queue.Empty:
                break
        used, self._key_use = self._key_use, {}
        if events or used:
            with self._store.transaction(changes_state=False) as conn:
                audit.record_events(conn, events)
                for key_id, (when, service, region) in used.items():
                    access_keys.record_key_use(conn, key_id, when, service, region)
        return len(events)

    def close(self) -> None:
        """Stop the thread and write what is left."""
        if self._flusher is not None:
            self._flusher.close()
        else:
            self.flush()
