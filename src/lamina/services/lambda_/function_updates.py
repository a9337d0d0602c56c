"""Changing $LATEST: UpdateFunctionCode and UpdateFunctionConfiguration.

Both read $LATEST, check the change (and, for a new role, ``iam:PassRole`` and the role's trust,
outside any transaction: the gate reads the store itself), then write it only if $LATEST is still
the revision read. A caller's ``RevisionId`` that is not the current one is AWS's
PreconditionFailedException; a change that raced another caller's is the ResourceConflict AWS
answers while an update is in progress.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import Deps, operation
from lamina.store import NotFound, PreconditionFailed
from lamina.store.repositories import LATEST, VersionRow, lambda_functions, lambda_versions, sha256_base64

from .declarations import declaration
from .errors import InvalidParameterValueException, PreconditionFailedException, ResourceConflictException
from .execution_role import check_execution_role
from .function_code import NO_OBJECT_STORAGE, check_zip, store_zip
from .function_config import apply_updates, configuration
from .function_layers import with_layers
from .functions import ACTIVE, CREATING, finish, not_found, read_version
from .names import FunctionRef, function_ref, unqualified_only

__all__ = ["update_function_code", "update_function_configuration"]

UPDATING = {"LastUpdateStatus": "InProgress", "LastUpdateStatusReason": "The function is being created.",
            "LastUpdateStatusReasonCode": "Creating"}
"""What AWS's update answers say while it applies the change (Lamina has applied it already)."""
STALE_REVISION = ("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias "
                  "API to retrieve the latest Revision Id")


def _zip_of(params: Mapping[str, Any]) -> bytes:
    if params.get("ImageUri") is not None:
        raise InvalidParameterValueException("Please don't provide ImageUri when updating a function with "
                                             "packageType Zip.")
    if params.get("S3Bucket") is not None or params.get("S3Key") is not None:
        raise InvalidParameterValueException(NO_OBJECT_STORAGE)
    if params.get("ZipFile") is None:
        raise InvalidParameterValueException("Please provide a source for function code.")
    return check_zip(bytes(params["ZipFile"]))


def _write(deps: Deps, ref: FunctionRef, read: VersionRow, expected: str | None, publish: bool,
           **changes: Any) -> VersionRow:
    """$LATEST updated (and published, if asked) if it is still the revision ``read``."""
    try:
        with deps.store.transaction() as conn:
            if "zip" in changes:
                changes["code_sha256"] = store_zip(conn, changes.pop("zip"))
            updated = lambda_functions.update_function(conn, ref.account, ref.region, ref.name, status=ACTIVE,
                                                       expected_revision_id=expected or read.revision_id,
                                                       **changes)
            finish(conn, ref)
            written = lambda_versions.publish_version(conn, ref.account, ref.region, ref.name) if publish else updated
    except NotFound:
        raise not_found(ref) from None
    except PreconditionFailed:
        if expected is not None:
            raise PreconditionFailedException(STALE_REVISION) from None
        raise ResourceConflictException(f"The operation cannot be performed at this time. An update is in "
                                        f"progress for resource: {ref.arn}") from None
    if deps.invoker is not None:  # $LATEST's warm environments run the old revision: stop them now
        deps.invoker.retire(ref.arn, LATEST)
    return written


def _answer(version: VersionRow) -> dict[str, Any]:
    """$LATEST as AWS answers an update (InProgress); with ``Publish``, the new version as AWS answers
    it: still being created, with no update status (recorded: test_publish_with_update)."""
    if version.is_latest:
        return {**configuration(version), **UPDATING}
    answer = {key: value for key, value in configuration(version, qualified=True).items()
              if not key.startswith("LastUpdateStatus")}
    return {**answer, **CREATING}


def _check_revision(read: VersionRow, expected: str | None) -> None:
    if expected is not None and expected != read.revision_id:
        raise PreconditionFailedException(STALE_REVISION)


@operation("lambda", "UpdateFunctionCode", needs="deps", authorization=declaration("UpdateFunctionCode"))
def update_function_code(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """New code for $LATEST (a zip), optionally published; DryRun checks without changing anything."""
    params, ref = ctx.params, unqualified_only(function_ref(ctx))
    data = _zip_of(params)
    read = read_version(deps, ref)
    expected = params.get("RevisionId")
    _check_revision(read, expected)
    config = dict(read.config)
    if params.get("Architectures") is not None:
        config["Architectures"] = list(params["Architectures"])
    if params.get("DryRun"):
        return {**configuration(read), **config, "CodeSha256": sha256_base64(hashlib.sha256(data).hexdigest()),
                "CodeSize": len(data)}
    return _answer(_write(deps, ref, read, expected, bool(params.get("Publish")), zip=data, config=config))


@operation("lambda", "UpdateFunctionConfiguration", needs="deps",
           authorization=declaration("UpdateFunctionConfiguration"))
def update_function_configuration(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """Change any configurable member of $LATEST; a new role is passed (iam:PassRole) and must trust Lambda;
    the layers named are checked and used (lambda:GetLayerVersion)."""
    params, ref = ctx.params, unqualified_only(function_ref(ctx))
    read = read_version(deps, ref)
    expected = params.get("RevisionId")
    _check_revision(read, expected)
    config = apply_updates(read.config, params, ref.name)
    if params.get("Role") is not None and params["Role"] != read.config.get("Role"):
        check_execution_role(ctx, deps, str(params["Role"]), ref.arn)
    config = with_layers(ctx, deps, config, ref.region)
    return _answer(_write(deps, ref, read, expected, False, config=config))

