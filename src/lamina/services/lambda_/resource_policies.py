"""PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy (API version 2026-07-09): a
function's resource-based policy as one whole document, and the rules every policy write shares.

A document put whole replaces the statements AddPermission wrote (AWS: "the new policy overwrites
those permissions"), may hold Deny statements and any condition keys, and is checked by the same
parser the gate evaluates it with, so a stored policy can never be one the gate cannot read. Its
IAM users and roles are bound to their unique ids when it is written, as AddPermission's are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lamina.catalog import default_catalog
from lamina.context import RequestContext
from lamina.policy import FindingType, PolicyKind, validate_policy
from lamina.protocols import ServiceError
from lamina.services.registry import operation
from lamina.store import Connection, NotFound, Store
from lamina.store.errors import PreconditionFailed
from lamina.store.repositories import lambda_policies, named_principals

from .declarations import declaration
from .errors import (
    InvalidParameterValueException,
    PolicyLengthExceededException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from .names import LATEST, FunctionRef, function_ref

__all__ = ["POLICY_SIZE_LIMIT", "compact", "delete_resource_policy", "get_resource_policy", "policy_qualifier",
           "put_resource_policy", "statement_missing", "statement_taken"]

_ALIAS_NAME = re.compile(r"[a-zA-Z0-9-_]+")
"""The characters of an alias name (the model's Alias pattern)."""
POLICY_SIZE_LIMIT = 20480
"""A function's resource-based policy quota (Lambda quotas: 20 KB), counted on the stored JSON."""
INVALID_PRINCIPAL = "The provided principal was invalid. Please check the principal and try again."
NO_RESOURCE = "The resource you requested does not exist."
NO_POLICY = "No policy is associated with the given resource."
STALE_POLICY = ("The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve "
                "the latest Revision Id")


def statement_taken(sid: str) -> ServiceError:
    """AddPermission's and AddLayerVersionPermission's 409 for a statement id in use."""
    return ResourceConflictException(f"The statement id ({sid}) provided already exists. Please provide a new "
                                     "statement id, or remove the existing statement.")


def statement_missing(sid: str) -> ServiceError:
    """RemovePermission's and RemoveLayerVersionPermission's 404 for a statement that is not there."""
    return ResourceNotFoundException(f"Statement {sid} is not found in resource policy.")


def compact(document: str) -> str:
    """JSON as Lambda writes it: no whitespace between tokens, keys in their written order."""
    return json.dumps(json.loads(document), separators=(",", ":"))


def policy_qualifier(ref: FunctionRef) -> str:
    """The store's qualifier of the policy ``ref`` names: '' for the function, else the version or alias."""
    if ref.qualifier == LATEST:
        raise InvalidParameterValueException("We currently do not support adding policies for $LATEST.")
    return ref.qualifier or ""


def check_size(document: str) -> None:
    """PolicyLengthExceededException, in AWS's words, for a policy past its quota."""
    size = len(compact(document))
    if size > POLICY_SIZE_LIMIT:
        raise PolicyLengthExceededException(
            f"The final policy size ({size}) is bigger than the limit ({POLICY_SIZE_LIMIT}).")


def check_principals(conn: Connection, document: str) -> None:
    """AWS refuses a policy naming a user or role of a hosted account that does not exist."""
    if named_principals.unresolved(conn, document):
        raise InvalidParameterValueException(INVALID_PRINCIPAL)


@contextmanager
def policy_errors(ref: FunctionRef) -> Iterator[None]:
    """The store's NotFound and PreconditionFailed as Lambda answers them for a policy write."""
    try:
        yield
    except NotFound as error:
        raise not_found(ref, error) from None
    except PreconditionFailed:
        raise PreconditionFailedException(STALE_POLICY) from None


def not_found(ref: FunctionRef, error: NotFound) -> ServiceError:
    """What Lambda says when the function, its version or its alias is missing: a qualifier that
    cannot be an alias's name (``valid-with-$-but-doesnotexist``) is a function not found, as AWS
    recorded (test_permission_exceptions, add_permission_fn_qualifier_valid_doesnotexist)."""
    if error.kind == "alias" and _ALIAS_NAME.fullmatch(ref.qualifier or ""):
        return ResourceNotFoundException(f"Cannot find alias arn: {ref.qualified_arn}")
    if error.kind in ("function", "function version", "alias"):
        return ResourceNotFoundException(f"Function not found: {ref.qualified_arn}")
    return ResourceNotFoundException(NO_RESOURCE)


def validate(document: str) -> None:
    """InvalidParameterValueException for a document the policy language refuses: the parser's
    finding (AWS's MalformedPolicyDocument wording) or the validator's first error."""
    findings = validate_policy(document, PolicyKind.RESOURCE, default_catalog())
    errors = [finding for finding in findings if finding.type is FindingType.ERROR]
    if errors:
        raise InvalidParameterValueException(f"The policy document is malformed: {errors[0].message}")


def _ref(ctx: RequestContext) -> FunctionRef:
    """The function ``ResourceArn`` names; the model also admits ``runtime/…`` resources, which Lamina
    does not host."""
    if str(ctx.params["ResourceArn"]).split(":")[5:6] != ["function"]:
        raise ResourceNotFoundException(NO_RESOURCE)
    return function_ref(ctx, member="ResourceArn")


@operation("lambda", "PutResourcePolicy", authorization=declaration("PutResourcePolicy"))
def put_resource_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """Replace the whole policy of the function, version or alias ``ResourceArn`` names."""
    ref, document = _ref(ctx), str(ctx.params["Policy"])
    qualifier = policy_qualifier(ref)
    validate(document)
    check_size(document)
    with store.transaction() as conn, policy_errors(ref):
        check_principals(conn, document)
        row = lambda_policies.put_policy(conn, ref.account, ref.region, ref.name, qualifier, document,
                                         expected_revision_id=ctx.params.get("RevisionId"))
        shown = lambda_policies.as_read(conn, row)
    return {"Policy": shown, "RevisionId": row.revision_id}


@operation("lambda", "GetResourcePolicy", authorization=declaration("GetResourcePolicy"))
def get_resource_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The policy as written (AddPermission's statements or a document put whole), with deleted
    principals shown as their old unique ids."""
    ref = _ref(ctx)
    qualifier = "" if ref.qualifier in (None, LATEST) else str(ref.qualifier)
    try:
        with store.transaction(read_only=True) as conn:
            row = lambda_policies.get_policy(conn, ref.account, ref.region, ref.name, qualifier)
            shown = lambda_policies.as_read(conn, row)
    except NotFound as error:
        raise not_found(ref, error) from None
    return {"Policy": shown, "RevisionId": row.revision_id}


@operation("lambda", "DeleteResourcePolicy", authorization=declaration("DeleteResourcePolicy"))
def delete_resource_policy(ctx: RequestContext, store: Store) -> None:
    """Delete the whole policy; ResourceNotFound when there is none."""
    ref = _ref(ctx)
    qualifier = policy_qualifier(ref)
    with store.transaction() as conn, policy_errors(ref):
        lambda_policies.delete_policy(conn, ref.account, ref.region, ref.name, qualifier,
                                      expected_revision_id=ctx.params.get("RevisionId"))
