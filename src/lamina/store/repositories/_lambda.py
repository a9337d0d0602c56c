"""Shared by the Lambda repositories: finding and locking a function, reading versions, qualifiers.

A function is addressed as AWS addresses it, by (account, region, name); its rows hang off a
unique ``function_id``. Every write locks the function row first (``FOR NO KEY UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serializes writers), so revision checks, version
numbering and cascades see one consistent function even with several nodes on one database. The
lock is the weaker ``NO KEY`` one so that it never waits on, nor blocks, the key-share locks
that foreign-key checks take (a stronger lock deadlocks with a concurrent insert that references
the same account row).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, select

from .. import ids
from ..errors import AlreadyExists, NotFound, PreconditionFailed
from ..schema import lambda_aliases, lambda_functions, lambda_versions

LATEST = "$LATEST"
LATEST_NUMBER = 0
"""$LATEST's row number: it sorts before the published versions 1, 2, …"""


@dataclass(frozen=True)
class Status:
    """The lifecycle fields of a version, as the handlers set them (the store only keeps them)."""

    state: str | None = None  # Pending | Active | Inactive | Failed
    state_reason: str | None = None
    state_reason_code: str | None = None
    last_update_status: str | None = None  # InProgress | Successful | Failed
    last_update_status_reason: str | None = None
    last_update_status_reason_code: str | None = None

    def columns(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in STATUS_COLUMNS}


STATUS_COLUMNS = (
    "state",
    "state_reason",
    "state_reason_code",
    "last_update_status",
    "last_update_status_reason",
    "last_update_status_reason_code",
)


@dataclass(frozen=True)
class FunctionRow:
    function_id: str
    account_id: str
    region: str
    name: str
    created_at: datetime
    next_version: int
    reserved_concurrency: int | None


@dataclass(frozen=True)
class VersionRow:
    """One version of a function: $LATEST or a published one, its configuration as handed in."""

    function_id: str
    account_id: str
    region: str
    function_name: str
    version: str  # "$LATEST", "1", "2", …
    config: dict[str, Any]
    code_sha256_hex: str
    code_size: int
    revision_id: str
    last_modified: datetime
    status: Status

    @property
    def code_sha256(self) -> str:
        """Lambda's ``CodeSha256``: the base64 of the raw digest."""
        return sha256_base64(self.code_sha256_hex)

    @property
    def is_latest(self) -> bool:
        return self.version == LATEST


def sha256_base64(hex_digest: str) -> str:
    """``CodeSha256`` (base64 of the raw digest) from the hex digest the store keys code by."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def version_label(number: int) -> str:
    return LATEST if number == LATEST_NUMBER else str(number)


def version_number(qualifier: str) -> int | None:
    """$LATEST → 0, ``"7"`` → 7; None for anything else (an alias name, or nonsense)."""
    if qualifier == LATEST:
        return LATEST_NUMBER
    if qualifier.isascii() and qualifier.isdigit() and not qualifier.startswith("0"):
        return int(qualifier)
    return None


def qualified(name: str, qualifier: str) -> str:
    """``name:qualifier`` (or ``name`` alone), the object name the store's errors carry."""
    return f"{name}:{qualifier}" if qualifier else name


def function_from_row(row: Row[Any]) -> FunctionRow:
    return FunctionRow(row.function_id, row.account_id, row.region, row.name, row.created_at,
                       row.next_version, row.reserved_concurrency)


def find_function(conn: Connection, account_id: str, region: str, name: str, *, lock: bool = False) -> FunctionRow:
    """The function ``name`` (case-sensitive); with ``lock``, its row stays locked until commit."""
    query = select(lambda_functions).where(lambda_functions.c.account_id == account_id,
                                           lambda_functions.c.region == region, lambda_functions.c.name == name)
    row = conn.execute(query.with_for_update(key_share=True) if lock else query).first()
    if row is None:
        raise NotFound("function", name)
    return function_from_row(row)


def version_query() -> Select[Any]:
    """Versions joined to their function: everything a ``VersionRow`` needs."""
    own = [c for c in lambda_versions.c if c.name not in ("function_id", "account_id")]
    return select(lambda_functions, *own).join(
        lambda_versions, lambda_versions.c.function_id == lambda_functions.c.function_id)


