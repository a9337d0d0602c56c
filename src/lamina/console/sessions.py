"""Console sessions and sign-in throttling, held in the server's memory.

Why server-side and in memory rather than signed cookies or a store table: a signed cookie cannot
be revoked (signing out would leave a copy valid until it expires), and a table would write the
store on every page. The cookie holds only a random 256-bit id; the session (who, its CSRF token,
when it ends) stays in this process, and a restart signs everyone out, which is the safe failure.
Lamina serves from one process, so there is no second copy to keep in step.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from dataclasses import dataclass, replace

from lamina.auth.credentials import Caller

__all__ = ["SESSION_SECONDS", "Session", "Sessions", "Throttle"]

SESSION_SECONDS = 12 * 3600
"""AWS's console session for an IAM user lasts 12 hours."""
IDLE_SECONDS = 3600
"""A session unused for an hour ends too."""


@dataclass(frozen=True)
class Session:
    """One signed-in browser: the principal its actions run as, and the CSRF token of its forms."""

    session_id: str
    caller: Caller
    account_alias: str | None
    csrf: str
    started: float
    last_seen: float
    password_change_required: bool = False
    mfa: bool = False

    @property
    def display_name(self) -> str:
        return self.caller.user_name or "root"


class Sessions:
    """The live sessions by id; expired ones are dropped when met."""

    def __init__(self, lifetime: float = SESSION_SECONDS, idle: float = IDLE_SECONDS) -> None:
        self._live: dict[str, Session] = {}
        self.lifetime = lifetime
        self.idle = idle

    def start(self, caller: Caller, alias: str | None, *, password_change_required: bool = False,
              mfa: bool = False) -> Session:
        moment = time.monotonic()
        session = Session(secrets.token_urlsafe(32), caller, alias, secrets.token_urlsafe(32), moment, moment,
                          password_change_required, mfa)
        self._live[session.session_id] = session
        self._sweep(moment)
        return session

    def find(self, session_id: str | None) -> Session | None:
        """The session under ``session_id``, touched; None when unknown or expired."""
        if not session_id:
            return None
        session = self._live.get(session_id)
        moment = time.monotonic()
        if session is None or self._expired(session, moment):
            self._live.pop(session_id, None)
            return None
        session = replace(session, last_seen=moment)
        self._live[session_id] = session
        return session

    def update(self, session: Session) -> None:
        if session.session_id in self._live:
            self._live[session.session_id] = session

    def end(self, session_id: str) -> None:
        self._live.pop(session_id, None)

    def _expired(self, session: Session, moment: float) -> bool:
        return moment - session.started > self.lifetime or moment - session.last_seen > self.idle

    def _sweep(self, moment: float) -> None:
        for key in [key for key, session in self._live.items() if self._expired(session, moment)]:
            del self._live[key]


class Throttle:
    """Failed sign-ins per key (a user, a source address) within a sliding window.

    Keys come from strangers (any user name), so the table is bounded: past ``max_keys`` the keys
    whose failures have all left the window go, then, if still too many, the oldest half."""

    def __init__(self, limit: int, window: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}

    def locked(self, key: str) -> bool:
        """True once ``limit`` failures fell within the window."""
        failures = self._failures.get(key)
        if not failures:
            return False
        cutoff = time.monotonic() - self.window
        while failures and failures[0] < cutoff:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return len(failures) >= self.limit

    def failed(self, key: str) -> None:
        self._failures.setdefault(key, deque()).append(time.monotonic())
        if len(self._failures) > self.max_keys:
            self._prune()

    def _prune(self) -> None:
        cutoff = time.monotonic() - self.window
        for stale in [key for key, failures in self._failures.items() if failures[-1] < cutoff]:
            del self._failures[stale]
        if len(self._failures) > self.max_keys:
            by_age = sorted(self._failures, key=lambda key: self._failures[key][-1])
            for key in by_age[: len(by_age) // 2]:
                del self._failures[key]

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
