"""Where functions' logs go: each invocation's log text, split into CloudWatch Logs events and
written in batches off the invocation's path.

::

    logs = FunctionLogs(store)                     # the server owns one; close() at shutdown
    logs.record("123456789012", "us-east-1", "/aws/lambda/my-function",
                "2026/11/30/[$LATEST]0123456789abcdef0123456789abcdef", log_text, started_at)

``record`` only splits the text and queues the events; a background thread appends everything
queued in one transaction every fraction of a second (as the audit trail is written, see
``lamina.authorization.audit``), so an invocation never waits for a store write. A flush appends
each stream's events at once (a warm environment's invocations share a stream): five statements
per stream rather than per invocation, which kept the flusher, and the GIL it holds, busy for a
third of the server's time under a steady stream of invokes. The group and the
stream are made on first use; each group is bounded (``lamina.store.repositories.log_events.Caps``).
The cost: events of the last flush interval are lost if the process is killed, and while the
store cannot keep up, at most ``MAX_PENDING_EVENTS`` wait in memory (later ones are dropped and
counted in the log).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from lamina.batching import PeriodicFlush
from lamina.store import Connection, Store
from lamina.store.repositories import log_events
from lamina.store.repositories.log_events import DEFAULT_CAPS, Caps, NewEvent

__all__ = ["FLUSH_SECONDS", "MAX_PENDING_EVENTS", "FunctionLogs", "split_log_text"]

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
MAX_PENDING_EVENTS = 100_000


@dataclass(frozen=True)
class _Batch:
    account_id: str
    region: str
    group: str
    stream: str
    events: tuple[NewEvent, ...]


def split_log_text(log_text: str, at: datetime) -> tuple[NewEvent, ...]:
    """One event per line, each ending with a newline as Lambda's events do in CloudWatch: the
    ``START``, ``END`` and ``REPORT`` lines and each line the function wrote, all at ``at``."""
    stamp = int(at.timestamp() * 1000)
    return tuple(NewEvent(stamp, line if line.endswith("\n") else line + "\n")
                 for line in log_text.splitlines(keepends=True))


def _per_stream(batches: list[_Batch]) -> list[_Batch]:
    """The batches merged per stream, each stream's events in the order they were recorded."""
    merged: dict[tuple[str, str, str, str], list[NewEvent]] = {}
    for batch in batches:
        merged.setdefault((batch.account_id, batch.region, batch.group, batch.stream), []).extend(batch.events)
    return [_Batch(*key, tuple(events)) for key, events in merged.items()]


class FunctionLogs:
    """Queue invocations' logs; ``flush`` (or the background thread) writes them to the store."""

    def __init__(self, store: Store, *, caps: Caps = DEFAULT_CAPS, background: bool = True) -> None:
        self._store = store
        self._caps = caps
        self._pending: list[_Batch] = []
        self._pending_events = 0
        self._dropped = 0
        self._lock = threading.Lock()
        self._flusher = PeriodicFlush(self.flush, "lamina-function-logs", every=FLUSH_SECONDS,
                                      log=log) if background else None

    def record(self, account_id: str, region: str, log_group: str, log_stream: str, log_text: str,
               at: datetime) -> None:
        """Queue one invocation's log text as events of ``log_stream`` in ``log_group``; never writes."""
        events = split_log_text(log_text, at)
        if not events:
            return
        with self._lock:
            if self._pending_events + len(events) > MAX_PENDING_EVENTS:
                self._dropped += len(events)
                return
            self._pending.append(_Batch(account_id, region, log_group, log_stream, events))
            self._pending_events += len(events)

    def flush(self) -> int:
        """Write every queued event in one transaction; the number of events written."""
        with self._lock:
            batches, self._pending, self._pending_events = self._pending, [], 0
            dropped, self._dropped = self._dropped, 0
        if dropped:
            log.warning("dropped %d log events: the store did not keep up", dropped)
        if not batches:
            return 0
        batches = _per_stream(batches)
        try:
            with self._store.transaction(changes_state=False) as conn:
                for batch in batches:
                    self._append(conn, batch)
            return sum(len(batch.events) for batch in batches)
        except Exception:  # one bad batch (an account deleted meanwhile) must not take the others along
            return sum(self._write_alone(batch) for batch in batches)

    def _append(self, conn: Connection, batch: _Batch) -> None:
        log_events.append(conn, batch.account_id, batch.region, batch.group, batch.stream, batch.events,
                          caps=self._caps)

    def _write_alone(self, batch: _Batch) -> int:
        try:
            with self._store.transaction(changes_state=False) as conn:
                self._append(conn, batch)
        except Exception:
            log.exception("could not write %d log events of %s", len(batch.events), batch.group)
            return 0
        return len(batch.events)

    def close(self) -> None:
        """Stop the thread and write what is left."""
        if self._flusher is not None:
            self._flusher.close()
        else:
            self.flush()
