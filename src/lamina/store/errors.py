"""Typed store errors: what went wrong with which object, never the HTTP wording.

The IAM layer turns these into AWS's errors (EntityAlreadyExists, NoSuchEntity, LimitExceeded,
DeleteConflict) and words the message; the Lambda layer into ResourceNotFoundException,
ResourceConflictException and PreconditionFailedException. The store only says which rule was
hit and on what.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error a repository function raises on purpose."""


class AlreadyExists(StoreError):
    """An object with this name (compared case-insensitively where AWS does) already exists."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} {name!r} already exists")
        self.kind = kind
        self.name = name


class NotFound(StoreError):
    """The named object does not exist (or is not visible in this account)."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} {name!r} not found")
        self.kind = kind
        self.name = name


class LimitExceeded(StoreError):
    """A data quota would be exceeded; ``quota`` is AWS's quota name, ``limit`` its value."""

    def __init__(self, kind: str, name: str, quota: str, limit: int) -> None:
        super().__init__(f"{kind} {name!r}: quota {quota} ({limit}) exceeded")
        self.kind = kind
        self.name = name
        self.quota = quota
        self.limit = limit


class DeleteConflict(StoreError):
    """The object cannot be deleted yet; ``blocker`` names what still depends on it.

    Blockers: ``login_profile``, ``access_keys``, ``groups``, ``members``, ``inline_policies``,
    ``attached_policies``, ``attachments``, ``versions``, ``default_version``, ``aliases``,
    ``mfa_devices`` (a user's), ``user`` (an MFA device enabled for one).
    ``dependents`` names the blocking objects where AWS lists them (the aliases of a version).
    """

    def __init__(self, kind: str, name: str, blocker: str, dependents: tuple[str, ...] = ()) -> None:
        super().__init__(f"{kind} {name!r} cannot be deleted: {blocker}")
        self.kind = kind
        self.name = name
        self.blocker = blocker
        self.dependents = dependents


class PreconditionFailed(StoreError):
    """A write's precondition did not hold: ``condition`` is ``revision_id`` or ``code_sha256``.

    ``expected`` is what the caller passed, ``actual`` what the store holds (AWS names both in
    PublishVersion's CodeSha256 message); the object is left unchanged.
    """

    def __init__(self, kind: str, name: str, condition: str, expected: str, actual: str) -> None:
        super().__init__(f"{kind} {name!r}: {condition} {expected!r} does not match {actual!r}")
        self.kind = kind
        self.name = name
        self.condition = condition
        self.expected = expected
        self.actual = actual


class InvalidMarker(StoreError):
    """A pagination marker that this store did not hand out."""

    def __init__(self, marker: str) -> None:
        super().__init__("invalid pagination marker")
        self.marker = marker


class SchemaMismatch(StoreError):
    """The database was written by a different schema version than this code expects."""

    def __init__(self, found: int, expected: int) -> None:
        super().__init__(f"schema version {found} found, {expected} expected")
        self.found = found
        self.expected = expected