def version_from_row(row: Row[Any]) -> VersionRow:
    return VersionRow(
        row.function_id, row.account_id, row.region, row.name, version_label(row.version_number),
        json.loads(row.config), row.code_sha256, row.code_size, row.revision_id, row.last_modified,
        Status(*(getattr(row, name) for name in STATUS_COLUMNS)),
    )


def read_version(conn: Connection, function: FunctionRow, number: int) -> VersionRow:
    row = conn.execute(version_query().where(lambda_versions.c.function_id == function.function_id,
                                             lambda_versions.c.version_number == number)).first()
    if row is None:
        raise NotFound("function version", qualified(function.name, version_label(number)))
    return version_from_row(row)


def version_exists(conn: Connection, function_id: str, number: int) -> bool:
    query = select(lambda_versions.c.version_number).where(lambda_versions.c.function_id == function_id,
                                                           lambda_versions.c.version_number == number)
    return conn.execute(query).first() is not None


def alias_target(conn: Connection, function: FunctionRow, alias: str) -> int:
    """The version number alias ``alias`` points at; NotFound("alias", "fn:alias") when absent."""
    found = conn.execute(select(lambda_aliases.c.version_number).where(
        lambda_aliases.c.function_id == function.function_id, lambda_aliases.c.name == alias)).scalar()
    if found is None:
        raise NotFound("alias", qualified(function.name, alias))
    return int(found)


def resolve(conn: Connection, function: FunctionRow, qualifier: str) -> int:
    """The version a qualifier names: $LATEST, a version number that exists, or an alias's target."""
    number = version_number(qualifier)
    if number is None:
        return alias_target(conn, function, qualifier)
    if not version_exists(conn, function.function_id, number):
        raise NotFound("function version", qualified(function.name, qualifier))
    return number


def require_qualifier_target(conn: Connection, function: FunctionRow, qualifier: str) -> None:
    """A policy's or URL's qualifier must name something: '' the function, else a version or alias."""
    if qualifier:
        resolve(conn, function, qualifier)


def check_revision(kind: str, name: str, expected: str | None, actual: str) -> None:
    """PreconditionFailed unless ``expected`` is None (no precondition) or the current revision."""
    if expected is not None and expected != actual:
        raise PreconditionFailed(kind, name, "revision_id", expected, actual)


def new_revision() -> str:
    return ids.revision_id()


POLICY_VERSION = "2012-10-17"
POLICY_ID = "default"


def with_statement(document: str | None, statement: Mapping[str, Any]) -> str:
    """A resource policy (function's or layer version's) with ``statement`` appended; a new one
    when ``document`` is None. AlreadyExists(``policy statement``, Sid) when the Sid is taken."""
    statements = document_statements(document) if document is not None else []
    sid = str(statement.get("Sid", ""))
    if any(existing.get("Sid") == sid for existing in statements):
        raise AlreadyExists("policy statement", sid)
    return json.dumps({"Version": POLICY_VERSION, "Id": POLICY_ID, "Statement": [*statements, dict(statement)]})


def without_statement(document: str, sid: str) -> str | None:
    """The policy without the statement ``sid``; None when that was its last one.
    NotFound(``policy statement``, Sid) when it has no such statement."""
    statements = document_statements(document)
    kept = [statement for statement in statements if statement.get("Sid") != sid]
    if len(kept) == len(statements):
        raise NotFound("policy statement", sid)
    return json.dumps({**json.loads(document), "Statement": kept}) if kept else None


def document_statements(document: str) -> list[dict[str, Any]]:
    """A policy document's statements (none when it has no readable ones)."""
    try:
        raw = json.loads(document)
    except ValueError:
        return []
    body = raw.get("Statement", []) if isinstance(raw, dict) else []
    found = [body] if isinstance(body, dict) else body if isinstance(body, list) else []
    return [statement for statement in found if isinstance(statement, dict)]


def dump(value: Mapping[str, Any]) -> str:
    """Compact JSON, keys in the order the handler gave them."""
    return json.dumps(value, separators=(",", ":"))


def digest(config: Mapping[str, Any], code_sha256_hex: str) -> str:
    """A fingerprint of a configuration (key order ignored) and its code: what PublishVersion compares."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{code_sha256_hex}\n{canonical}".encode()).hexdigest()
