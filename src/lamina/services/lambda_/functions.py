"""The function control plane: CreateFunction, GetFunction, GetFunctionConfiguration, DeleteFunction, ListFunctions.

Lamina creates a function synchronously: its code is stored and its configuration checked before
the answer, so the function is Active at once. The create answer still says ``Pending`` (and an
update's ``InProgress``) as AWS's does, and the next read says ``Active``/``Successful``, which
is what boto3's ``function_active_v2`` and ``function_updated_v2`` waiters wait for.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from lamina.context import RequestContext
from lamina.protocols import ServiceError, serializer_for
from lamina.protocols.rest_json import Encoded, RestJsonSerializer
from lamina.services.registry import Deps, operation
from lamina.store import AlreadyExists, Connection, DeleteConflict, InvalidMarker, LimitExceeded, NotFound
from lamina.store.repositories import (
    LATEST,
    FunctionRow,
    Status,
    VersionRow,
    lambda_functions,
    lambda_versions,
    tags,
    version_number,
)

from .declarations import declaration
from .errors import InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException
from .execution_role import check_execution_role
from .function_code import code_location, store_zip, zip_from
from .function_config import configuration, listed_configuration, new_configuration
from .function_layers import with_layers
from .names import FunctionRef, function_ref
from .tags import too_many_tags


def _lambda_json() -> RestJsonSerializer:
    """Lambda's serializer, for answers written once and served many times (GetFunction's configuration)."""
    return cast(RestJsonSerializer, serializer_for("lambda"))

__all__ = ["create_function", "delete_function", "finish", "get_function", "get_function_configuration",
           "list_functions"]

ACTIVE = Status(state="Active", last_update_status="Successful")
"""A version Lamina has finished creating or updating (it always has, by the time it answers)."""
CREATING = {"State": "Pending", "StateReason": "The function is being created.", "StateReasonCode": "Creating"}
"""What AWS's CreateFunction answers while it sets the function up."""
DEFAULT_MAX_ITEMS = 50
NAME_MAX = 64
"""A function name's length; the model allows 140 because FunctionName may be an ARN."""


def not_found(ref: FunctionRef) -> ServiceError:
    """AWS's 404 for a function, version or alias that is not there: the ARN as the request named it."""
    return ResourceNotFoundException(f"Function not found: {ref.qualified_arn}")


def finish(conn: Connection, ref: FunctionRef) -> None:
    """$LATEST has become Active (or its update Successful): on AWS that is a revision of its own, so
    the RevisionId a CreateFunction or update answered with is no longer the current one by the next
    read (recorded: test_function_revisions_basic, test_function_lifecycle)."""
    lambda_functions.set_status(conn, ref.account, ref.region, ref.name, LATEST, ACTIVE)


def read_version(deps: Deps, ref: FunctionRef) -> VersionRow:
    """The version ``ref`` names ($LATEST when unqualified), or AWS's 404."""
    try:
        with deps.store.transaction(read_only=True) as conn:
            return lambda_functions.get_version(conn, ref.account, ref.region, ref.name, ref.qualifier or LATEST)
    except NotFound:
        raise not_found(ref) from None


def answered_as(version: VersionRow, ref: FunctionRef) -> dict[str, Any]:
    """The configuration with the ARN the request used: qualified exactly when the request was."""
    answer = configuration(version, qualified=False)
    if ref.qualifier is not None:
        answer["FunctionArn"] = ref.qualified_arn
    return answer


@operation("lambda", "CreateFunction", needs="deps",
           authorization=declaration("CreateFunction"))
