"""Function URL configs: one per function ('' qualifier, i.e. $LATEST) or alias, found by url id too.

AWS: "You can apply function URLs to any function alias, or to the $LATEST unpublished function
version. You can't add a function URL to any other function version." The url id is the host
label of ``https://<url-id>.lambda-url.<region>.on.aws``, random and unique, so the invoke path
can find the function from the host alone (``find_by_url_id``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.exc import IntegrityError

from .. import ids
from ..errors import AlreadyExists, NotFound
from ..schema import lambda_functions, lambda_url_configs
from ._common import DEFAULT_MAX_ITEMS, Page, now, paginate
from ._lambda import FunctionRow, alias_target, find_function, qualified, version_number

DEFAULT_INVOKE_MODE = "BUFFERED"


@dataclass(frozen=True)
class UrlConfigRow:
    function_id: str
    account_id: str
    region: str
    function_name: str
    qualifier: str  # '' or an alias name
    url_id: str
    auth_type: str  # AWS_IAM | NONE
    cors: dict[str, Any] | None
    invoke_mode: str  # BUFFERED | RESPONSE_STREAM
    created_at: datetime
    last_modified: datetime

    def url(self) -> str:
        return f"https://{self.url_id}.lambda-url.{self.region}.on.aws/"


def _query() -> Any:
    return select(lambda_url_configs, lambda_functions.c.region, lambda_functions.c.name.label("function_name")).join(
        lambda_functions, lambda_functions.c.function_id == lambda_url_configs.c.function_id)


def _config(row: Row[Any]) -> UrlConfigRow:
    return UrlConfigRow(row.function_id, row.account_id, row.region, row.function_name, row.qualifier, row.url_id,
                        row.auth_type, None if row.cors is None else json.loads(row.cors), row.invoke_mode,
                        row.created_at, row.last_modified)


def _function(conn: Connection, account_id: str, region: str, name: str, qualifier: str, *, lock: bool) -> FunctionRow:
    if qualifier and version_number(qualifier) is not None:
        raise ValueError("a function URL belongs to the function ('') or an alias, not a version")
    function = find_function(conn, account_id, region, name, lock=lock)
    if qualifier:
        alias_target(conn, function, qualifier)
    return function


def _find(conn: Connection, function: FunctionRow, qualifier: str) -> UrlConfigRow | None:
    row = conn.execute(_query().where(lambda_url_configs.c.function_id == function.function_id,
                                      lambda_url_configs.c.qualifier == qualifier)).first()
    return None if row is None else _config(row)


def create_url_config(
    conn: Connection,
    account_id: str,
    region: str,
    name: str,
    qualifier: str,
    *,
    auth_type: str,
    cors: Mapping[str, Any] | None = None,
    invoke_mode: str = DEFAULT_INVOKE_MODE,
) -> UrlConfigRow:
    """A new URL with a fresh url id; AlreadyExists(``function url config``) when one exists.
    NotFound: ``function``, ``alias``."""
    function = _function(conn, account_id, region, name, qualifier, lock=True)
    if _find(conn, function, qualifier) is not None:
        raise AlreadyExists("function url config", qualified(name, qualifier))
    created = now()
    try:
        conn.execute(lambda_url_configs.insert().values(
            function_id=function.function_id, qualifier=qualifier, account_id=account_id, url_id=ids.url_id(),
            auth_type=auth_type, cors=None if cors is None else json.dumps(cors), invoke_mode=invoke_mode,
            created_at=created, last_modified=created))
    except IntegrityError as error:  # the same url id drawn twice: 36^32, so never in practice
        raise AlreadyExists("function url config", qualified(name, qualifier)) from error
    return get_url_config(conn, account_id, region, name, qualifier)


def get_url_config(conn: Connection, account_id: str, region: str, name: str, qualifier: str = "") -> UrlConfigRow:
    """NotFound: ``function``, ``alias``, or ``function url config``."""
    function = _function(conn, account_id, region, name, qualifier, lock=False)
    found = _find(conn, function, qualifier)
    if found is None:
        raise NotFound("function url config", qualified(name, qualifier))
    return found


def update_url_config(
    conn: Connection,
    account_id: str,
    region: str,
    name: str,
    qualifier: str = "",
    *,
    auth_type: str | None = None,
    cors: Mapping[str, Any] | None = None,
    invoke_mode: str | None = None,
) -> UrlConfigRow:
    """Change what is given (the url id never changes); a new last-modified time."""
    function = _function(conn, account_id, region, name, qualifier, lock=True)
    if _find(conn, function, qualifier) is None:
        raise NotFound("function url config", qualified(name, qualifier))
    changes: dict[str, Any] = {"last_modified": now()}
    if auth_type is not None:
        changes["auth_type"] = auth_type
    if cors is not None:
        changes["cors"] = json.dumps(cors)
    if invoke_mode is not None:
        changes["invoke_mode"] = invoke_mode
    conn.execute(lambda_url_configs.update().where(lambda_url_configs.c.function_id == function.function_id,
                                                   lambda_url_configs.c.qualifier == qualifier).values(**changes))
    return get_url_config(conn, account_id, region, name, qualifier)


def delete_url_config(conn: Connection, account_id: str, region: str, name: str, qualifier: str = "") -> None:
    """NotFound(``function url config``) when there is none."""
    function = _function(conn, account_id, region, name, qualifier, lock=True)
    if _find(conn, function, qualifier) is None:
        raise NotFound("function url config", qualified(name, qualifier))
    conn.execute(lambda_url_configs.delete().where(lambda_url_configs.c.function_id == function.function_id,
                                                   lambda_url_configs.c.qualifier == qualifier))


def list_url_configs(
    conn: Connection, account_id: str, region: str, name: str, *, marker: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[UrlConfigRow]:
    """The function's URL configs: the function's own ('') first, then its aliases' by name."""
    function = find_function(conn, account_id, region, name)
    query = _query().where(lambda_url_configs.c.function_id == function.function_id)
    return paginate(conn, query, lambda_url_configs.c.qualifier, _config, marker=marker, max_items=max_items)


def find_by_url_id(conn: Connection, url_id: str) -> UrlConfigRow:
    """The config behind a URL's host label (the invoke path); NotFound(``function url config``)."""
    row = conn.execute(_query().where(lambda_url_configs.c.url_id == url_id)).first()
    if row is None:
        raise NotFound("function url config", url_id)
    return _config(row)
