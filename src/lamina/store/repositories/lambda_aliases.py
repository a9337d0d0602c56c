"""Aliases: a name that points at a function version, optionally splitting traffic with a second one.

The target and every routing version must exist (an alias may point at $LATEST; AWS refuses
$LATEST with a routing config and a routing version equal to the target, which are request rules
for the handler). Each change gives the alias a new ``RevisionId``; DeleteAlias of a missing alias
succeeds, as in AWS. Deleting an alias takes its resource policy and function URL along.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select

from ..errors import AlreadyExists, NotFound
from ..schema import lambda_aliases, lambda_functions, lambda_policies, lambda_url_configs
from . import named_principals
from ._common import DEFAULT_MAX_ITEMS, Page, paginate
from ._lambda import (
    FunctionRow,
    check_revision,
    dump,
    find_function,
    new_revision,
    qualified,
    resolve,
    version_label,
    version_number,
)
from .lambda_functions import POLICY_OWNER, policy_owner_id


@dataclass(frozen=True)
class AliasRow:
    function_id: str
    account_id: str
    region: str
    function_name: str
    name: str
    function_version: str  # "$LATEST" or "1", "2", …
    description: str
    routing: dict[str, float]  # AdditionalVersionWeights: version → weight
    revision_id: str


def _query() -> Any:
    return select(lambda_aliases, lambda_functions.c.region, lambda_functions.c.name.label("function_name")).join(
        lambda_functions, lambda_functions.c.function_id == lambda_aliases.c.function_id)


def _alias(row: Row[Any]) -> AliasRow:
    return AliasRow(row.function_id, row.account_id, row.region, row.function_name, row.name,
                    version_label(row.version_number), row.description, json.loads(row.routing), row.revision_id)


def _target(conn: Connection, function: FunctionRow, function_version: str) -> int:
    """The version number an alias may point at: $LATEST or an existing version (never an alias)."""
    if version_number(function_version) is None:
        raise NotFound("function version", qualified(function.name, function_version))
    return resolve(conn, function, function_version)


def _check_routing(conn: Connection, function: FunctionRow, routing: Mapping[str, float]) -> None:
    for version in routing:
        _target(conn, function, version)


def create_alias(
    conn: Connection,
    account_id: str,
    region: str,
    function_name: str,
    name: str,
    function_version: str,
    *,
    description: str = "",
    routing: Mapping[str, float] | None = None,
) -> AliasRow:
    """A new alias; AlreadyExists (``fn:name``) when taken, NotFound for a missing version."""
    function = find_function(conn, account_id, region, function_name, lock=True)
    if _find(conn, function, name) is not None:
        raise AlreadyExists("alias", qualified(function_name, name))
    number = _target(conn, function, function_version)
    _check_routing(conn, function, routing or {})
    conn.execute(lambda_aliases.insert().values(
        function_id=function.function_id, name=name, account_id=account_id, version_number=number,
        description=description, routing=dump(routing or {}), revision_id=new_revision()))
    return get_alias(conn, account_id, region, function_name, name)


def _find(conn: Connection, function: FunctionRow, name: str) -> AliasRow | None:
    row = conn.execute(_query().where(lambda_aliases.c.function_id == function.function_id,
                                      lambda_aliases.c.name == name)).first()
    return None if row is None else _alias(row)


def get_alias(conn: Connection, account_id: str, region: str, function_name: str, name: str) -> AliasRow:
    function = find_function(conn, account_id, region, function_name)
    found = _find(conn, function, name)
    if found is None:
        raise NotFound("alias", qualified(function_name, name))
    return found


def list_aliases(
    conn: Connection,
    account_id: str,
    region: str,
    function_name: str,
    *,
    function_version: str | None = None,
    marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[AliasRow]:
    """The function's aliases by name; with ``function_version``, those whose target it is."""
    function = find_function(conn, account_id, region, function_name)
    query = _query().where(lambda_aliases.c.function_id == function.function_id)
    if function_version is not None:
        number = version_number(function_version)
        query = query.where(lambda_aliases.c.version_number == (-1 if number is None else number))
    return paginate(conn, query, lambda_aliases.c.name, _alias, marker=marker, max_items=max_items)


def update_alias(
    conn: Connection,
    account_id: str,
    region: str,
    function_name: str,
    name: str,
    *,
    function_version: str | None = None,
    description: str | None = None,
    routing: Mapping[str, float] | None = None,
    expected_revision_id: str | None = None,
) -> AliasRow:
    """Change what is given (``routing={}`` clears the routing config); a new RevisionId.
    PreconditionFailed when ``expected_revision_id`` is not the alias's current one."""
    function = find_function(conn, account_id, region, function_name, lock=True)
    alias = _find(conn, function, name)
    if alias is None:
        raise NotFound("alias", qualified(function_name, name))
    check_revision("alias", qualified(function_name, name), expected_revision_id, alias.revision_id)
    changes: dict[str, Any] = {"revision_id": new_revision()}
    if function_version is not None:
        changes["version_number"] = _target(conn, function, function_version)
    if description is not None:
        changes["description"] = description
    if routing is not None:
        _check_routing(conn, function, routing)
        changes["routing"] = dump(routing)
    conn.execute(lambda_aliases.update().where(lambda_aliases.c.function_id == function.function_id,
                                               lambda_aliases.c.name == name).values(**changes))
    return get_alias(conn, account_id, region, function_name, name)


def delete_alias(conn: Connection, account_id: str, region: str, function_name: str, name: str) -> bool:
    """Delete the alias with its policy and URL config; False (no error) when there was none."""
    function = find_function(conn, account_id, region, function_name, lock=True)
    if _find(conn, function, name) is None:
        return False
    named_principals.forget(conn, POLICY_OWNER, policy_owner_id(function.function_id, name))
    for table in (lambda_url_configs, lambda_policies):
        conn.execute(table.delete().where(table.c.function_id == function.function_id, table.c.qualifier == name))
    conn.execute(lambda_aliases.delete().where(lambda_aliases.c.function_id == function.function_id,
                                               lambda_aliases.c.name == name))
    return True
