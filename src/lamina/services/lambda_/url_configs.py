"""Function URL configs: Create, Get, Update, Delete and ListFunctionUrlConfigs.

A function URL belongs to the function itself ($LATEST) or to an alias, never to a published
version (the model's patterns already refuse ``$LATEST`` and version numbers as qualifiers). AWS
serves ``https://<url-id>.lambda-url.<region>.on.aws/``; Lamina answers with an address that
reaches Lamina on the user's machine: ``http://<url-id>.lambda-url.<region>.localhost:<port>/``
(browsers and curl resolve ``*.localhost`` to loopback), see docs/lambda-urls.md. The
declarations add ``lambda:FunctionUrlAuthType`` and ``lambda:FunctionArn`` (``condition_keys``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import Deps, operation
from lamina.settings import Settings
from lamina.store import AlreadyExists, InvalidMarker, NotFound, Store
from lamina.store.repositories import lambda_urls
from lamina.store.repositories.lambda_urls import UrlConfigRow

from .declarations import declaration
from .errors import ResourceConflictException, ResourceNotFoundException
from .names import LATEST, FunctionRef, function_ref
from .paging import bad_marker, page_size

__all__ = [
    "create_function_url_config",
    "delete_function_url_config",
    "function_url",
    "get_function_url_config",
    "list_function_url_configs",
    "update_function_url_config",
]

LIST_PAGE = 50
NO_FUNCTION = "Function does not exist"
NO_RESOURCE = "The resource you requested does not exist."


def function_url(settings: Settings, url_id: str, region: str) -> str:
    """The URL Lamina serves a function URL at: under ``localhost`` when the server listens on an
    address (``*.localhost`` is loopback everywhere), under the server's host name when it has one."""
    endpoint = urlsplit(settings.endpoint)
    host = endpoint.hostname or "localhost"
    try:
        ipaddress.ip_address(host)
        host = "localhost"
    except ValueError:
        pass
    return f"http://{url_id}.lambda-url.{region}.{host}:{endpoint.port or settings.port}/"


def _timestamp(at: datetime) -> str:
    """ISO 8601 as AWS writes it for function URLs: ``2021-11-11T19:03:57.983187Z``."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _target(ctx: RequestContext) -> tuple[FunctionRef, str]:
    """The function and the store's qualifier: '' for the function itself, else the alias name."""
    ref = function_ref(ctx)
    if ref.qualifier == LATEST:  # the model's pattern refuses it; a name cannot smuggle it in either
        return ref.with_qualifier(None), ""
    if ref.qualifier is not None and ref.qualifier.isdigit():
        raise ResourceNotFoundException(NO_FUNCTION)
    return ref, ref.qualifier or ""


def _answer(row: UrlConfigRow, settings: Settings, *, full: bool = True, invoke_mode: bool = True) -> dict[str, Any]:
    """The config as AWS shows it; Create and Update leave out what the request did not set."""
    ref = FunctionRef(row.account_id, row.region, row.function_name, row.qualifier or None)
    found: dict[str, Any] = {"FunctionUrl": function_url(settings, row.url_id, row.region),
                             "FunctionArn": ref.qualified_arn, "AuthType": row.auth_type,
                             "CreationTime": _timestamp(row.created_at)}
    if row.cors is not None:
        found["Cors"] = row.cors
    if full:
        found["LastModifiedTime"] = _timestamp(row.last_modified)
    if invoke_mode:
        found["InvokeMode"] = row.invoke_mode
    return found


def _not_found(error: NotFound) -> ServiceError:
    return ResourceNotFoundException(NO_RESOURCE if error.kind == "function url config" else NO_FUNCTION)


@operation("lambda", "CreateFunctionUrlConfig", needs="deps",
           authorization=declaration("CreateFunctionUrlConfig"))
