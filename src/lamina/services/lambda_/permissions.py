"""AddPermission, RemovePermission and GetPolicy: a function's resource-based policy, one
statement at a time.

AddPermission turns its parameters into the statement Lambda writes (API_AddPermission.html and
the answers AWS recorded): the principal as ``"*"``, ``{"Service": ...}`` or ``{"AWS": ...}``
with an account id widened to its root ARN, the function's (qualified) ARN as Resource, and the
optional parameters as conditions, in the order and spelling AWS shows them (``StringEquals`` with
``AWS:SourceAccount``, ``lambda:FunctionUrlAuthType``, ``aws:PrincipalOrgID`` and
``lambda:EventSourceToken``, then ``ArnLike`` with ``AWS:SourceArn``, then ``Bool`` with
``lambda:InvokedViaFunctionUrl``). Documents are shown compact, as Lambda writes them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import operation
from lamina.store import AlreadyExists, NotFound, Store
from lamina.store.errors import PreconditionFailed
from lamina.store.repositories import lambda_policies

from .declarations import declaration
from .errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceNotFoundException,
)
from .names import LATEST, FunctionRef, function_ref
from .resource_policies import (
    INVALID_PRINCIPAL,
    NO_POLICY,
    NO_RESOURCE,
    STALE_POLICY,
    check_principals,
    check_size,
    compact,
    not_found,
    policy_errors,
    policy_qualifier,
    statement_missing,
    statement_taken,
)

__all__ = ["add_permission", "get_policy", "principal_element", "remove_permission", "statement_of"]

_ACCOUNT = re.compile(r"\d{12}")
_IAM_ARN = re.compile(r"arn:aws[a-zA-Z-]*:(iam::\d{12}:(root|user/\S+|role/\S+)"
                      r"|sts::\d{12}:(assumed-role|federated-user)/\S+)")
_SERVICE = re.compile(r"[a-z0-9][a-z0-9.-]*\.amazon(aws)?\.com")


def principal_element(principal: str) -> str | dict[str, str]:
    """The ``Principal`` element AddPermission writes for its ``Principal`` parameter."""
    if principal == "*":
        return "*"
    if _ACCOUNT.fullmatch(principal):
        return {"AWS": f"arn:aws:iam::{principal}:root"}
    if _IAM_ARN.fullmatch(principal):
        return {"AWS": principal}
    if _SERVICE.fullmatch(principal):
        return {"Service": principal}
    raise InvalidParameterValueException(INVALID_PRINCIPAL)


def _conditions(params: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    equals = {key: str(params[name]) for name, key in (
        ("SourceAccount", "AWS:SourceAccount"), ("FunctionUrlAuthType", "lambda:FunctionUrlAuthType"),
        ("PrincipalOrgID", "aws:PrincipalOrgID"), ("EventSourceToken", "lambda:EventSourceToken"))
        if params.get(name)}
    found: dict[str, dict[str, str]] = {}
    if equals:
        found["StringEquals"] = equals
    if params.get("SourceArn"):
        found["ArnLike"] = {"AWS:SourceArn": str(params["SourceArn"])}
    if params.get("InvokedViaFunctionUrl"):  # AWS documents only the true form
        found["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
    return found


def statement_of(params: Mapping[str, Any], resource: str) -> dict[str, Any]:
    """The statement AddPermission adds, keys in the order GetPolicy shows them."""
    statement: dict[str, Any] = {"Sid": params["StatementId"], "Effect": "Allow",
                                 "Principal": principal_element(str(params["Principal"])),
                                 "Action": params["Action"], "Resource": resource}
    conditions = _conditions(params)
    if conditions:
        statement["Condition"] = conditions
    return statement


@operation("lambda", "AddPermission", authorization=declaration("AddPermission"))
def add_permission(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """Append one statement to the policy of the function, version or alias; not $LATEST."""
    ref = function_ref(ctx)
    qualifier = policy_qualifier(ref)
    statement = statement_of(ctx.params, ref.qualified_arn)
    sid = statement["Sid"]
    try:
        with store.transaction() as conn, policy_errors(ref):
            check_principals(conn, json.dumps({"Statement": [statement]}))
            row = lambda_policies.add_statement(conn, ref.account, ref.region, ref.name, qualifier, statement,
                                                expected_revision_id=ctx.params.get("RevisionId"))
            check_size(row.document)
    except AlreadyExists:
        raise statement_taken(sid) from None
    return {"Statement": json.dumps(statement, separators=(",", ":"))}


@operation("lambda", "RemovePermission", authorization=declaration("RemovePermission"))
def remove_permission(ctx: RequestContext, store: Store) -> None:
    """Remove one statement; the policy goes when its last statement does."""
    ref = function_ref(ctx)
    qualifier = policy_qualifier(ref)
    sid = str(ctx.params["StatementId"])
    try:
        with store.transaction() as conn:
            lambda_policies.remove_statement(conn, ref.account, ref.region, ref.name, qualifier, sid,
                                             expected_revision_id=ctx.params.get("RevisionId"))
    except NotFound as error:
        raise _removal_not_found(ref, sid, error) from None
    except PreconditionFailed:
        raise PreconditionFailedException(STALE_POLICY) from None


def _removal_not_found(ref: FunctionRef, sid: str, error: NotFound) -> ServiceError:
    """RemovePermission words its misses its own way (AWS's recorded answers)."""
    if error.kind == "policy statement":
        return statement_missing(sid)
    if error.kind == "function policy":
        return ResourceNotFoundException(NO_POLICY)
    if error.kind == "function":
        return ResourceNotFoundException(f"No policy found for: {ref.qualified_arn}")
    return not_found(ref, error)


@operation("lambda", "GetPolicy", authorization=declaration("GetPolicy"))
def get_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The whole policy, compact, with principals deleted since it was written shown as their old
    unique ids; ``$LATEST`` reads the function's own policy."""
    ref = function_ref(ctx)
    qualifier = "" if ref.qualifier in (None, LATEST) else str(ref.qualifier)
    try:
        with store.transaction(read_only=True) as conn:
            row = lambda_policies.get_policy(conn, ref.account, ref.region, ref.name, qualifier)
            shown = lambda_policies.as_read(conn, row)
    except NotFound:
        raise ResourceNotFoundException(NO_RESOURCE) from None
    return {"Policy": compact(shown), "RevisionId": row.revision_id}

