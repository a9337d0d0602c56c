"""The bounds every request meets before and while its body is read, and the errors past them.

Nothing is buffered without a bound, and a large body is only read for a caller who names a key
Lamina knows (the signature itself covers the body, so it is checked once the body is in)::

    declared Content-Length > the service's limit            → 413, nothing read
    body over UNAUTHENTICATED_BODY_BYTES, no known access key → the auth error, nothing read
    body grows past the limit while being read               → 413, reading stops
    all bodies being read at once past BUFFERED_BYTES        → the service's throttling error

AWS documents Lambda's limits (6 MB request payloads); it documents none for IAM's and STS's
Query APIs, whose largest requests (SimulateCustomPolicy with several 128 KB policies) fit in
:data:`QUERY_BODY_BYTES` with room to spare.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from lamina.protocols import ServiceError, modeled_error

__all__ = [
    "BODY_LIMITS",
    "BUFFERED_BYTES",
    "DEFAULT_BODY_BYTES",
    "OFFLOAD_DEADLINE_SECONDS",
    "UNAUTHENTICATED_BODY_BYTES",
    "BodyRefused",
    "BodyTimeout",
    "BodyTooLarge",
    "Budget",
    "Busy",
    "ClientGone",
    "RateLimit",
    "Throttled",
    "body_limit",
    "read_body",
    "throttled",
    "timed_out",
    "too_large",
]

MIB = 1024 * 1024
QUERY_BODY_BYTES = 2 * MIB
LAMBDA_BODY_BYTES = 6 * MIB
"""Lambda's request payload quota (6,291,456 bytes), as its 413 message names it."""
LAMBDA_CODE_BODY_BYTES = 70_167_211
"""What Lambda accepts for CreateFunction, UpdateFunctionCode and PublishLayerVersion: a 50 MB zip,
base64-encoded in JSON."""
BODY_LIMITS: dict[str | None, int] = {"iam": QUERY_BODY_BYTES, "sts": QUERY_BODY_BYTES, "lambda": LAMBDA_BODY_BYTES}
"""The largest request body each service accepts, in bytes."""
OPERATION_BODY_LIMITS: dict[tuple[str, str], int] = {
    ("lambda", "CreateFunction"): LAMBDA_CODE_BODY_BYTES,
    ("lambda", "UpdateFunctionCode"): LAMBDA_CODE_BODY_BYTES,
    ("lambda", "PublishLayerVersion"): LAMBDA_CODE_BODY_BYTES,
}
"""Operations whose limit differs from their service's."""
LAMBDA_OPERATION_NAMES = {"Invoke": "InvokeFunction"}
"""How Lambda's 413 message names an operation when not by its API name."""
DEFAULT_BODY_BYTES = QUERY_BODY_BYTES
"""For a request whose service cannot be told before its body (an unsigned Query form)."""
UNAUTHENTICATED_BODY_BYTES = 64 * 1024
"""The most Lamina reads from a request that names no access key it knows."""
BUFFERED_BYTES = 256 * MIB
"""The most request-body bytes held in memory at once, over all requests in flight."""
BODY_IDLE_SECONDS = 30.0
"""How long the body may go without a byte before the request is answered ``RequestTimeout``."""
OFFLOAD_DEADLINE_SECONDS = 30.0
THROTTLED_PAUSE_SECONDS = 0.1
"""How long a throttled caller waits for its answer: a client that ignores throttling and asks
again at once cannot make the server spend its time refusing it (the wait is a timer, not work)."""
HEAVY_RATE_PER_SECOND = 10.0
"""Heavy operations (simulations, password changes) one account may start per second, on average..."""
HEAVY_BURST = 20.0
"""... and at once after a quiet spell. Past either, the account is throttled as AWS throttles:
a flood of large requests from one account costs the event loop a bounded share."""
"""A hard stop for work handed to a worker process; operations keep their own, smaller budgets."""


class BodyRefused(Exception):
    """The body was not read to its end; :meth:`error` is what the client is told."""

    def error(self, service: str | None, operation: str | None) -> ServiceError:
        raise NotImplementedError