def create_function_url_config(ctx: RequestContext, deps: Deps) -> Mapping[str, Any]:
    """A URL for the function or an alias; one each, and its address never changes while it lives."""
    ref, qualifier = _target(ctx)
    params = ctx.params
    try:
        with deps.store.transaction() as conn:
            row = lambda_urls.create_url_config(conn, ref.account, ref.region, ref.name, qualifier,
                                                auth_type=str(params["AuthType"]), cors=params.get("Cors"),
                                                invoke_mode=params.get("InvokeMode") or lambda_urls.DEFAULT_INVOKE_MODE)
    except NotFound:
        raise ResourceNotFoundException(NO_FUNCTION) from None
    except AlreadyExists:
        raise ResourceConflictException(
            f"Failed to create function url config for [functionArn = {ref.qualified_arn}]. Error message:  "
            "FunctionUrlConfig exists for this Lambda function") from None
    return _answer(row, deps.settings, full=False, invoke_mode="InvokeMode" in params)


@operation("lambda", "GetFunctionUrlConfig", needs="deps",
           authorization=declaration("GetFunctionUrlConfig"))
def get_function_url_config(ctx: RequestContext, deps: Deps) -> Mapping[str, Any]:
    ref, qualifier = _target(ctx)
    try:
        with deps.store.transaction(read_only=True) as conn:
            row = lambda_urls.get_url_config(conn, ref.account, ref.region, ref.name, qualifier)
    except NotFound:
        raise ResourceNotFoundException(NO_RESOURCE) from None
    return _answer(row, deps.settings)


@operation("lambda", "UpdateFunctionUrlConfig", needs="deps",
           authorization=declaration("UpdateFunctionUrlConfig"))
def update_function_url_config(ctx: RequestContext, deps: Deps) -> Mapping[str, Any]:
    """Change the auth type, CORS (replaced whole) or invoke mode; the URL stays the same. The answer
    names the invoke mode when the request sets it or it is not the default: AWS recorded it left out
    after an AuthType change on a BUFFERED URL (test_url_config_lifecycle) and kept after an empty
    update of a RESPONSE_STREAM one (test_lambda_update_function_url_config)."""
    ref, qualifier = _target(ctx)
    params = ctx.params
    try:
        with deps.store.transaction() as conn:
            row = lambda_urls.update_url_config(conn, ref.account, ref.region, ref.name, qualifier,
                                                auth_type=params.get("AuthType"), cors=params.get("Cors"),
                                                invoke_mode=params.get("InvokeMode"))
    except NotFound as error:
        raise _not_found(error) from None
    shown = "InvokeMode" in params or row.invoke_mode != lambda_urls.DEFAULT_INVOKE_MODE
    return _answer(row, deps.settings, invoke_mode=shown)


@operation("lambda", "DeleteFunctionUrlConfig", needs="store",
           authorization=declaration("DeleteFunctionUrlConfig"))
def delete_function_url_config(ctx: RequestContext, store: Store) -> None:
    ref, qualifier = _target(ctx)
    try:
        with store.transaction() as conn:
            lambda_urls.delete_url_config(conn, ref.account, ref.region, ref.name, qualifier)
    except NotFound:
        raise ResourceNotFoundException(NO_RESOURCE) from None


@operation("lambda", "ListFunctionUrlConfigs", needs="deps",
           authorization=declaration("ListFunctionUrlConfigs"))
def list_function_url_configs(ctx: RequestContext, deps: Deps) -> Mapping[str, Any]:
    """The function's own URL first, then its aliases' by name."""
    ref = function_ref(ctx).with_qualifier(None)
    try:
        with deps.store.transaction(read_only=True) as conn:
            page = lambda_urls.list_url_configs(conn, ref.account, ref.region, ref.name,
                                                marker=ctx.params.get("Marker"),
                                                max_items=page_size(ctx.params, LIST_PAGE))
    except NotFound:
        raise ResourceNotFoundException(NO_FUNCTION) from None
    except InvalidMarker:
        raise bad_marker() from None
    return {"FunctionUrlConfigs": [_answer(row, deps.settings) for row in page.items], "NextMarker": page.marker}
