"""The Event invocations' runner: takes queued events from the store and runs them, retrying failures.

AWS: "If the function returns an error, Lambda attempts to run it two more times, with a
one-minute wait between the first two attempts, and two minutes between the second and third."
A throttled event (the function at its reserved concurrency) waits and is tried again without
counting as an attempt. The queue is in the store (``lambda_async_invocations``), so an event
outlives a restart and any node may run it; a claim that its node never finished expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from lamina.protocols import ServiceError
from lamina.runtime import InvalidCode, RuntimeUnavailable
from lamina.services.registry import Deps
from lamina.store.repositories import lambda_async_invocations
from lamina.store.repositories.lambda_async_invocations import AsyncInvocation

from .invocation import check_concurrency, function_spec, run, target
from .names import FunctionRef

__all__ = ["ATTEMPTS", "RETRY_DELAYS", "EventRunner"]

ATTEMPTS = 3
"""The first run and AWS's two retries."""
RETRY_DELAYS: tuple[float, ...] = (60.0, 120.0)
"""Seconds before the second and the third attempt, as AWS waits."""
THROTTLED_DELAY = 1.0
"""Seconds before a throttled event is offered again."""
IDLE_POLL = 0.5
"""Seconds between looks at the queue when nothing is due: events other nodes queued."""
CLAIM_MARGIN = 30.0
"""Seconds a claim outlives the function's timeout, before another node may take the event."""
_log = logging.getLogger("lamina.functions")


class EventRunner:
    """Runs queued events on this node, at most ``parallel`` at a time, until stopped."""

    def __init__(self, deps: Deps, *, parallel: int = 4, retry_delays: Sequence[float] = RETRY_DELAYS) -> None:
        self.deps = deps
        self.parallel = parallel
        self.retry_delays = tuple(retry_delays)
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = False

    def wake(self) -> None:
        """A new event was queued here: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Claim due events and start them, while there is room, until ``stop``."""
        while not self._stopping:
            room = self.parallel - len(self._running)
            claimed = self._claim(room) if room > 0 else []
            for event in claimed:
                task = asyncio.create_task(self._attempt(event))
                self._running.add(task)
                task.add_done_callback(self._done)
            if not claimed:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_POLL)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()

    async def stop(self) -> None:
        """Stop claiming; events being run are left to finish or, if cut short, to expire and rerun."""
        self._stopping = True
        self._wake.set()
        for task in list(self._running):
            task.cancel()

    def _claim(self, room: int) -> list[AsyncInvocation]:
        with self.deps.store.transaction(read_only=True) as conn:
            due = lambda_async_invocations.next_due(conn)
        if due is None or due > datetime.now(UTC):
            return []
        hold = timedelta(seconds=900 + CLAIM_MARGIN)  # the longest timeout a function may have
        with self.deps.store.transaction(changes_state=False) as conn:
            return lambda_async_invocations.claim_due(conn, hold, limit=room)

    async def _attempt(self, event: AsyncInvocation) -> None:
        ref = FunctionRef(event.account_id, event.region, event.function_name, event.qualifier or None)
        try:
            chosen = target(self.deps.store, ref)
            check_concurrency(self.deps, chosen)
            spec = function_spec(self.deps, chosen)
            result = await run(self.deps, spec, event.payload, request_id=event.request_id,
                               invoked_arn=chosen.invoked_arn, client_context=event.client_context)
        except ServiceError as error:
            if error.code == "TooManyRequestsException":
                self._later(event, THROTTLED_DELAY, attempted=False)
            elif error.code == "ResourceNotFoundException":  # deleted since it was queued: nothing to run
                self._finish(event, f"dropped: {error.message}")
            else:
                self._failed(event, f"{error.code}: {error.message}")
            return
        except (RuntimeUnavailable, InvalidCode) as failure:
            self._failed(event, str(failure))
            return
        if result.function_error:
            self._failed(event, result.payload.decode(errors="replace"))
        else:
            self._finish(event, "done")

    def _failed(self, event: AsyncInvocation, reason: str) -> None:
        attempt = event.attempts + 1
        if attempt >= ATTEMPTS or attempt > len(self.retry_delays):
            self._finish(event, f"failed after {attempt} attempts: {reason}")
        else:
            self._later(event, self.retry_delays[attempt - 1], attempted=True)

    def _later(self, event: AsyncInvocation, delay: float, *, attempted: bool) -> None:
        due = datetime.now(UTC) + timedelta(seconds=delay)
        with self.deps.store.transaction(changes_state=False) as conn:
            lambda_async_invocations.retry_later(conn, event.request_id, due, attempted=attempted)

    def _finish(self, event: AsyncInvocation, outcome: str) -> None:
        _log.info("Event %s for %s: %s", event.request_id, event.function_name, outcome)
        with self.deps.store.transaction(changes_state=False) as conn:
            lambda_async_invocations.finish(conn, event.request_id)
