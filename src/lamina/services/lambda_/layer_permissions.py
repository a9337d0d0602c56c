"""AddLayerVersionPermission, RemoveLayerVersionPermission and GetLayerVersionPolicy: a layer
version's resource-based policy, which lets other accounts use it (``lambda:GetLayerVersion``).

The statement is the one AWS writes (API_AddLayerVersionPermission.html and its recorded
answers): ``Principal`` ``"*"`` or an account (its root ARN), Action ``lambda:GetLayerVersion``
(the model allows no other), the layer version ARN as Resource, and ``aws:PrincipalOrgID`` as a
``StringEquals`` condition when an ``OrganizationId`` is given. The gate evaluates this policy for
GetLayerVersion from another account and for a function that names the layer version.
"""

from __future__ import annotations

import json
from typing import Any

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import operation
from lamina.store import AlreadyExists, NotFound, PreconditionFailed, Store
from lamina.store.repositories import lambda_layer_policies

from .declarations import declaration
from .errors import PreconditionFailedException, ResourceNotFoundException
from .layer_refs import LayerRef, layer_ref, layer_version, no_such_version
from .permissions import principal_element
from .resource_policies import NO_POLICY, check_size, compact, statement_missing, statement_taken

__all__ = ["add_layer_version_permission", "get_layer_version_policy", "layer_statement",
           "remove_layer_version_permission"]

STALE = ("The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the "
         "latest Revision Id")


def layer_statement(params: dict[str, Any], resource: str) -> dict[str, Any]:
    """The statement AddLayerVersionPermission adds, keys in the order AWS shows them."""
    statement: dict[str, Any] = {"Sid": params["StatementId"], "Effect": "Allow",
                                 "Principal": principal_element(str(params["Principal"])),
                                 "Action": params["Action"], "Resource": resource}
    if params.get("OrganizationId"):
        statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": str(params["OrganizationId"])}}
    return statement


def _missing(ref: LayerRef, version: int, sid: str, error: NotFound) -> ServiceError:
    if error.kind == "policy statement":
        return statement_missing(sid)
    if error.kind == "layer version policy":
        return ResourceNotFoundException(NO_POLICY)
    return no_such_version(ref.version_arn(version))


@operation("lambda", "AddLayerVersionPermission", authorization=declaration("AddLayerVersionPermission"))
def add_layer_version_permission(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """Append one statement to the layer version's policy."""
    ref, version = layer_ref(ctx, store), layer_version(ctx)
    statement = layer_statement(ctx.params, ref.version_arn(version))
    sid = str(statement["Sid"])
    try:
        with store.transaction() as conn:
            row = lambda_layer_policies.add_statement(conn, ref.account, ref.region, ref.name, version, statement,
                                                      expected_revision_id=ctx.params.get("RevisionId"))
            check_size(row.document)
    except NotFound as error:
        raise _missing(ref, version, sid, error) from None
    except PreconditionFailed:
        raise PreconditionFailedException(STALE) from None
    except AlreadyExists:
        raise statement_taken(sid) from None
    return {"Statement": json.dumps(statement, separators=(",", ":")), "RevisionId": row.revision_id}


@operation("lambda", "RemoveLayerVersionPermission", authorization=declaration("RemoveLayerVersionPermission"))
def remove_layer_version_permission(ctx: RequestContext, store: Store) -> None:
    """Remove one statement; the policy goes with its last statement."""
    ref, version = layer_ref(ctx, store), layer_version(ctx)
    sid = str(ctx.params["StatementId"])
    try:
        with store.transaction() as conn:
            lambda_layer_policies.remove_statement(conn, ref.account, ref.region, ref.name, version, sid,
                                                   expected_revision_id=ctx.params.get("RevisionId"))
    except NotFound as error:
        raise _missing(ref, version, sid, error) from None
    except PreconditionFailed:
        raise PreconditionFailedException(STALE) from None


@operation("lambda", "GetLayerVersionPolicy", authorization=declaration("GetLayerVersionPolicy"))
def get_layer_version_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The whole policy, compact, as Lambda writes it."""
    ref, version = layer_ref(ctx, store), layer_version(ctx)
    try:
        with store.transaction(read_only=True) as conn:
            row = lambda_layer_policies.get_policy(conn, ref.account, ref.region, ref.name, version)
            shown = lambda_layer_policies.as_read(conn, row)
    except NotFound as error:
        raise _missing(ref, version, "", error) from None
    return {"Policy": compact(shown), "RevisionId": row.revision_id}
