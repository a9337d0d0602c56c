"""The IAM users and roles a stored policy document names, bound to their unique ids.

AWS turns a user or role ARN in a ``Principal`` element into that principal's unique id when the
policy is saved, and back into the ARN when it is shown. Delete the principal and the binding
breaks: the policy no longer applies to a new principal of the same name, and reading it shows
the old id (``"AWS": "AIDAJQABLZS4A3QDU576Q"``). Documents are stored as written; this module
records, per document, the ARN → unique id map of the principals it named when it was written,
and says at read time which written ARNs must now read differently (the id of a principal that
is gone, or the current ARN of one that was renamed). Generic over who holds the document:
``("role-trust", AROA…)`` for a trust policy, ``("function-policy", "<function id>:<qualifier>")``
for a Lambda function's resource policy.

Only users and roles of accounts this store holds are bound; root and account principals,
``*``, sessions, services and other accounts' principals are left as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Table, select

from ..schema import accounts, named_principals, roles, users
from ._common import iam_arn

OWNER_ROLE_TRUST = "role-trust"
_TABLES: dict[str, tuple[Table, str]] = {"user": (users, "user_id"), "role": (roles, "role_id")}
_KINDS = {"AIDA": "user", "AROA": "role"}
_IAM_PRINCIPAL = re.compile(r"arn:aws:iam::(\d{12}):(user|role)(/(?:[^/]+/)*)([^/]+)")


def aws_principals(document: str) -> list[str]:
    """The ``AWS`` values of every ``Principal``/``NotPrincipal`` element, in order (none if unreadable)."""
    found: list[str] = []
    for block in _principal_blocks(_load(document)):
        for value in _values(block.get("AWS")):
            if value not in found:
                found.append(value)
    return found


def hosted_iam_principal(conn: Connection, arn: str) -> bool:
    """Whether ``arn`` names a user or role in an account this store holds (so it must resolve)."""
    parts = _IAM_PRINCIPAL.fullmatch(arn)
    if parts is None:
        return False
    query = select(accounts.c.account_id).where(accounts.c.account_id == parts.group(1))
    return conn.execute(query).first() is not None


def resolve(conn: Connection, arn: str) -> str | None:
    """The unique id of the user or role ``arn`` names now (path included); None when there is none."""
    parts = _IAM_PRINCIPAL.fullmatch(arn)
    if parts is None:
        return None
    account_id, kind, path, name = parts.groups()
    table, id_column = _TABLES[kind]
    found = conn.execute(select(table.c[id_column]).where(
        table.c.account_id == account_id, table.c.name_lower == name.lower(), table.c.path == path)).scalar()
    return None if found is None else str(found)


def unresolved(conn: Connection, document: str) -> list[str]:
    """The ARNs ``document`` names that should be users or roles of this store but are not (AWS
    refuses such a document: ``Invalid principal in policy``)."""
    return [arn for arn in aws_principals(document) if hosted_iam_principal(conn, arn) and resolve(conn, arn) is None]


def record(
    conn: Connection, account_id: str, owner_kind: str, owner_id: str, document: str, *, keep: bool = False
) -> dict[str, str]:
    """Bind the principals ``document`` names to their current unique ids, replacing what the
    owner's previous document bound; returns the ARN → id map recorded.

    With ``keep``, an ARN the previous document already bound keeps that binding: a statement
    added beside older ones (Lambda's AddPermission) must not re-point the older ones at a
    principal re-created since they were written."""
    kept = recorded(conn, owner_kind, owner_id) if keep else {}
    forget(conn, owner_kind, owner_id)
    bound = {arn: found for arn in aws_principals(document) if (found := kept.get(arn) or resolve(conn, arn))}
    if bound:
        conn.execute(named_principals.insert(), [
            {"account_id": account_id, "owner_kind": owner_kind, "owner_id": owner_id, "principal_arn": arn,
             "principal_id": unique_id} for arn, unique_id in bound.items()])
    return bound


def forget(conn: Connection, owner_kind: str, owner_id: str) -> None:
    """Drop the bindings of a document that is being replaced or deleted."""
    conn.execute(named_principals.delete().where(named_principals.c.owner_kind == owner_kind,
                                                 named_principals.c.owner_id == owner_id))


def recorded(conn: Connection, owner_kind: str, owner_id: str) -> dict[str, str]:
    """The ARN → unique id map recorded for one document."""
    rows = conn.execute(select(named_principals.c.principal_arn, named_principals.c.principal_id).where(
        named_principals.c.owner_kind == owner_kind, named_principals.c.owner_id == owner_id))
    return {row.principal_arn: row.principal_id for row in rows}


def current_arn(conn: Connection, unique_id: str) -> str | None:
    """The ARN of the user or role that has ``unique_id`` now; None once it is deleted."""
    kind = _KINDS.get(unique_id[:4])
    if kind is None:
        return None
    table, id_column = _TABLES[kind]
    row = conn.execute(select(table.c.account_id, table.c.path, table.c.name).where(
        table.c[id_column] == unique_id)).first()
    return None if row is None else iam_arn(row.account_id, kind, row.path, row.name)


def replacements(conn: Connection, owner_kind: str, owner_id: str) -> dict[str, str]:
    """Written ARN → what it reads as now, for the bound principals that no longer read as written:
    the recorded unique id when the principal is gone, its current ARN when it was renamed."""
    changed: dict[str, str] = {}
    for arn, unique_id in recorded(conn, owner_kind, owner_id).items():
        now = current_arn(conn, unique_id) or unique_id
        if now != arn:
            changed[arn] = now
    return changed


def rewrite(document: str, changes: Mapping[str, str]) -> str:
    """``document`` with the ``AWS`` principal values in ``changes`` replaced; unchanged text otherwise."""
    if not changes:
        return document
    raw = _load(document)
    for block in _principal_blocks(raw):
        value = block.get("AWS")
        if isinstance(value, str):
            block["AWS"] = changes.get(value, value)
        elif isinstance(value, list):
            block["AWS"] = [changes.get(v, v) if isinstance(v, str) else v for v in value]
    return json.dumps(raw)


def as_read(conn: Connection, owner_kind: str, owner_id: str, document: str) -> str:
    """The document as IAM shows it: a gone principal's ARN reads as its old unique id."""
    return rewrite(document, replacements(conn, owner_kind, owner_id))


def _load(document: str) -> Any:
    try:
        return json.loads(document)
    except ValueError:
        return None


def _principal_blocks(raw: Any) -> Iterable[dict[str, Any]]:
    if not isinstance(raw, dict):
        return
    body = raw.get("Statement")
    for statement in [body] if isinstance(body, dict) else body if isinstance(body, list) else []:
        if not isinstance(statement, dict):
            continue
        for key in ("Principal", "NotPrincipal"):
            if isinstance(statement.get(key), dict):
                yield statement[key]


def _values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
