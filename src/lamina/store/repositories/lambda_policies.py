"""Resource-based policies of functions: one document per function ('' qualifier), version or alias.

AddPermission appends a statement (a taken Sid is AlreadyExists), RemovePermission removes one
(the last one takes the policy with it: AWS then answers GetPolicy with ResourceNotFound). $LATEST
has no policy of its own (AWS: "We currently do not support adding policies for $LATEST"); the
unqualified function's policy covers it. Each write gives the policy a new ``RevisionId`` and gives
the same one to what the policy is attached to ($LATEST for the unqualified function, the version,
or the alias): in AWS's recorded answers, a version's GetFunction shows its policy's RevisionId
after an AddPermission on it, and $LATEST's is the function policy's until the function changes
again (PublishVersion, an update), which leaves the policy's own revision as it was. An expected
revision is compared with the policy's, or, before there is one, with the RevisionId of what it
will attach to (an alias's, as AWS accepts for an alias's first AddPermission).

The IAM users and roles a document names are bound to their unique ids (``named_principals``,
owner ``function-policy``): show a document with ``as_read``; the gate reads the bindings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select

from ..errors import NotFound
from ..schema import lambda_aliases, lambda_functions, lambda_policies, lambda_versions
from . import named_principals
from ._lambda import (
    LATEST,
    LATEST_NUMBER,
    FunctionRow,
    check_revision,
    document_statements,
    find_function,
    new_revision,
    qualified,
    read_version,
    require_qualifier_target,
    version_number,
    with_statement,
    without_statement,
)
from .lambda_functions import POLICY_OWNER, policy_owner_id


@dataclass(frozen=True)
class PolicyRow:
    function_id: str
    account_id: str
    region: str
    function_name: str
    qualifier: str  # '' (the function), "1", … or an alias name
    document: str  # as written; see ``as_read``
    revision_id: str

    @property
    def owner_id(self) -> str:
        """This policy's owner id in ``named_principals`` (kind ``function-policy``)."""
        return policy_owner_id(self.function_id, self.qualifier)

    def statements(self) -> list[dict[str, Any]]:
        """The document's statements (none when a document put whole has no readable ones)."""
        return document_statements(self.document)


def _policy(row: Row[Any]) -> PolicyRow:
    return PolicyRow(row.function_id, row.account_id, row.region, row.function_name, row.qualifier, row.document,
                     row.revision_id)


def _target(conn: Connection, account_id: str, region: str, name: str, qualifier: str, *, lock: bool) -> FunctionRow:
    if qualifier == LATEST:
        raise ValueError("$LATEST has no resource policy of its own; use the unqualified function ('')")
    function = find_function(conn, account_id, region, name, lock=lock)
    require_qualifier_target(conn, function, qualifier)
    return function


def _find(conn: Connection, function: FunctionRow, qualifier: str) -> PolicyRow | None:
    query = select(lambda_policies, lambda_functions.c.region, lambda_functions.c.name.label("function_name")).join(
        lambda_functions, lambda_functions.c.function_id == lambda_policies.c.function_id).where(
        lambda_policies.c.function_id == function.function_id, lambda_policies.c.qualifier == qualifier)
    row = conn.execute(query).first()
    return None if row is None else _policy(row)


def get_policy(conn: Connection, account_id: str, region: str, name: str, qualifier: str = "") -> PolicyRow:
    """NotFound: ``function``, ``function version``, ``alias``, or ``function policy`` (none yet)."""
    function = _target(conn, account_id, region, name, qualifier, lock=False)
    found = _find(conn, function, qualifier)
    if found is None:
        raise NotFound("function policy", qualified(name, qualifier))
    return found


def add_statement(
    conn: Connection,
    account_id: str,
    region: str,
    name: str,
    qualifier: str,
    statement: Mapping[str, Any],
    *,
    expected_revision_id: str | None = None,
) -> PolicyRow:
    """Append ``statement`` (it carries its ``Sid``); AlreadyExists(``policy statement``, Sid) when
    the Sid is taken, PreconditionFailed for a stale ``expected_revision_id``."""
    function = _target(conn, account_id, region, name, qualifier, lock=True)
    current = _find(conn, function, qualifier)
    _check(conn, function, qualifier, current, expected_revision_id)
    document = with_statement(current.document if current else None, statement)
    return _write(conn, function, qualifier, document, keep_bindings=True)


