"""The execution role a function is given: the caller may pass it, and Lambda may assume it.

AWS checks two things when CreateFunction (or UpdateFunctionConfiguration) names a role: that the
caller is allowed ``iam:PassRole`` on it for ``lambda.amazonaws.com`` (a secondary check through
the one gate, with AWS's AccessDenied sentence), and that the role exists and its trust policy
lets the Lambda service assume it. The second is decided by the policy engine, with the trust
policy as the resource policy and the service as the principal.
"""

from __future__ import annotations

import re

from lamina.context import RequestContext
from lamina.policy import MalformedPolicyDocument, PolicyKind, PolicySet, Principal, Request, evaluate, parse_policy
from lamina.protocols import ServiceError
from lamina.services.registry import Deps
from lamina.store import NotFound
from lamina.store.repositories import roles

from .errors import InvalidParameterValueException

__all__ = ["LAMBDA_SERVICE", "check_execution_role", "lambda_error"]

LAMBDA_SERVICE = "lambda.amazonaws.com"
CANNOT_ASSUME = "The role defined for the function cannot be assumed by Lambda."
_ROLE_ARN = re.compile(r"arn:[^:]+:iam::(\d{12}):role(/(?:.*/)?)?([^/]+)")


def lambda_error(error: ServiceError) -> ServiceError:
    """A gate denial in Lambda's words: ``AccessDeniedException`` (REST-JSON), same sentence."""
    if error.code == "AccessDenied":
        return ServiceError("AccessDeniedException", error.message, 403, True)
    return error


def check_execution_role(ctx: RequestContext, deps: Deps, role_arn: str, function_arn: str) -> None:
    """PassRole first (AccessDeniedException), then the role's trust in Lambda (InvalidParameterValue)."""
    context = {"iam:PassedToService": LAMBDA_SERVICE, "iam:AssociatedResourceArn": function_arn}
    try:
        deps.gate.check(ctx, "iam:PassRole", role_arn, context)
    except ServiceError as error:
        raise lambda_error(error) from None
    if not lambda_may_assume(deps, role_arn):
        raise InvalidParameterValueException(CANNOT_ASSUME)


def lambda_may_assume(deps: Deps, role_arn: str) -> bool:
    """True when the role exists (path included) and its trust policy allows Lambda sts:AssumeRole."""
    match = _ROLE_ARN.fullmatch(role_arn)
    if match is None:
        return False
    account, path, name = match.group(1), match.group(2) or "/", match.group(3)
    try:
        with deps.store.transaction(read_only=True) as conn:
            role = roles.get_role(conn, account, name)
    except NotFound:
        return False
    if role.path != path:
        return False
    try:
        trust = parse_policy(role.assume_role_policy, kind=PolicyKind.TRUST, policy_id=f"{role.name}-trust")
    except MalformedPolicyDocument:
        return False
    request = Request(Principal.from_arn(LAMBDA_SERVICE), "sts:AssumeRole", role_arn, resource_account=account)
    return evaluate(request, PolicySet(resource=trust)).allowed
