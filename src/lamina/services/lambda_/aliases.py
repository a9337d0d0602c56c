"""Aliases: CreateAlias, GetAlias, UpdateAlias, DeleteAlias and ListAliases.

An alias names a version ($LATEST or a published one) and may send part of its traffic to one
more version (``RoutingConfig.AdditionalVersionWeights``). The model checks the weights (0 to 1)
and the keys (version numbers); the store checks that the versions exist; the request rules AWS
adds (one additional version at most, not $LATEST with routing, not the target itself) are here.
AWS words "not found" differently per operation, and so does this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import operation
from lamina.store import AlreadyExists, InvalidMarker, NotFound, PreconditionFailed, Store
from lamina.store.repositories import lambda_aliases
from lamina.store.repositories.lambda_aliases import AliasRow

from .declarations import declaration
from .errors import InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException
from .names import LATEST, FunctionRef, function_ref, unqualified_only
from .paging import bad_marker, page_size
from .versions import revision_mismatch

__all__ = ["alias_answer", "create_alias", "delete_alias", "get_alias", "list_aliases", "update_alias"]

LIST_PAGE = 50


def alias_answer(row: AliasRow) -> dict[str, Any]:
    """``AliasConfiguration`` as AWS answers it: no ``RoutingConfig`` when nothing is routed."""
    ref = FunctionRef(row.account_id, row.region, row.function_name, row.name)
    found: dict[str, Any] = {"AliasArn": ref.qualified_arn, "Name": row.name, "FunctionVersion": row.function_version,
                             "Description": row.description, "RevisionId": row.revision_id}
    if row.routing:
        found["RoutingConfig"] = {"AdditionalVersionWeights": dict(row.routing)}
    return found


def _weights(ctx: RequestContext) -> dict[str, float] | None:
    """The requested routing (``{}`` clears it), or None when the request leaves it alone."""
    config = ctx.params.get("RoutingConfig")
    if config is None:
        return None
    return {str(version): float(weight) for version, weight in (config.get("AdditionalVersionWeights") or {}).items()}


def _check_routing(target: str, weights: Mapping[str, float]) -> None:
    """AWS's request rules for a routing config, in the order AWS applies them."""
    if len(weights) > 1:
        raise InvalidParameterValueException("Number of items in AdditionalVersionWeights cannot be greater than 1")
    if target in weights:
        raise InvalidParameterValueException(
            f"Invalid function version {target}. Function version {target} is already included in routing "
            "configuration.")
    if weights and target == LATEST:
        raise InvalidParameterValueException("$LATEST is not supported for an alias pointing to more than 1 version")


def _version_not_found(ref: FunctionRef, error: NotFound, version: str) -> ServiceError:
    """A missing version (``fn:10``) or function: AWS names the version the request pointed at."""
    missing = error.name.rsplit(":", 1)[1] if error.kind == "function version" else version
    return ResourceNotFoundException(f"Function not found: {ref.with_qualifier(missing).qualified_arn}")


@operation("lambda", "CreateAlias", authorization=declaration("CreateAlias"))
def create_alias(ctx: RequestContext, store: Store) -> Mapping[str, Any]:
    """A new alias on an existing version, with an optional second version and its weight."""
    ref = unqualified_only(function_ref(ctx))
    name, target = str(ctx.params["Name"]), str(ctx.params["FunctionVersion"])
    weights = _weights(ctx) or {}
    _check_routing(target, weights)
    try:
        with store.transaction() as conn:
            row = lambda_aliases.create_alias(conn, ref.account, ref.region, ref.name, name, target,
                                              description=ctx.params.get("Description") or "", routing=weights)
    except NotFound as error:
        raise _version_not_found(ref, error, target) from None
    except AlreadyExists:
        raise ResourceConflictException(f"Alias already exists: {ref.with_qualifier(name).qualified_arn}") from None
    return alias_answer(row)


@operation("lambda", "GetAlias", authorization=declaration("GetAlias"))
def get_alias(ctx: RequestContext, store: Store) -> Mapping[str, Any]:
    ref = unqualified_only(function_ref(ctx))
    name = str(ctx.params["Name"])
    try:
        with store.transaction(read_only=True) as conn:
            row = lambda_aliases.get_alias(conn, ref.account, ref.region, ref.name, name)
    except NotFound:
        raise ResourceNotFoundException(f"Cannot find alias arn: {ref.with_qualifier(name).qualified_arn}") from None
    return alias_answer(row)


@operation("lambda", "UpdateAlias", authorization=declaration("UpdateAlias"))
def update_alias(ctx: RequestContext, store: Store) -> Mapping[str, Any]:
    """Change the target, description or routing; every update gives the alias a new RevisionId."""
    ref = unqualified_only(function_ref(ctx))
    name, target, weights = str(ctx.params["Name"]), ctx.params.get("FunctionVersion"), _weights(ctx)
    try:
        with store.transaction() as conn:
            current = lambda_aliases.get_alias(conn, ref.account, ref.region, ref.name, name)
            _check_routing(target or current.function_version, current.routing if weights is None else weights)
            row = lambda_aliases.update_alias(
                conn, ref.account, ref.region, ref.name, name, function_version=target,
                description=ctx.params.get("Description"), routing=weights,
                expected_revision_id=ctx.params.get("RevisionId"))
    except NotFound as error:
        if error.kind in ("alias", "function"):
            raise ResourceNotFoundException(f"Alias not found: {ref.with_qualifier(name).qualified_arn}") from None
        raise _version_not_found(ref, error, str(target)) from None
    except PreconditionFailed:
        raise revision_mismatch() from None
    return alias_answer(row)


@operation("lambda", "DeleteAlias", authorization=declaration("DeleteAlias"))
def delete_alias(ctx: RequestContext, store: Store) -> None:
    """Deleting an alias that does not exist succeeds, as in AWS; a missing function does not."""
    ref = unqualified_only(function_ref(ctx))
    try:
        with store.transaction() as conn:
            lambda_aliases.delete_alias(conn, ref.account, ref.region, ref.name, str(ctx.params["Name"]))
    except NotFound:
        raise ResourceNotFoundException(f"Function not found: {ref.arn}") from None


@operation("lambda", "ListAliases", authorization=declaration("ListAliases"))
def list_aliases(ctx: RequestContext, store: Store) -> Mapping[str, Any]:
    """The function's aliases by name; with ``FunctionVersion``, those that point at it."""
    ref = unqualified_only(function_ref(ctx))
    try:
        with store.transaction(read_only=True) as conn:
            page = lambda_aliases.list_aliases(conn, ref.account, ref.region, ref.name,
                                               function_version=ctx.params.get("FunctionVersion"),
                                               marker=ctx.params.get("Marker"),
                                               max_items=page_size(ctx.params, LIST_PAGE))
    except NotFound:
        raise ResourceNotFoundException(f"Function not found: {ref.arn}") from None
    except InvalidMarker:
        raise bad_marker() from None
    return {"Aliases": [alias_answer(row) for row in page.items], "NextMarker": page.marker}
