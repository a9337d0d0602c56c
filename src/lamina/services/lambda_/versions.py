"""PublishVersion and ListVersionsByFunction: immutable snapshots of $LATEST, numbered 1, 2, …

The store decides whether anything changed since the last version (publishing an unchanged
$LATEST returns that version, as AWS does) and checks the ``CodeSha256`` and ``RevisionId``
preconditions; this module words AWS's answers and renders each version as AWS lists it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import operation
from lamina.store import InvalidMarker, NotFound, PreconditionFailed, Store
from lamina.store.repositories import Status, VersionRow, lambda_versions

from .declarations import function_authorization
from .errors import InvalidParameterValueException, PreconditionFailedException, ResourceNotFoundException
from .names import FunctionRef, function_ref, unqualified_only
from .paging import bad_marker, page_size

__all__ = ["configuration", "list_versions_by_function", "publish_version", "revision_mismatch"]

LIST_PAGE = 50
"""AWS: "ListVersionsByFunction returns a maximum of 50 items in each response"."""
PUBLISHED = Status(state="Active", last_update_status="Successful")
"""A new version is ready at once: Lamina has nothing to prepare (AWS answers Active too)."""
DETAIL_ONLY = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
               "LastUpdateStatusReasonCode", "RuntimeVersionConfig")
"""Fields AWS leaves out of listed versions ("use GetFunction" for them)."""


def last_modified(at: datetime) -> str:
    """Lambda's ``LastModified``: ``2019-05-25T00:56:33.604+0000``."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"


def configuration(row: VersionRow, *, listed: bool = False) -> dict[str, Any]:
    """A version's ``FunctionConfiguration``: the stored configuration plus the facts the store keeps."""
    ref = FunctionRef(row.account_id, row.region, row.function_name)
    status = {"State": row.status.state, "StateReason": row.status.state_reason,
              "StateReasonCode": row.status.state_reason_code, "LastUpdateStatus": row.status.last_update_status,
              "LastUpdateStatusReason": row.status.last_update_status_reason,
              "LastUpdateStatusReasonCode": row.status.last_update_status_reason_code}
    found: dict[str, Any] = {**row.config, **{k: v for k, v in status.items() if v is not None},
                             "FunctionName": row.function_name, "FunctionArn": f"{ref.arn}:{row.version}",
                             "Version": row.version, "CodeSha256": row.code_sha256, "CodeSize": row.code_size,
                             "RevisionId": row.revision_id, "LastModified": last_modified(row.last_modified)}
    if listed:
        for name in DETAIL_ONLY:
            found.pop(name, None)
    return found


def revision_mismatch() -> ServiceError:
    return PreconditionFailedException("The Revision Id provided does not match the latest Revision Id. "
                                       "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")


def _precondition(error: PreconditionFailed) -> ServiceError:
    if error.condition == "code_sha256":
        return InvalidParameterValueException(
            f"CodeSHA256 ({error.expected}) is different from current CodeSHA256 in $LATEST ({error.actual}). "
            "Please try again with the CodeSHA256 in $LATEST.")
    return revision_mismatch()


def _not_found(ref: FunctionRef) -> ServiceError:
    return ResourceNotFoundException(f"Function not found: {ref.arn}")


@operation("lambda", "PublishVersion", authorization=function_authorization("PublishVersion"))
def publish_version(ctx: RequestContext, store: Store) -> Mapping[str, Any]:
    """A new version from $LATEST, or the last one when $LATEST has not changed since."""
    ref = unqualified_only(function_ref(ctx))
    try:
        with store.transaction() as conn:
            row = lambda_versions.publish_version(
                conn, ref.account, ref.region, ref.name, description=ctx.params.get("Description"),
                expected_code_sha256=ctx.params.get("CodeSha256"), expected_revision_id=ctx.params.get("RevisionId"),
                status=PUBLISHED)
    except NotFound:
        raise _not_found(ref) from None
    except PreconditionFailed as error:
        raise _precondition(error) from None
    return configuration(row)


@operation("lambda", "ListVersionsByFunction", authorization=function_authorization("ListVersionsByFunction"))
def list_versions_by_function(ctx: RequestContext, store: Store) -> Mapping[str, Any]:
    """$LATEST, then every published version in order, 50 at most per page."""
    ref = unqualified_only(function_ref(ctx))
    try:
        with store.transaction(read_only=True) as conn:
            page = lambda_versions.list_versions(conn, ref.account, ref.region, ref.name,
                                                 marker=ctx.params.get("Marker"),
                                                 max_items=page_size(ctx.params, LIST_PAGE))
    except NotFound:
        raise _not_found(ref) from None
    except InvalidMarker:
        raise bad_marker() from None
    return {"Versions": [configuration(row, listed=True) for row in page.items], "NextMarker": page.marker}