def remove_statement(
    conn: Connection,
    account_id: str,
    region: str,
    name: str,
    qualifier: str,
    sid: str,
    *,
    expected_revision_id: str | None = None,
) -> PolicyRow | None:
    """Remove the statement ``sid``; the policy left, or None when that was its last statement.

    NotFound(``function policy``) without a policy, NotFound(``policy statement``, Sid) without it."""
    function = _target(conn, account_id, region, name, qualifier, lock=True)
    current = _find(conn, function, qualifier)
    if current is None:
        raise NotFound("function policy", qualified(name, qualifier))
    _check(conn, function, qualifier, current, expected_revision_id)
    document = without_statement(current.document, sid)
    if document is None:
        _delete(conn, function, qualifier)
        return None
    return _write(conn, function, qualifier, document, keep_bindings=True)


def put_policy(
    conn: Connection,
    account_id: str,
    region: str,
    name: str,
    qualifier: str,
    document: str,
    *,
    expected_revision_id: str | None = None,
) -> PolicyRow:
    """Replace the whole document (stored as given); its principals are bound afresh."""
    function = _target(conn, account_id, region, name, qualifier, lock=True)
    _check(conn, function, qualifier, _find(conn, function, qualifier), expected_revision_id)
    return _write(conn, function, qualifier, document, keep_bindings=False)


def delete_policy(
    conn: Connection, account_id: str, region: str, name: str, qualifier: str = "", *,
    expected_revision_id: str | None = None,
) -> None:
    """Delete the whole policy; NotFound(``function policy``) when there is none."""
    function = _target(conn, account_id, region, name, qualifier, lock=True)
    current = _find(conn, function, qualifier)
    if current is None:
        raise NotFound("function policy", qualified(name, qualifier))
    _check(conn, function, qualifier, current, expected_revision_id)
    _delete(conn, function, qualifier)


def as_read(conn: Connection, policy: PolicyRow) -> str:
    """The document as AWS shows it: a bound principal deleted since reads as its old unique id."""
    return named_principals.as_read(conn, POLICY_OWNER, policy.owner_id, policy.document)


def _check(
    conn: Connection, function: FunctionRow, qualifier: str, current: PolicyRow | None, expected: str | None
) -> None:
    if expected is None:
        return
    actual = current.revision_id if current else _target_revision(conn, function, qualifier)
    check_revision("function policy", qualified(function.name, qualifier), expected, actual)


def _target_revision(conn: Connection, function: FunctionRow, qualifier: str) -> str:
    """The RevisionId of what a policy attaches to: the alias, the version, or $LATEST."""
    number = version_number(qualifier) if qualifier else LATEST_NUMBER
    if number is not None:
        return read_version(conn, function, number).revision_id
    return str(conn.execute(select(lambda_aliases.c.revision_id).where(
        lambda_aliases.c.function_id == function.function_id, lambda_aliases.c.name == qualifier)).scalar_one())


def _write(conn: Connection, function: FunctionRow, qualifier: str, document: str, *, keep_bindings: bool) -> PolicyRow:
    by_key = (lambda_policies.c.function_id == function.function_id, lambda_policies.c.qualifier == qualifier)
    revision = new_revision()
    if _find(conn, function, qualifier) is None:
        conn.execute(lambda_policies.insert().values(function_id=function.function_id, qualifier=qualifier,
                                                     account_id=function.account_id, document=document,
                                                     revision_id=revision))
    else:
        conn.execute(lambda_policies.update().where(*by_key).values(document=document, revision_id=revision))
    _renew_target(conn, function, qualifier, revision)
    owner = policy_owner_id(function.function_id, qualifier)
    named_principals.record(conn, function.account_id, POLICY_OWNER, owner, document, keep=keep_bindings)
    found = _find(conn, function, qualifier)
    assert found is not None
    return found


def _delete(conn: Connection, function: FunctionRow, qualifier: str) -> None:
    named_principals.forget(conn, POLICY_OWNER, policy_owner_id(function.function_id, qualifier))
    conn.execute(lambda_policies.delete().where(lambda_policies.c.function_id == function.function_id,
                                                lambda_policies.c.qualifier == qualifier))
    _renew_target(conn, function, qualifier, new_revision())


def _renew_target(conn: Connection, function: FunctionRow, qualifier: str, revision: str) -> None:
    """Give the alias, the version, or $LATEST (for '') the RevisionId ``revision``: a policy is
    part of what it is attached to, so changing it is a new revision of that."""
    number = version_number(qualifier) if qualifier else LATEST_NUMBER
    if number is None:
        conn.execute(lambda_aliases.update().where(lambda_aliases.c.function_id == function.function_id,
                                                   lambda_aliases.c.name == qualifier).values(revision_id=revision))
        return
    conn.execute(lambda_versions.update().where(lambda_versions.c.function_id == function.function_id,
                                                lambda_versions.c.version_number == number)
                 .values(revision_id=revision))