class BodyTooLarge(BodyRefused):
    """The body is (or would be) larger than the limit."""

    def __init__(self, size: int | None, limit: int) -> None:
        super().__init__(f"body of {size} bytes over the {limit} byte limit")
        self.size, self.limit = size, limit

    def error(self, service: str | None, operation: str | None) -> ServiceError:
        return too_large(service, self.size, self.limit, operation)


class Busy(BodyRefused):
    """Accepting this body would pass :data:`BUFFERED_BYTES`."""

    def error(self, service: str | None, operation: str | None) -> ServiceError:
        return throttled(service)


class BodyTimeout(BodyRefused):
    """The client stopped sending its body for :data:`BODY_IDLE_SECONDS`."""

    def error(self, service: str | None, operation: str | None) -> ServiceError:
        return timed_out()


class ClientGone(Exception):
    """The client disconnected before its body was complete."""


def body_limit(service: str | None, operation: str | None = None) -> int:
    """The body limit of ``service``'s ``operation`` (None: not known yet)."""
    if service is not None and operation is not None and (service, operation) in OPERATION_BODY_LIMITS:
        return OPERATION_BODY_LIMITS[(service, operation)]
    return BODY_LIMITS.get(service, DEFAULT_BODY_BYTES)


@dataclass
class RateLimit:
    """A token bucket per key (an account): ``rate`` tokens a second, at most ``burst`` saved."""

    rate: float = HEAVY_RATE_PER_SECOND
    burst: float = HEAVY_BURST
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, key: str, now: float | None = None) -> bool:
        """Take one token for ``key``; False when it has none left."""
        now = time.monotonic() if now is None else now
        tokens, then = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True


@dataclass
class Budget:
    """Bytes of request bodies buffered right now, across all requests of this process."""

    limit: int = BUFFERED_BYTES
    used: int = 0

    def take(self, size: int) -> None:
        if self.used + size > self.limit:
            raise Busy(f"{self.used} bytes already buffered")
        self.used += size

    def give_back(self, size: int) -> None:
        self.used -= size


async def read_body(receive: Callable[[], Awaitable[MutableMapping[str, Any]]], limit: int,
                    budget: Budget) -> bytes:
    """The whole body, refusing it as soon as it passes ``limit`` bytes or the shared budget."""
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            try:  # a timeout scope, not wait_for: no task per message, and most bodies are already here
                async with asyncio.timeout(BODY_IDLE_SECONDS):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout from None
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            if size + len(chunk) > limit:
                raise BodyTooLarge(None, limit)
            budget.take(len(chunk))
            size += len(chunk)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
    finally:
        budget.give_back(size)


def too_large(service: str | None, size: int | None, limit: int, operation: str | None = None) -> ServiceError:
    """AWS's 413: Lambda's ``RequestEntityTooLargeException`` in its words, a Query-style error else."""
    if service == "lambda":
        named = LAMBDA_OPERATION_NAMES.get(operation or "", operation)
        message = f"Request must be smaller than {limit} bytes" + (f" for the {named} operation" if named else "")
        return ServiceError("RequestEntityTooLargeException", message, 413)
    told = f" of {size} bytes" if size is not None else ""
    name = (service or "AWS").upper()
    return ServiceError("RequestEntityTooLarge", f"Request body{told} exceeds the {limit} bytes {name} accepts.", 413)


def timed_out() -> ServiceError:
    """A body that stopped arriving: the request is abandoned (400, as AWS's front ends answer)."""
    return ServiceError("RequestTimeout", f"The request body was not received within {BODY_IDLE_SECONDS:g} seconds "
                        "of its last byte.", 400)


class Throttled(ServiceError):
    """AWS's throttling answer; the server sends it after :data:`THROTTLED_PAUSE_SECONDS`."""


def throttled(service: str | None) -> Throttled:
    """Lambda's TooManyRequestsException (429), IAM's and STS's Throttling (400)."""
    if service == "lambda":
        found = modeled_error("lambda", "TooManyRequestsException", "Rate Exceeded.")
        return Throttled(found.code, found.message, found.status, found.sender_fault, fields=found.fields)
    return Throttled("Throttling", "Rate exceeded", 400)
