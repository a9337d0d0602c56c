"""Published versions: immutable copies of $LATEST, numbered 1, 2, … and never reused.

PublishVersion with nothing changed since the last published version returns that version
instead of a new one (AWS: "Lambda doesn't publish a version if the function's configuration and
code haven't changed since the last version"). "Changed" compares the $LATEST a version was
copied from, so a description given to PublishVersion, or a state change, does not count.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from ..errors import DeleteConflict, NotFound, PreconditionFailed
from ..schema import lambda_aliases, lambda_functions, lambda_policies, lambda_versions
from . import named_principals
from ._common import DEFAULT_MAX_ITEMS, Page, now, paginate
from ._lambda import (
    LATEST,
    LATEST_NUMBER,
    FunctionRow,
    Status,
    VersionRow,
    check_revision,
    digest,
    dump,
    find_function,
    new_revision,
    qualified,
    read_version,
    version_exists,
    version_from_row,
    version_query,
)
from .lambda_functions import POLICY_OWNER, policy_owner_id


def publish_version(
    conn: Connection,
    account_id: str,
    region: str,
    name: str,
    *,
    description: str | None = None,
    expected_code_sha256: str | None = None,
    expected_revision_id: str | None = None,
    status: Status | None = None,
) -> VersionRow:
    """Publish $LATEST as the next version number, or return the last published version when
    $LATEST has not changed since it was copied.

    ``description`` replaces the copy's ``Description``; ``expected_code_sha256`` is a
    ``CodeSha256`` (base64) and ``expected_revision_id`` $LATEST's RevisionId: a mismatch is
    PreconditionFailed (condition ``code_sha256`` or ``revision_id``). The new version starts with
    ``status`` (default: $LATEST's) and gives $LATEST a new RevisionId, as AWS does.
    """
    function = find_function(conn, account_id, region, name, lock=True)
    latest = read_version(conn, function, LATEST_NUMBER)
    label = qualified(name, LATEST)
    if expected_code_sha256 is not None and expected_code_sha256 != latest.code_sha256:
        raise PreconditionFailed("function", label, "code_sha256", expected_code_sha256, latest.code_sha256)
    check_revision("function", label, expected_revision_id, latest.revision_id)
    source = digest(latest.config, latest.code_sha256_hex)
    last = _last_published(conn, function)
    if last is not None and last[1] == source:
        return read_version(conn, function, last[0])
    return _copy_latest(conn, function, latest, source, description, status or latest.status)


def _last_published(conn: Connection, function: FunctionRow) -> tuple[int, str | None] | None:
    row = conn.execute(select(lambda_versions.c.version_number, lambda_versions.c.source_digest)
                       .where(lambda_versions.c.function_id == function.function_id,
                              lambda_versions.c.version_number > LATEST_NUMBER)
                       .order_by(lambda_versions.c.version_number.desc()).limit(1)).first()
    return None if row is None else (row.version_number, row.source_digest)


def _copy_latest(
    conn: Connection, function: FunctionRow, latest: VersionRow, source: str, description: str | None, status: Status
) -> VersionRow:
    number = function.next_version
    config = dict(latest.config)
    if description is not None:
        config["Description"] = description
    conn.execute(lambda_versions.insert().values(
        function_id=function.function_id, version_number=number, account_id=function.account_id,
        config=dump(config), code_sha256=latest.code_sha256_hex, code_size=latest.code_size,
        revision_id=new_revision(), last_modified=now(), source_digest=source, **status.columns()))
    conn.execute(lambda_functions.update().where(lambda_functions.c.function_id == function.function_id)
                 .values(next_version=number + 1))
    conn.execute(lambda_versions.update().where(lambda_versions.c.function_id == function.function_id,
                                                lambda_versions.c.version_number == LATEST_NUMBER)
                 .values(revision_id=new_revision()))
    return read_version(conn, function, number)


def list_versions(
    conn: Connection, account_id: str, region: str, name: str, *, marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[VersionRow]:
    """$LATEST first, then the published versions in numeric order."""
    function = find_function(conn, account_id, region, name)
    query = version_query().where(lambda_versions.c.function_id == function.function_id)
    return paginate(conn, query, lambda_versions.c.version_number, version_from_row, marker=marker,
                    max_items=max_items)


def delete_version(conn: Connection, account_id: str, region: str, name: str, number: int) -> None:
    """Delete published version ``number`` and its resource policy; its number is never reused.

    DeleteConflict (blocker ``aliases``, ``dependents`` their names) while an alias points at it,
    directly or through its routing config."""
    if number == LATEST_NUMBER:
        raise ValueError("$LATEST is deleted with the function")
    function = find_function(conn, account_id, region, name, lock=True)
    label = qualified(name, str(number))
    if not version_exists(conn, function.function_id, number):
        raise NotFound("function version", label)
    referring = aliases_referring(conn, function.function_id, number)
    if referring:
        raise DeleteConflict("function version", label, "aliases", referring)
    named_principals.forget(conn, POLICY_OWNER, policy_owner_id(function.function_id, str(number)))
    conn.execute(lambda_policies.delete().where(lambda_policies.c.function_id == function.function_id,
                                                lambda_policies.c.qualifier == str(number)))
    conn.execute(lambda_versions.delete().where(lambda_versions.c.function_id == function.function_id,
                                                lambda_versions.c.version_number == number))


def aliases_referring(conn: Connection, function_id: str, number: int) -> tuple[str, ...]:
    """The aliases (sorted) that route to version ``number``, as target or additional version."""
    rows = conn.execute(select(lambda_aliases.c.name, lambda_aliases.c.version_number, lambda_aliases.c.routing)
                        .where(lambda_aliases.c.function_id == function_id).order_by(lambda_aliases.c.name))
    return tuple(row.name for row in rows if row.version_number == number or str(number) in json.loads(row.routing))
