"""Lambda functions and their $LATEST version: create, read, update, list, delete, concurrency, usage.

A function is (account, region, name), its name case-sensitive as in AWS. ``$LATEST`` is the one
mutable version; every change gives it a new ``RevisionId``, and a caller that passes the revision
it last read gets ``PreconditionFailed`` instead of overwriting someone else's change. Published
versions live in ``lambda_versions``, aliases, policies and URLs in their own modules; deleting a
function takes all of them, and its tags, along.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from .. import ids
from ..errors import AlreadyExists, LimitExceeded, NotFound
from ..schema import (
    accounts,
    lambda_aliases,
    lambda_code_links,
    lambda_functions,
    lambda_layer_versions,
    lambda_layers,
    lambda_policies,
    lambda_url_configs,
    lambda_versions,
)
from . import lambda_code, named_principals, tags
from ._common import DEFAULT_MAX_ITEMS, Page, now, paginate
from ._lambda import (
    LATEST,
    LATEST_NUMBER,
    FunctionRow,
    Status,
    VersionRow,
    check_revision,
    dump,
    find_function,
    function_from_row,
    new_revision,
    qualified,
    read_version,
    resolve,
    version_from_row,
    version_query,
)
from .accounts import require_account

TAG_KIND = "function"
"""The ``tags`` resource kind; the resource id is the function's ``function_id``."""
POLICY_OWNER = "function-policy"
"""The ``named_principals`` owner kind of a function's resource policies (id: ``function_id:qualifier``)."""
MINIMUM_UNRESERVED = 100
"""AWS keeps at least this much of the account's concurrency unreserved."""


@dataclass(frozen=True)
class AccountUsage:
    """GetAccountSettings' ``AccountUsage`` (and what reservations leave unreserved)."""

    function_count: int
    total_code_size: int  # every version's code, $LATEST and published, plus live layer versions, as AWS counts it
    reserved_concurrency: int


def create_function(
    conn: Connection,
    account_id: str,
    region: str,
    name: str,
    config: Mapping[str, Any],
    code_sha256: str,
    *,
    status: Status | None = None,
    tags_to_add: Mapping[str, str] | None = None,
) -> VersionRow:
    """A new function whose $LATEST has ``config`` and the stored code ``code_sha256`` (hex; put it
    with ``lambda_code.put_code`` first), with its tags; AlreadyExists for a taken name."""
    require_account(conn, account_id)
    code = lambda_code.get_code(conn, code_sha256, lock=True)
    if _name_taken(conn, account_id, region, name):
        raise AlreadyExists("function", name)
    function_id, created = ids.function_id(), now()
    try:
        conn.execute(lambda_functions.insert().values(
            function_id=function_id, account_id=account_id, region=region, name=name, next_version=1,
            reserved_concurrency=None, created_at=created))
    except IntegrityError as error:  # a concurrent writer took the name (PostgreSQL)
        raise AlreadyExists("function", name) from error
    conn.execute(lambda_versions.insert().values(
        function_id=function_id, version_number=LATEST_NUMBER, account_id=account_id, config=dump(config),
        code_sha256=code.sha256, code_size=code.size, revision_id=new_revision(), last_modified=created,
        source_digest=None, **(status or Status()).columns()))
    if tags_to_add:
        tags.tag_resource(conn, account_id, TAG_KIND, function_id, tags_to_add)
    return read_version(conn, get_function_by_id(conn, function_id), LATEST_NUMBER)


def _name_taken(conn: Connection, account_id: str, region: str, name: str) -> bool:
    query = select(lambda_functions.c.function_id).where(
        lambda_functions.c.account_id == account_id, lambda_functions.c.region == region,
        lambda_functions.c.name == name)
    return conn.execute(query).first() is not None


def get_function(conn: Connection, account_id: str, region: str, name: str) -> FunctionRow:
    """The function-level facts (id, creation, next version number, reserved concurrency)."""
    return find_function(conn, account_id, region, name)


