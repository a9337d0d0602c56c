"""Warm environments, kept per (function ARN, version, revision) and reused one invocation at a time.

An invocation takes an idle environment of its exact key when there is one (the most recently
used, so the others age and get reaped) and gives it back when done; with none idle, the invoker
starts another, so concurrent invocations run in as many environments. Environments go away when:

- idle longer than ``idle_timeout`` (the reaper);
- their role's credentials would expire before another invocation could finish;
- a newer revision of the same function version was invoked (a code or configuration change):
  idle ones at once, busy ones when their invocation ends;
- ``retire()`` is called for the function (an update or a delete), or the pool closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict

from lamina.runtime.environment import Environment, Status
from lamina.runtime.spec import FunctionSpec

__all__ = ["CREDENTIAL_MARGIN", "Pool"]

CREDENTIAL_MARGIN = 60.0
"""Seconds of validity an environment's credentials must keep beyond an invocation's timeout."""

Key = tuple[str, str, str]


class Pool:
    """The idle environments of every function, and the reaper that ends them."""

    def __init__(self, idle_timeout: float) -> None:
        self.idle_timeout = idle_timeout
        self._idle: dict[Key, list[Environment]] = defaultdict(list)
        self._revision: dict[tuple[str, str], str] = {}
        self._live: set[Environment] = set()
        self._stopping: set[asyncio.Task[None]] = set()
        self._reaper: asyncio.Task[None] | None = None

    def take(self, spec: FunctionSpec) -> Environment | None:
        """An idle environment for ``spec``, now busy-to-be, or None."""
        self._note_revision(spec)
        self._start_reaper()
        idle = self._idle.get((spec.function_arn, spec.version, spec.revision_id), [])
        while idle:
            environment = idle.pop()
            if environment.status is Status.IDLE and environment.alive and not environment.credentials_expire_within(
                spec.timeout + CREDENTIAL_MARGIN
            ):
                return environment
            self._discard(environment)
        return None

    def add(self, environment: Environment) -> None:
        """Count a newly started environment as live (so ``close`` reaches it)."""
        self._live.add(environment)

    def give_back(self, environment: Environment) -> None:
        """Return an environment after an invocation: kept when healthy and current, else stopped."""
        arn, version, revision = environment.key
        if environment.status is Status.IDLE and self._revision.get((arn, version)) == revision:
            self._idle[environment.key].append(environment)
        else:
            self._discard(environment)

    def discard(self, environment: Environment) -> None:
        """Stop an environment in the background (an invocation was cancelled while it ran)."""
        self._discard(environment)

    def retire(self, function_arn: str, version: str | None = None) -> None:
        """Stop the idle environments of a function (or one version); busy ones stop when done."""
        for (arn, ver), _ in list(self._revision.items()):
            if arn == function_arn and version in (None, ver):
                self._revision[(arn, ver)] = "retired"
        for key in [key for key in self._idle if key[0] == function_arn and version in (None, key[1])]:
            for environment in self._idle.pop(key):
                self._discard(environment)

    def idle_count(self) -> int:
        return sum(len(environments) for environments in self._idle.values())

    async def close(self) -> None:
        """Stop every environment, idle or busy."""
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        self._idle.clear()
        await asyncio.gather(*(environment.stop() for environment in list(self._live)), return_exceptions=True)
        self._live.clear()
        if self._stopping:
            await asyncio.gather(*self._stopping, return_exceptions=True)

    def _note_revision(self, spec: FunctionSpec) -> None:
        version_key = (spec.function_arn, spec.version)
        if self._revision.get(version_key) == spec.revision_id:
            return
        self._revision[version_key] = spec.revision_id
        for key in [key for key in self._idle if key[:2] == version_key and key[2] != spec.revision_id]:
            for environment in self._idle.pop(key):
                self._discard(environment)

    def _discard(self, environment: Environment) -> None:
        self._live.discard(environment)
        task = asyncio.create_task(environment.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def _start_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.create_task(self._reap_forever())

    async def _reap_forever(self) -> None:
        while True:
            await asyncio.sleep(max(0.05, min(self.idle_timeout / 2, 30.0)))
            self.reap()

    def reap(self) -> None:
        """Stop idle environments past their idle time or near their credentials' expiry."""
        now = time.monotonic()
        for key, environments in list(self._idle.items()):
            keep = []
            for environment in environments:
                stale = now - environment.last_used > self.idle_timeout
                expiring = environment.credentials_expire_within(environment.spec.timeout + CREDENTIAL_MARGIN)
                if stale or expiring or environment.status is not Status.IDLE:
                    self._discard(environment)
                else:
                    keep.append(environment)
            if keep:
                self._idle[key] = keep
            else:
                del self._idle[key]
