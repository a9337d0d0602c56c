"""PublishVersion and ListVersionsByFunction: immutable snapshots of $LATEST, numbered 1, 2, …

The store decides whether anything changed since the last version (publishing an unchanged
$LATEST returns that version, as AWS does) and checks the ``CodeSha256`` and ``RevisionId``
preconditions; this module words AWS's answers, and ``function_config`` renders the versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import operation
from lamina.store import InvalidMarker, NotFound, PreconditionFailed, Store
from lamina.store.repositories import Status, lambda_versions

from .declarations import declaration
from .errors import InvalidParameterValueException, PreconditionFailedException, ResourceNotFoundException
from .function_config import configuration, listed_configuration
from .names import FunctionRef, function_ref, unqualified_only
from .paging import bad_marker, page_size

__all__ = ["list_versions_by_function", "publish_version", "revision_mismatch"]

LIST_PAGE = 50
"""AWS: "ListVersionsByFunction returns a maximum of 50 items in each response"."""
PUBLISHED = Status(state="Active", last_update_status="Successful")
"""A new version is ready at once: Lamina has nothing to prepare (AWS answers Active too)."""


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


@operation("lambda", "PublishVersion", authorization=declaration("PublishVersion"))
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


@operation("lambda", "ListVersionsByFunction", authorization=declaration("ListVersionsByFunction"))
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
    return {"Versions": [listed_configuration(row, all_versions=True) for row in page.items], "NextMarker": page.marker}