def get_function_by_id(conn: Connection, function_id: str) -> FunctionRow:
    row = conn.execute(select(lambda_functions).where(lambda_functions.c.function_id == function_id)).first()
    if row is None:
        raise NotFound("function", function_id)
    return function_from_row(row)


def get_version(conn: Connection, account_id: str, region: str, name: str, qualifier: str = LATEST) -> VersionRow:
    """The version a qualifier names: ``$LATEST``, a version number, or an alias (its target).

    NotFound: ``function``; ``function version`` (``name:7``); ``alias`` (``name:live``)."""
    function = find_function(conn, account_id, region, name)
    return read_version(conn, function, resolve(conn, function, qualifier))


def list_functions(
    conn: Connection,
    account_id: str,
    region: str,
    *,
    all_versions: bool = False,
    marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[VersionRow]:
    """$LATEST of every function by name; with ``all_versions`` (FunctionVersion=ALL) every version."""
    query = version_query().where(lambda_functions.c.account_id == account_id, lambda_functions.c.region == region)
    if not all_versions:
        query = query.where(lambda_versions.c.version_number == LATEST_NUMBER)
    key = (lambda_functions.c.name, lambda_versions.c.version_number)
    return paginate(conn, query, key, version_from_row, marker=marker, max_items=max_items)


def update_function(
    conn: Connection,
    account_id: str,
    region: str,
    name: str,
    *,
    config: Mapping[str, Any] | None = None,
    code_sha256: str | None = None,
    status: Status | None = None,
    expected_revision_id: str | None = None,
) -> VersionRow:
    """Replace $LATEST's configuration and/or code (hex digest of stored code): a new RevisionId
    and LastModified. PreconditionFailed when ``expected_revision_id`` is not the current one."""
    function = find_function(conn, account_id, region, name, lock=True)
    latest = read_version(conn, function, LATEST_NUMBER)
    check_revision("function", qualified(name, LATEST), expected_revision_id, latest.revision_id)
    changes: dict[str, Any] = {"revision_id": new_revision(), "last_modified": now()}
    if config is not None:
        changes["config"] = dump(config)
    if code_sha256 is not None:
        code = lambda_code.get_code(conn, code_sha256, lock=True)
        changes.update(code_sha256=code.sha256, code_size=code.size)
    if status is not None:
        changes.update(status.columns())
    _update_version(conn, function.function_id, LATEST_NUMBER, changes)
    return read_version(conn, function, LATEST_NUMBER)


def renew_revision(conn: Connection, function: FunctionRow) -> None:
    """A new RevisionId for $LATEST alone: a change to the function that is not its configuration
    (its tags; AWS's recorded GetFunction shows a new RevisionId after each TagResource and
    UntagResource)."""
    _update_version(conn, function.function_id, LATEST_NUMBER, {"revision_id": new_revision()})


def set_status(conn: Connection, account_id: str, region: str, name: str, qualifier: str, status: Status) -> VersionRow:
    """Record a state change (Pending → Active, InProgress → Successful, …). On $LATEST it is a
    change like any other (a new RevisionId, as AWS shows); a published version keeps its own."""
    function = find_function(conn, account_id, region, name, lock=True)
    number = resolve(conn, function, qualifier)
    changes: dict[str, Any] = dict(status.columns())
    if number == LATEST_NUMBER:
        changes["revision_id"] = new_revision()
    _update_version(conn, function.function_id, number, changes)
    return read_version(conn, function, number)


def _update_version(conn: Connection, function_id: str, number: int, changes: Mapping[str, Any]) -> None:
    conn.execute(lambda_versions.update().where(lambda_versions.c.function_id == function_id,
                                                lambda_versions.c.version_number == number).values(**changes))


def put_function_concurrency(
    conn: Connection, account_id: str, region: str, name: str, reserved: int, *, account_limit: int,
    minimum_unreserved: int = MINIMUM_UNRESERVED,
) -> FunctionRow:
    """Reserve concurrency for a function; LimitExceeded (quota ``UnreservedConcurrentExecution``)
    when the account's unreserved concurrency in the region would drop below ``minimum_unreserved``."""
    account_row = select(accounts.c.account_id).where(accounts.c.account_id == account_id)
    conn.execute(account_row.with_for_update(key_share=True))  # serializes reservations, not inserts
    function = find_function(conn, account_id, region, name, lock=True)
    others = _reserved_total(conn, account_id, region, except_id=function.function_id)
    if account_limit - others - reserved < minimum_unreserved:
        raise LimitExceeded("function", name, "UnreservedConcurrentExecution", minimum_unreserved)
    return _set_concurrency(conn, function, reserved)


def delete_function_concurrency(conn: Connection, account_id: str, region: str, name: str) -> FunctionRow:
    """Remove the reservation (the function draws on the unreserved pool again)."""
    return _set_concurrency(conn, find_function(conn, account_id, region, name, lock=True), None)


def _set_concurrency(conn: Connection, function: FunctionRow, reserved: int | None) -> FunctionRow:
    conn.execute(lambda_functions.update().where(lambda_functions.c.function_id == function.function_id)
                 .values(reserved_concurrency=reserved))
    return get_function_by_id(conn, function.function_id)


def _reserved_total(conn: Connection, account_id: str, region: str, except_id: str | None = None) -> int:
    query = select(func.coalesce(func.sum(lambda_functions.c.reserved_concurrency), 0)).where(
        lambda_functions.c.account_id == account_id, lambda_functions.c.region == region)
    if except_id is not None:
        query = query.where(lambda_functions.c.function_id != except_id)
    return int(conn.execute(query).scalar_one())


def delete_function(conn: Connection, account_id: str, region: str, name: str) -> None:
    """Delete the function with every version, alias, policy (and its bindings), URL config and tag.

    The code blobs stay until ``lambda_code.prune``."""
    function = find_function(conn, account_id, region, name, lock=True)
    by_function = function.function_id
    for qualifier in conn.execute(select(lambda_policies.c.qualifier)
                                  .where(lambda_policies.c.function_id == by_function)).scalars():
        named_principals.forget(conn, POLICY_OWNER, policy_owner_id(by_function, qualifier))
    for table in (lambda_code_links, lambda_url_configs, lambda_policies, lambda_aliases, lambda_versions):
        conn.execute(table.delete().where(table.c.function_id == by_function))
    tags.delete_all_tags(conn, TAG_KIND, by_function)
    conn.execute(lambda_functions.delete().where(lambda_functions.c.function_id == by_function))


def policy_owner_id(function_id: str, qualifier: str) -> str:
    """The ``named_principals`` owner id of one resource policy."""
    return f"{function_id}:{qualifier}"


def account_usage(conn: Connection, account_id: str, region: str) -> AccountUsage:
    """Counted, never kept: the functions, the code size of all their versions and of the live
    layer versions (AWS: "storage space that you've used for function and layer code"), the reservations."""
    in_region = (lambda_functions.c.account_id == account_id, lambda_functions.c.region == region)
    count = conn.execute(select(func.count()).select_from(lambda_functions).where(*in_region)).scalar_one()
    size = conn.execute(select(func.coalesce(func.sum(lambda_versions.c.code_size), 0)).join_from(
        lambda_versions, lambda_functions,
        lambda_functions.c.function_id == lambda_versions.c.function_id).where(*in_region)).scalar_one()
    layers = conn.execute(select(func.coalesce(func.sum(lambda_layer_versions.c.code_size), 0)).join_from(
        lambda_layer_versions, lambda_layers, lambda_layers.c.layer_id == lambda_layer_versions.c.layer_id).where(
        lambda_layers.c.account_id == account_id, lambda_layers.c.region == region,
        lambda_layer_versions.c.deleted_at.is_(None))).scalar_one()
    return AccountUsage(int(count), int(size) + int(layers), _reserved_total(conn, account_id, region))
