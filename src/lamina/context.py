"""The request context: one typed value that the server's pipeline steps fill in, in order.

``route`` sets the service, ``authenticate`` the caller and region, ``parse`` the operation and
params, ``dispatch`` the result. Steps read what earlier steps wrote instead of passing loose
arguments, and nothing is smuggled through injected headers.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lamina.auth.credentials import Caller
from lamina.auth.sigv4 import SignedRequest

__all__ = ["Caller", "RequestContext", "new_request_id"]

_VERSION_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_VERSION_4 = (0x8000 << 48) | (4 << 76)


_ids = random.Random(os.urandom(32))
"""Request ids need to be unique, not secret (they are sent back in every answer): a generator seeded
from the OS, not a ``getrandom`` system call per request. Reseeded in a forked child, so that two
processes never repeat each other's ids."""
os.register_at_fork(after_in_child=lambda: _ids.seed(os.urandom(32)))


def new_request_id() -> str:
    """A random (version 4) UUID as text, exactly as ``str(uuid.uuid4())`` writes one, without the
    ``uuid.UUID`` object, whose checks cost as much as the random bits."""
    digits = f"{_ids.getrandbits(128) & _VERSION_CLEAR | _VERSION_4:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


@dataclass(slots=True)
class RequestContext:
    """Everything known about one request, from raw bytes to the operation's result."""

    request_id: str
    """The id sent back as ``x-amzn-RequestId`` and in the response body (a UUID, as AWS's are)."""
    method: str
    """The HTTP method, upper case."""
    raw_path: str
    """The path exactly as received, still percent-encoded (SigV4 signs it in that form)."""
    query_string: str
    """The raw query string without ``?``, still percent-encoded."""
    headers: Sequence[tuple[str, str]]
    """Every header line in arrival order (latin-1 text); repeats are kept for SigV4."""
    body: bytes
    """The whole request body."""
    source_ip: str | None = None
    """The peer's address (``aws:SourceIp``); None when the server does not know it."""
    secure: bool = False
    """True when the request came over TLS (``aws:SecureTransport``)."""
    service: str | None = None
    """The addressed service (``sts``, ``iam``), picked by ``route`` from the SigV4 scope."""
    form: Mapping[str, str] = field(default_factory=dict)
    """The Query protocol's decoded form fields (body first, then query string)."""
    caller: Caller | None = None
    """The authenticated principal, set by ``authenticate``; None before it has run."""
    region: str | None = None
    """The region in the signature's credential scope (``us-east-1``)."""
    operation: str | None = None
    """The operation's name as the model spells it (``GetCallerIdentity``), set by ``parse``."""
    params: dict[str, Any] = field(default_factory=dict)
    """The operation's input, parsed and validated against the model's input shape."""
    result: Mapping[str, Any] | None = None
    """The handler's output, shaped like the model's output shape; None for operations without one."""
    derived: dict[Any, Any] = field(default_factory=dict)
    """Values read off the request once and reused by later steps (the SigV4 scope's service, the
    REST route, the function a Lambda request names): each is a pure function of the request."""
    _header_index: dict[str, list[str]] | None = field(default=None, init=False, repr=False, compare=False)

    def header_values(self, name: str) -> list[str]:
        """Every value of the header ``name`` (lower case), in arrival order. The headers are indexed
        by lower-case name on the first call: admission, routing and parsing each ask several."""
        return self._headers_by_name().get(name, [])

    def _headers_by_name(self) -> dict[str, list[str]]:
        if self._header_index is None:
            index: dict[str, list[str]] = {}
            for key, value in self.headers:
                index.setdefault(key.lower(), []).append(value)
            self._header_index = index
        return self._header_index

    def signed_request(self) -> SignedRequest:
        """The raw request in the form the SigV4 verifier takes."""
        return SignedRequest(self.method, self.raw_path, self.query_string, self.headers, self.body,
                             self._headers_by_name())

    def require_caller(self) -> Caller:
        """The caller, for handlers that only run after authentication."""
        if self.caller is None:
            raise RuntimeError("the request has not been authenticated")
        return self.caller