def create_function(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """A new function from a zip: checks first (configuration, code, role, layers), then one transaction."""
    params, ref = ctx.params, function_ref(ctx)
    if ref.qualifier is not None:
        raise InvalidParameterValueException("Unsupported function name: a function is created without a "
                                             "version or alias qualifier.")
    if len(ref.name) > NAME_MAX:
        raise InvalidParameterValueException(
            f"1 validation error detected: Value '{ref.name}' at 'functionName' failed to satisfy constraint: "
            f"Member must have length less than or equal to {NAME_MAX}")
    config = new_configuration(params, ref.name)
    data = zip_from(params.get("Code") or {}, config["PackageType"])
    check_execution_role(ctx, deps, str(params["Role"]), ref.arn)
    config = with_layers(ctx, deps, config, ref.region)
    try:
        with deps.store.transaction() as conn:
            latest = lambda_functions.create_function(
                conn, ref.account, ref.region, ref.name, config, store_zip(conn, data), status=ACTIVE,
                tags_to_add={str(k): str(v) for k, v in (params.get("Tags") or {}).items()})
            finish(conn, ref)
            version = (lambda_versions.publish_version(conn, ref.account, ref.region, ref.name)
                       if params.get("Publish") else latest)
    except AlreadyExists:
        raise ResourceConflictException(f"Function already exist: {ref.name}") from None
    except LimitExceeded:
        raise too_many_tags() from None
    answer = configuration(version, qualified=False)
    answer.pop("LastUpdateStatus", None)
    # The answer is the function as created, with Version "1" when published: its RevisionId is the
    # creation's, which neither $LATEST nor version 1 keeps (AWS recorded: test_list_functions).
    return {**answer, **CREATING, "RevisionId": latest.revision_id}


@operation("lambda", "GetFunction", needs="deps", authorization=declaration("GetFunction"))
def get_function(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """The configuration, a link to the code, the function's tags and its reserved concurrency."""
    ref = function_ref(ctx)
    key = ("lambda-get-function", ref.account, ref.region, ref.qualified_arn)
    version, config, found, function = deps.store.cached(key, lambda: _function_view(deps, ref))
    answer: dict[str, Any] = {
        "Configuration": config,
        "Code": _code_member(code_location(deps.settings, deps.store.secret_box, version.code_sha256_hex)),
    }
    if found:
        answer["Tags"] = found
    if function.reserved_concurrency is not None:
        answer["Concurrency"] = {"ReservedConcurrentExecutions": function.reserved_concurrency}
    return answer


@functools.lru_cache(maxsize=256)
def _code_member(location: str) -> Encoded:
    """GetFunction's ``Code``, written as JSON once per URL: the URL of a code changes once a second."""
    return _lambda_json().encode("GetFunction", "Code", {"RepositoryType": "S3", "Location": location})


def _function_view(deps: Deps, ref: FunctionRef) -> tuple[VersionRow, Encoded, dict[str, str], FunctionRow]:
    """What GetFunction shows, read in one transaction, with the configuration (its ``FunctionArn`` as
    the request names the function) written as JSON once. Memoised by the store's read cache, which
    any write of this node clears and which expires after a second for other nodes' writes."""
    try:
        with deps.store.transaction(read_only=True) as conn:
            version = lambda_functions.get_version(conn, ref.account, ref.region, ref.name, ref.qualifier or LATEST)
            found = tags.all_tags(conn, lambda_functions.TAG_KIND, version.function_id)
            function = lambda_functions.get_function_by_id(conn, version.function_id)
    except NotFound:
        raise not_found(ref) from None
    config = configuration(version, qualified=False)
    if ref.qualifier is not None:
        config["FunctionArn"] = ref.qualified_arn
    return version, _lambda_json().encode("GetFunction", "Configuration", config), found, function


@operation("lambda", "GetFunctionConfiguration", needs="deps",
           authorization=declaration("GetFunctionConfiguration"))
def get_function_configuration(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """The configuration of $LATEST, a version, or the version an alias points at."""
    ref = function_ref(ctx)
    return answered_as(read_version(deps, ref), ref)


@operation("lambda", "DeleteFunction", needs="deps", authorization=declaration("DeleteFunction"))
def delete_function(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """Unqualified: the function and everything it has. A version number: that version only, and
    nothing when the function has no such version (AWS answers 204 again and again, as LocalStack's
    AWS-validated test_delete_on_nonexisting_version shows); a missing function is a 404 with its
    unqualified ARN."""
    ref = function_ref(ctx)
    if ref.qualifier == LATEST:
        raise InvalidParameterValueException("$LATEST version cannot be deleted without deleting the function.")
    number = None if ref.qualifier is None else version_number(ref.qualifier)
    if ref.qualifier is not None and number is None:
        _require_function(deps, ref)
        raise InvalidParameterValueException("Deletion of aliases is not currently supported.")
    try:
        with deps.store.transaction() as conn:
            if number is None:
                lambda_functions.delete_function(conn, ref.account, ref.region, ref.name)
            else:
                lambda_versions.delete_version(conn, ref.account, ref.region, ref.name, number)
    except NotFound as missing:
        if missing.kind == "function version":
            return {"StatusCode": 204}  # AWS deletes a version that is not there without complaint
        raise not_found(ref.with_qualifier(None)) from None
    except DeleteConflict as conflict:
        raise ResourceConflictException(
            f"Unable to delete version because the following aliases reference it: "
            f"[{', '.join(conflict.dependents)}]") from None
    if deps.invoker is not None:  # its warm environments have nothing left to run
        deps.invoker.retire(ref.arn, None if number is None else str(number))
    return {"StatusCode": 204}


def _require_function(deps: Deps, ref: FunctionRef) -> None:
    """AWS's 404 (with the unqualified ARN) when the function itself is missing: DeleteFunction says
    so before it refuses an alias qualifier (test_function_name_and_qualifier_validation, 2025)."""
    try:
        with deps.store.transaction(read_only=True) as conn:
            lambda_functions.get_function(conn, ref.account, ref.region, ref.name)
    except NotFound:
        raise not_found(ref.with_qualifier(None)) from None


@operation("lambda", "ListFunctions", needs="deps", authorization=declaration("ListFunctions"))
def list_functions(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """$LATEST of each function by name, or every version with FunctionVersion=ALL; paged."""
    params, caller = ctx.params, ctx.require_caller()
    all_versions = params.get("FunctionVersion") == "ALL"
    if params.get("MasterRegion") is not None and not all_versions:
        raise InvalidParameterValueException("Specify FunctionVersion=ALL when you list functions with "
                                             "MasterRegion.")
    where = (caller.account_id, ctx.region or deps.settings.region, all_versions)
    marker, max_items = params.get("Marker"), int(params.get("MaxItems") or DEFAULT_MAX_ITEMS)
    if marker is None and max_items <= DEFAULT_MAX_ITEMS:  # a first page: memoised, one per size
        key = ("lambda-list-functions", *where, max_items)
        listed, marker = deps.store.cached(key, lambda: _listed_page(deps, *where, None, max_items))
    else:
        listed, marker = _listed_page(deps, *where, marker, max_items)
    answer: dict[str, Any] = {"Functions": list(listed)}
    if marker is not None:
        answer["NextMarker"] = marker
    return answer


def _listed_page(deps: Deps, account: str, region: str, all_versions: bool, marker: str | None,
                 max_items: int) -> tuple[tuple[dict[str, Any], ...], str | None]:
    """One page of ListFunctions' entries and the marker of the next. The first page of each size
    (at most the default 50) is memoised in the store's read cache, as GetFunction's view is:
    cleared by any write of this node, expired within a second of another node's; callers copy
    the tuple and change no entry."""
    try:
        with deps.store.transaction(read_only=True) as conn:
            page = lambda_functions.list_functions(conn, account, region, all_versions=all_versions, marker=marker,
                                                   max_items=max_items)
    except InvalidMarker:
        raise InvalidParameterValueException("Invalid marker: the Marker is not one ListFunctions gave.") from None
    return tuple(listed_configuration(v, all_versions=all_versions) for v in page.items), page.marker
