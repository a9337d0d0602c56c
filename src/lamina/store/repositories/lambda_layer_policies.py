"""The resource-based policy of a layer version: AddLayerVersionPermission's statements.

One document per live layer version, written one statement at a time as a function's is
(``lambda_policies``): a taken Sid is AlreadyExists, removing the last statement removes the
policy, every write gives it a new ``RevisionId`` and an expected revision must be the current
one (before there is a policy, no revision can match). The principals a document names are bound
through ``named_principals`` (owner ``layer-policy``), as function policies' are: AWS's layer
principals are accounts and ``*``, which bind to nothing, but the gate reads every resource
policy the same way. Deleting the layer version drops its policy (``lambda_layers``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from ..errors import NotFound
from ..schema import lambda_layer_policies
from . import named_principals
from ._lambda import check_revision, document_statements, new_revision, with_statement, without_statement
from .lambda_layers import POLICY_OWNER, LayerVersionRow, find_layer, get_layer_version, policy_owner_id


@dataclass(frozen=True)
class LayerPolicyRow:
    layer_version: LayerVersionRow
    document: str
    revision_id: str

    @property
    def owner_id(self) -> str:
        """This policy's owner id in ``named_principals`` (kind ``layer-policy``)."""
        return policy_owner_id(self.layer_version.layer_id, self.layer_version.version)

    def statements(self) -> list[dict[str, Any]]:
        return document_statements(self.document)


def _find(conn: Connection, version: LayerVersionRow) -> LayerPolicyRow | None:
    row = conn.execute(select(lambda_layer_policies.c.document, lambda_layer_policies.c.revision_id).where(
        lambda_layer_policies.c.layer_id == version.layer_id,
        lambda_layer_policies.c.version_number == version.version)).first()
    return None if row is None else LayerPolicyRow(version, row.document, row.revision_id)


def get_policy(conn: Connection, account_id: str, region: str, name: str, version: int) -> LayerPolicyRow:
    """NotFound: ``layer version`` (not published, or deleted), or ``layer version policy`` (none yet)."""
    layer_version = get_layer_version(conn, account_id, region, name, version)
    found = _find(conn, layer_version)
    if found is None:
        raise NotFound("layer version policy", layer_version.arn)
    return found


def _target(conn: Connection, account_id: str, region: str, name: str, version: int) -> LayerVersionRow:
    """The layer version, its layer row locked so that concurrent writes to one policy serialize."""
    find_layer(conn, account_id, region, name, lock=True)
    return get_layer_version(conn, account_id, region, name, version)


def add_statement(
    conn: Connection, account_id: str, region: str, name: str, version: int, statement: Mapping[str, Any], *,
    expected_revision_id: str | None = None,
) -> LayerPolicyRow:
    """Append ``statement`` (it carries its ``Sid``); AlreadyExists(``policy statement``, Sid) for a
    taken Sid, PreconditionFailed for a stale ``expected_revision_id``."""
    layer_version = _target(conn, account_id, region, name, version)
    current = _find(conn, layer_version)
    _check(layer_version, current, expected_revision_id)
    document = with_statement(current.document if current else None, statement)
    return _write(conn, layer_version, document, exists=current is not None)


def remove_statement(
    conn: Connection, account_id: str, region: str, name: str, version: int, sid: str, *,
    expected_revision_id: str | None = None,
) -> LayerPolicyRow | None:
    """Remove the statement ``sid``; the policy left, or None when that was its last statement.
    NotFound(``layer version policy``) without a policy, NotFound(``policy statement``, Sid) without it."""
    layer_version = _target(conn, account_id, region, name, version)
    current = _find(conn, layer_version)
    if current is None:
        raise NotFound("layer version policy", layer_version.arn)
    _check(layer_version, current, expected_revision_id)
    document = without_statement(current.document, sid)
    if document is None:
        named_principals.forget(conn, POLICY_OWNER, current.owner_id)
        conn.execute(lambda_layer_policies.delete().where(*_key(layer_version)))
        return None
    return _write(conn, layer_version, document, exists=True)


def as_read(conn: Connection, policy: LayerPolicyRow) -> str:
    """The document as AWS shows it (a bound principal deleted since reads as its old unique id)."""
    return named_principals.as_read(conn, POLICY_OWNER, policy.owner_id, policy.document)


def _key(layer_version: LayerVersionRow) -> tuple[Any, ...]:
    return (lambda_layer_policies.c.layer_id == layer_version.layer_id,
            lambda_layer_policies.c.version_number == layer_version.version)


def _check(layer_version: LayerVersionRow, current: LayerPolicyRow | None, expected: str | None) -> None:
    if expected is not None:
        check_revision("layer version policy", layer_version.arn, expected, current.revision_id if current else "")


def _write(conn: Connection, layer_version: LayerVersionRow, document: str, *, exists: bool) -> LayerPolicyRow:
    revision = new_revision()
    if exists:
        conn.execute(lambda_layer_policies.update().where(*_key(layer_version)).values(document=document,
                                                                                      revision_id=revision))
    else:
        conn.execute(lambda_layer_policies.insert().values(
            layer_id=layer_version.layer_id, version_number=layer_version.version,
            account_id=layer_version.account_id, document=document, revision_id=revision))
    owner = policy_owner_id(layer_version.layer_id, layer_version.version)
    named_principals.record(conn, layer_version.account_id, POLICY_OWNER, owner, document, keep=True)
    return LayerPolicyRow(layer_version, document, revision)
