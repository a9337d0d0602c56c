"""Lambda layers: PublishLayerVersion, GetLayerVersion, GetLayerVersionByArn, ListLayers,
ListLayerVersions, DeleteLayerVersion.

A layer version's content is a zip, taken as CreateFunction takes function code (``ZipFile``
only; S3 content gets the same sentence) and stored with it by SHA-256, so both share
GetFunction's signed ``Location`` on Lamina. Versions are numbered per layer and never reused;
DeleteLayerVersion answers 204 whether or not the version was there, as AWS's does. Another
account's layer version is read through its policy (the gate decides: ``declarations``).
"""

from __future__ import annotations

from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import Deps, operation
from lamina.store import InvalidMarker, NotFound
from lamina.store.repositories import lambda_layers

from .declarations import declaration
from .function_code import store_zip, zip_from
from .layer_refs import (
    check_compatibility,
    check_runtime_filter,
    layer_ref,
    layer_version,
    layer_version_answer,
    listed_layer_version,
    not_found,
)
from .paging import bad_marker, page_size

__all__ = ["delete_layer_version", "get_layer_version", "get_layer_version_by_arn", "list_layer_versions",
           "list_layers", "publish_layer_version"]

MAX_ITEMS = 50


@operation("lambda", "PublishLayerVersion", needs="deps", authorization=declaration("PublishLayerVersion"))
def publish_layer_version(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """A new version of the layer (created with its first version) from a zip."""
    params, ref = ctx.params, layer_ref(ctx, deps.store)
    runtimes, architectures = params.get("CompatibleRuntimes"), params.get("CompatibleArchitectures")
    check_compatibility(runtimes, architectures)
    data = zip_from(params.get("Content") or {})
    with deps.store.transaction() as conn:
        row = lambda_layers.publish_layer_version(
            conn, ref.account, ref.region, ref.name, store_zip(conn, data),
            description=str(params.get("Description") or ""),
            compatible_runtimes=None if runtimes is None else [str(r) for r in runtimes],
            compatible_architectures=None if architectures is None else [str(a) for a in architectures],
            license_info=None if params.get("LicenseInfo") is None else str(params["LicenseInfo"]))
    return layer_version_answer(row, deps.settings, deps.store.secret_box)


def _read(deps: Deps, account: str, region: str, name: str, version: int) -> dict[str, Any]:
    try:
        with deps.store.transaction(read_only=True) as conn:
            row = lambda_layers.get_layer_version(conn, account, region, name, version)
    except NotFound:
        raise not_found() from None
    return layer_version_answer(row, deps.settings, deps.store.secret_box)


@operation("lambda", "GetLayerVersion", needs="deps", authorization=declaration("GetLayerVersion"))
def get_layer_version(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """A layer version, with a link to its content."""
    ref = layer_ref(ctx, deps.store)
    return _read(deps, ref.account, ref.region, ref.name, layer_version(ctx))


@operation("lambda", "GetLayerVersionByArn", needs="deps", authorization=declaration("GetLayerVersionByArn"))
def get_layer_version_by_arn(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """The layer version a layer version ARN names (the model has checked its form)."""
    parsed = lambda_layers.parse_version_arn(str(ctx.params["Arn"]))
    if parsed is None:  # an ``awslayer`` ARN: AWS's own layers, which Lamina does not have
        raise not_found()
    account, region, name, version = parsed
    return _read(deps, account, region, name, version)


@operation("lambda", "DeleteLayerVersion", needs="deps", authorization=declaration("DeleteLayerVersion"))
def delete_layer_version(ctx: RequestContext, deps: Deps) -> None:
    """Delete a version (its policy with it); a version that is not there is no error."""
    ref, version = layer_ref(ctx, deps.store), layer_version(ctx)
    with deps.store.transaction() as conn:
        lambda_layers.delete_layer_version(conn, ref.account, ref.region, ref.name, version)


def _filters(ctx: RequestContext) -> dict[str, Any]:
    runtime = ctx.params.get("CompatibleRuntime")
    check_runtime_filter(runtime)
    return {"runtime": runtime, "architecture": ctx.params.get("CompatibleArchitecture"),
            "marker": ctx.params.get("Marker"), "max_items": page_size(ctx.params, MAX_ITEMS)}


@operation("lambda", "ListLayers", needs="deps", authorization=declaration("ListLayers"))
def list_layers(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """The account's layers in the request's region, each with its latest version that matches."""
    caller = ctx.require_caller()
    filters = _filters(ctx)
    try:
        with deps.store.transaction(read_only=True) as conn:
            page = lambda_layers.list_layers(conn, caller.account_id, ctx.region or deps.settings.region, **filters)
    except InvalidMarker:
        raise bad_marker() from None
    answer: dict[str, Any] = {"Layers": [{"LayerName": row.layer_name, "LayerArn": row.layer_arn,
                                          "LatestMatchingVersion": listed_layer_version(row)} for row in page.items]}
    if page.marker is not None:
        answer["NextMarker"] = page.marker
    return answer


@operation("lambda", "ListLayerVersions", needs="deps", authorization=declaration("ListLayerVersions"))
def list_layer_versions(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """A layer's versions, newest first (none, not an error, for a layer that does not exist)."""
    ref, filters = layer_ref(ctx, deps.store), _filters(ctx)
    try:
        with deps.store.transaction(read_only=True) as conn:
            page = lambda_layers.list_layer_versions(conn, ref.account, ref.region, ref.name, **filters)
    except InvalidMarker:
        raise bad_marker() from None
    answer: dict[str, Any] = {"LayerVersions": [listed_layer_version(row) for row in page.items]}
    if page.marker is not None:
        answer["NextMarker"] = page.marker
    return answer
