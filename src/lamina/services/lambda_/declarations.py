"""What each Lambda operation asks of the gate: the action AWS's Service Authorization Reference
names, the (qualified) function ARN built from the request, the function's resource-based policy
and its tags.

Every function operation is decided on the ARN the request named: ``function:NAME`` for an
unqualified request, ``function:NAME:QUALIFIER`` for a version or alias, because AWS compares a
policy's Resource with both the function name and the qualifier. The function's resource-based
policy for that qualifier takes part in the decision (same-account grants, other accounts), and
its tags are the request's ``aws:ResourceTag/*``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from lamina.authorization import bound_principals
from lamina.context import RequestContext
from lamina.policy import ContextValue, MalformedPolicyDocument, Policy, PolicyKind
from lamina.services.registry import Authorization
from lamina.store import NotFound, Store
from lamina.store.repositories import lambda_functions, lambda_policies, tags

from .names import LATEST, FunctionRef, function_ref

__all__ = [
    "ACTIONS",
    "account_authorization",
    "create_function_context",
    "function_authorization",
    "function_config_context",
    "function_policy",
    "function_resources",
    "function_tags",
    "request_tags_context",
]

ACTIONS: Mapping[str, str] = {
    "Invoke": "lambda:InvokeFunction",
    "InvokeWithResponseStream": "lambda:InvokeFunction",
    "GetLayerVersionByArn": "lambda:GetLayerVersion",
}
"""Operations whose action is not ``lambda:<Operation>`` (the Service Authorization Reference)."""

ContextFn = Callable[[RequestContext, Store], Mapping[str, ContextValue]]


def action_of(operation: str) -> str:
    """The IAM action an operation needs."""
    return ACTIONS.get(operation, f"lambda:{operation}")


def function_resources(ctx: RequestContext, store: Store) -> Sequence[str]:
    """The ARN the request names, qualified when it has a qualifier."""
    return [function_ref(ctx).qualified_arn]


def function_policy(ctx: RequestContext, store: Store) -> Policy | None:
    """The resource-based policy of the function (or of its version or alias) the request names.

    ``$LATEST`` has no policy of its own: it is the unqualified function's. None when the
    function or its policy does not exist (the handler then answers ResourceNotFound)."""
    ref = function_ref(ctx)
    qualifier = "" if ref.qualifier in (None, LATEST) else str(ref.qualifier)
    try:
        with store.transaction(read_only=True) as conn:
            row = lambda_policies.get_policy(conn, ref.account, ref.region, ref.name, qualifier)
            return bound_principals.resource_policy(conn, lambda_functions.POLICY_OWNER, row.owner_id, row.document,
                                                    PolicyKind.RESOURCE, f"function-policy:{ref.qualified_arn}")
    except (NotFound, ValueError):
        return None
    except MalformedPolicyDocument:  # stored policies were checked when written; never fail open
        return None


def function_tags(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """``aws:ResourceTag/<key>`` for each of the function's tags (none when it does not exist)."""
    ref = function_ref(ctx)
    return _tags_context(store, ref)


def _tags_context(store: Store, ref: FunctionRef) -> dict[str, ContextValue]:
    try:
        with store.transaction(read_only=True) as conn:
            function = lambda_functions.get_function(conn, ref.account, ref.region, ref.name)
            found = tags.all_tags(conn, "function", function.function_id)
    except NotFound:
        return {}
    return {f"aws:ResourceTag/{key}": value for key, value in found.items()}


def function_authorization(operation: str, *, context: ContextFn | None = None,
                           resource_policy: bool = True) -> Authorization:
    """The declaration of a function operation: its action on the function ARN the request names,
    decided with the function's resource-based policy and tags, plus ``context`` keys of its own."""

    def keys(ctx: RequestContext, store: Store) -> Mapping[str, ContextValue]:
        found = function_tags(ctx, store)
        if context is not None:
            found.update(context(ctx, store))
        return found

    return Authorization(actions=(action_of(operation),), resources=function_resources, context=keys,
                         resource_policy=function_policy if resource_policy else None)


def account_authorization(operation: str) -> Authorization:
    """An operation the Service Authorization Reference lists with no resource type: ``*``."""
    return Authorization(actions=(action_of(operation),))


def request_tags_context(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """``aws:RequestTag/<key>`` for each tag in ``Tags`` and ``aws:TagKeys``, when the request tags."""
    given = ctx.params.get("Tags") or {}
    if not given:
        return {}
    found: dict[str, ContextValue] = {f"aws:RequestTag/{key}": str(value) for key, value in given.items()}
    found["aws:TagKeys"] = [str(key) for key in given]
    return found


def function_config_context(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """The keys a function's configuration supplies: ``lambda:Layer``, ``lambda:VpcIds``,
    ``lambda:SubnetIds``, ``lambda:SecurityGroupIds``, ``lambda:CodeSigningConfigArn``."""
    params, found = ctx.params, dict[str, ContextValue]()
    if params.get("Layers") is not None:
        found["lambda:Layer"] = [str(arn) for arn in params["Layers"]]
    vpc = params.get("VpcConfig")
    if vpc is not None:
        found["lambda:SubnetIds"] = [str(item) for item in vpc.get("SubnetIds") or ()]
        found["lambda:SecurityGroupIds"] = [str(item) for item in vpc.get("SecurityGroupIds") or ()]
        found["lambda:VpcIds"] = "vpc-lamina" if vpc.get("SubnetIds") else ""
    if params.get("CodeSigningConfigArn") is not None:
        found["lambda:CodeSigningConfigArn"] = str(params["CodeSigningConfigArn"])
    return found


def create_function_context(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """CreateFunction's own keys: the request's tags and its configuration's."""
    return {**request_tags_context(ctx, store), **function_config_context(ctx, store)}
