"""What each Lambda operation asks of the gate: the action AWS's Service Authorization Reference
names, the resource ARN built from the request, the condition keys it supplies, and the
function's resource-based policy and tags.

Every function operation is decided on the ARN the request named: ``function:NAME`` for an
unqualified request, ``function:NAME:QUALIFIER`` for a version or alias, because AWS compares a
policy's Resource with both the function name and the qualifier. The function's resource-based
policy for that qualifier takes part in the decision (same-account grants, other accounts), and
its tags are the request's ``aws:ResourceTag/*``.

``declared()`` gives every operation of botocore's Lambda model its declaration, served or not,
so the gate decides an operation before the server says it is not implemented; a handler's own
declaration (``@operation``) is built with the same functions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

import botocore.session

from lamina.authorization import bound_principals
from lamina.context import RequestContext
from lamina.policy import ContextValue, MalformedPolicyDocument, Policy, PolicyKind
from lamina.services.registry import Authorization
from lamina.store import NotFound, Store
from lamina.store.repositories import lambda_functions, lambda_layer_policies, lambda_layers, lambda_policies, tags

from . import condition_keys as keys
from .names import LATEST, FunctionRef, function_ref
from .resource_arns import arn_param, capacity_provider_arn, event_source_mapping_arn, layer_arn, layer_version_arn

__all__ = [
    "ACTIONS",
    "account_authorization",
    "action_of",
    "declared",
    "function_authorization",
    "function_facts",
    "function_policy",
    "function_resources",
    "function_tags",
    "layer_policy",
    "policy_of",
    "tags_context",
]

ACTIONS: Mapping[str, str] = {
    "Invoke": "lambda:InvokeFunction",
    "InvokeWithResponseStream": "lambda:InvokeFunction",
    "GetLayerVersionByArn": "lambda:GetLayerVersion",
}
"""Operations whose action is not ``lambda:<Operation>`` (the Service Authorization Reference)."""

ContextFn = Callable[[RequestContext, Store], Mapping[str, ContextValue]]
Resources = Callable[[RequestContext, Store], Sequence[str]]


def action_of(operation: str) -> str:
    """The IAM action an operation needs."""
    return ACTIONS.get(operation, f"lambda:{operation}")


# -- functions ---------------------------------------------------------------------------------


def function_resources(ctx: RequestContext, store: Store) -> Sequence[str]:
    """The ARN the request names, qualified when it has a qualifier."""
    return [function_ref(ctx).qualified_arn]


class FunctionFacts(NamedTuple):
    """What the gate reads of a function: its tags as ``aws:ResourceTag/<key>`` keys and the
    resource-based policy of the function, version or alias (None when absent); never mutate ``tags``."""

    tags: Mapping[str, ContextValue]
    policy: Policy | None


def function_facts(store: Store, ref: FunctionRef) -> FunctionFacts:
    """The function's tags and policy, memoised together in one entry of the store's read cache
    (dropped on this process's writes, and within a second of another node's), as a caller's own
    policies are: a function operation's declaration reads both, once for its condition keys and
    once for its policy, and one entry saves a lookup and a copy of the tags per request.

    The entry is the policy's: one per qualifier it is stored under (the function itself and
    ``$LATEST`` share one, and its policy is named after the function's unqualified ARN)."""
    qualifier = _policy_qualifier(ref)
    key = ("lambda-function-facts", ref.account, ref.region, ref.name, qualifier)
    return store.cached(key, lambda: FunctionFacts(MappingProxyType(_read_tags(store, ref)),
                                                   _read_policy(store, ref, qualifier)))


def policy_of(store: Store, ref: FunctionRef) -> Policy | None:
    """The policy of the function, version or alias ``ref`` names (``function_facts``)."""
    return function_facts(store, ref).policy


def _policy_qualifier(ref: FunctionRef) -> str:
    """The qualifier a function policy is stored under: ``""`` for the function itself and ``$LATEST``."""
    return "" if ref.qualifier in (None, LATEST) else str(ref.qualifier)


def _read_policy(store: Store, ref: FunctionRef, qualifier: str) -> Policy | None:
    """The policy stored under ``qualifier``, named after the ARN it is stored under: the function's
    own (``$LATEST`` reads it too) or a version's or alias's, whichever reference reads it."""
    owner = ref.arn if not qualifier else f"{ref.arn}:{qualifier}"
    try:
        with store.transaction(read_only=True) as conn:
            row = lambda_policies.get_policy(conn, ref.account, ref.region, ref.name, qualifier)
            return bound_principals.resource_policy(conn, lambda_functions.POLICY_OWNER, row.owner_id, row.document,
                                                    PolicyKind.RESOURCE, f"function-policy:{owner}")
    except (NotFound, ValueError):
        return None
    except MalformedPolicyDocument:  # stored policies were checked when written; never fail open
        return None


def function_policy(ctx: RequestContext, store: Store) -> Policy | None:
    """The resource-based policy of the function (or of its version or alias) the request names.

    ``$LATEST`` has no policy of its own: it is the unqualified function's. None when the
    function or its policy does not exist (the handler then answers ResourceNotFound)."""
    return policy_of(store, function_ref(ctx))


def function_tags(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """``aws:ResourceTag/<key>`` for each of the function's tags (none when it does not exist)."""
    return tags_context(store, function_ref(ctx))


def tags_context(store: Store, ref: FunctionRef) -> dict[str, ContextValue]:
    """The function's tags as ``aws:ResourceTag/<key>`` keys, a copy of ``function_facts``'."""
    return dict(function_facts(store, ref).tags)


def _read_tags(store: Store, ref: FunctionRef) -> dict[str, ContextValue]:
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

    def found_keys(ctx: RequestContext, store: Store) -> Mapping[str, ContextValue]:
        tags = function_facts(store, function_ref(ctx)).tags
        if context is None:
            return tags  # read-only, shared by every request while cached
        return {**tags, **context(ctx, store)}

    return Authorization(actions=(action_of(operation),), resources=function_resources, context=found_keys,
                         resource_policy=function_policy if resource_policy else None)


def _is_function_arn(arn: str) -> bool:
    return arn.startswith("arn:") and arn.split(":")[5:6] == ["function"]


def arn_authorization(operation: str, member: str, *, context: ContextFn | None = None) -> Authorization:
    """An operation on the resource an ARN parameter names (TagResource's ``Resource``, PutResourcePolicy's
    ``ResourceArn``); a function's tags and resource policy take part when it names a function."""

    def found_keys(ctx: RequestContext, store: Store) -> Mapping[str, ContextValue]:
        found: dict[str, ContextValue] = {}
        if _is_function_arn(str(ctx.params[member])):
            found.update(tags_context(store, function_ref(ctx, member=member)))
        if context is not None:
            found.update(context(ctx, store))
        return found

    def policy(ctx: RequestContext, store: Store) -> Policy | None:
        if not _is_function_arn(str(ctx.params[member])):
            return None
        return policy_of(store, function_ref(ctx, member=member))

    return Authorization(actions=(action_of(operation),), resources=arn_param(member), context=found_keys,
                         resource_policy=policy)


def _function_and(first: Resources) -> Resources:
    def resources(ctx: RequestContext, store: Store) -> Sequence[str]:
        return [*first(ctx, store), *function_resources(ctx, store)]

    return resources


# -- layers ------------------------------------------------------------------------------------


def layer_policy(store: Store, arn: str) -> Policy | None:
    """The policy of the layer version ``arn`` names, memoised in the store's read cache as a
    function's is; None when the version or its policy does not exist."""
    return store.cached(("lambda-layer-policy", arn), lambda: _read_layer_policy(store, arn))


def _read_layer_policy(store: Store, arn: str) -> Policy | None:
    parsed = lambda_layers.parse_version_arn(arn)
    if parsed is None:
        return None
    try:
        with store.transaction(read_only=True) as conn:
            row = lambda_layer_policies.get_policy(conn, *parsed)
            return bound_principals.resource_policy(conn, lambda_layers.POLICY_OWNER, row.owner_id, row.document,
                                                    PolicyKind.RESOURCE, f"layer-policy:{arn}")
    except (NotFound, MalformedPolicyDocument):  # stored policies were checked when written; never fail open
        return None


def _layer_version_policy(resources: Resources) -> Callable[[RequestContext, Store], Policy | None]:
    """The layer version's policy decides with the caller's (another account's use of the layer)."""

    def policy(ctx: RequestContext, store: Store) -> Policy | None:
        return layer_policy(store, resources(ctx, store)[0])

    return policy


# -- other resources ---------------------------------------------------------------------------


def account_authorization(operation: str, *, context: ContextFn | None = None) -> Authorization:
    """An operation the Service Authorization Reference lists with no resource type: ``*``."""
    return Authorization(actions=(action_of(operation),), context=context)


def resource_authorization(operation: str, resources: Resources, *, context: ContextFn | None = None) -> Authorization:
    """An operation on a layer, mapping, code signing config, capacity provider or durable execution."""
    return Authorization(actions=(action_of(operation),), resources=resources, context=context)


def _capacity_provider_keys(ctx: RequestContext, store: Store) -> Mapping[str, ContextValue]:
    found = keys.tag_keys(ctx, store)
    vpc = ctx.params.get("VpcConfig")
    if vpc is not None:
        found["lambda:SubnetIds"] = [str(item) for item in vpc.get("SubnetIds") or ()]
        found["lambda:SecurityGroupIds"] = [str(item) for item in vpc.get("SecurityGroupIds") or ()]
    return found


_FUNCTION_KEYS: Mapping[str, ContextFn | None] = {
    "AddPermission": keys.permission_keys,
    "RemovePermission": keys.removed_permission_keys,
    "UpdateFunctionConfiguration": keys.function_config_keys,
    "CreateFunctionUrlConfig": keys.url_config_keys,
    "UpdateFunctionUrlConfig": keys.url_config_keys,
    "GetFunctionUrlConfig": keys.url_config_keys,
    "DeleteFunctionUrlConfig": keys.url_config_keys,
    **dict.fromkeys((
        "CreateAlias", "DeleteAlias", "GetAlias", "ListAliases", "UpdateAlias", "DeleteFunction", "GetFunction",
        "GetFunctionConfiguration", "UpdateFunctionCode", "PublishVersion", "ListVersionsByFunction", "GetPolicy",
        "DeleteFunctionCodeSigningConfig", "GetFunctionCodeSigningConfig", "DeleteFunctionConcurrency",
        "GetFunctionConcurrency", "PutFunctionConcurrency", "DeleteFunctionEventInvokeConfig",
        "GetFunctionEventInvokeConfig", "PutFunctionEventInvokeConfig", "UpdateFunctionEventInvokeConfig",
        "ListFunctionEventInvokeConfigs", "GetFunctionRecursionConfig", "PutFunctionRecursionConfig",
        "GetFunctionScalingConfig", "PutFunctionScalingConfig", "GetRuntimeManagementConfig",
        "PutRuntimeManagementConfig", "DeleteProvisionedConcurrencyConfig", "GetProvisionedConcurrencyConfig",
        "PutProvisionedConcurrencyConfig", "ListProvisionedConcurrencyConfigs", "ListFunctionUrlConfigs", "Invoke",
        "InvokeAsync", "InvokeWithResponseStream", "ListDurableExecutionsByFunction"), None),
}
"""Operations on the function (version, alias) ``FunctionName`` names, with their own condition keys."""

_BY_ARN: Mapping[str, tuple[str, ContextFn | None]] = {
    "TagResource": ("Resource", keys.tag_keys),
    "UntagResource": ("Resource", keys.tag_keys),
    "ListTags": ("Resource", None),
    "GetResourcePolicy": ("ResourceArn", None),
    "PutResourcePolicy": ("ResourceArn", keys.resource_policy_keys),
    "DeleteResourcePolicy": ("ResourceArn", None),
}
"""Operations whose resource (a function or another taggable resource) is an ARN parameter."""

_ACCOUNT: Mapping[str, ContextFn | None] = {
    "GetAccountSettings": None, "ListFunctions": None, "ListLayers": None,
    "ListCodeSigningConfigs": None, "ListCapacityProviders": None, "ListEventSourceMappings": None,
    "CreateCodeSigningConfig": keys.tag_keys,
    "CreateEventSourceMapping": keys.combined(keys.tag_keys, keys.event_source_mapping_keys),
}
"""Operations the Service Authorization Reference lists with no resource type (``*``)."""

CALLBACK_OPERATIONS = ("SendDurableExecutionCallbackSuccess", "SendDurableExecutionCallbackFailure",
                       "SendDurableExecutionCallbackHeartbeat")
"""Their resource type is the durable execution, but the request carries only an opaque callback id:
until Lamina runs durable executions (and can look the id up), they are decided on ``*``."""

_DURABLE = ("CheckpointDurableExecution", "GetDurableExecution", "GetDurableExecutionHistory",
            "GetDurableExecutionState", "StopDurableExecution", "DeleteDurableExecution", "PauseDurableExecution",
            "ResumeDurableExecution")


LAYER_VERSION_OPERATIONS = ("AddLayerVersionPermission", "RemoveLayerVersionPermission", "GetLayerVersion",
                            "GetLayerVersionPolicy", "DeleteLayerVersion")
LAYER_OPERATIONS = ("PublishLayerVersion", "ListLayerVersions")
"""ListLayerVersions is decided on the layer (``layer:NAME``): the Lambda developer guide's table
lists it with PublishLayerVersion under the Layer resource, and AWS's denial names the layer
("not authorized to perform: lambda:ListLayerVersions on resource: arn:aws:lambda:...:layer:NAME
because no resource-based policy allows ..."), though the Service Authorization Reference lists
no resource type for it; a policy with ``"Resource": "*"`` allows it either way."""


def _layer(operation: str) -> Authorization | None:
    """Layer operations: on the layer, or on the layer version with its policy."""
    if operation in LAYER_OPERATIONS:
        return resource_authorization(operation, layer_arn)
    resources = arn_param("Arn") if operation == "GetLayerVersionByArn" else layer_version_arn
    if operation in LAYER_VERSION_OPERATIONS or operation == "GetLayerVersionByArn":
        return Authorization(actions=(action_of(operation),), resources=resources,
                             resource_policy=_layer_version_policy(resources))
    return None


def _other(operation: str) -> Authorization | None:
    """Event source mappings, code signing configs, capacity providers, durable executions."""
    table: dict[str, tuple[Resources, ContextFn | None]] = {
        **dict.fromkeys(("GetEventSourceMapping", "DeleteEventSourceMapping"), (event_source_mapping_arn, None)),
        "UpdateEventSourceMapping": (event_source_mapping_arn, keys.event_source_mapping_keys),
        **dict.fromkeys(("GetCodeSigningConfig", "UpdateCodeSigningConfig", "DeleteCodeSigningConfig",
                         "ListFunctionsByCodeSigningConfig"), (arn_param("CodeSigningConfigArn"), None)),
        "CreateCapacityProvider": (capacity_provider_arn, _capacity_provider_keys),
        **dict.fromkeys(("GetCapacityProvider", "UpdateCapacityProvider", "DeleteCapacityProvider",
                         "ListFunctionVersionsByCapacityProvider"), (capacity_provider_arn, None)),
        **dict.fromkeys(_DURABLE, (arn_param("DurableExecutionArn"), None)),
    }
    if operation not in table:
        return None
    resources, context = table[operation]
    return resource_authorization(operation, resources, context=context)


def declaration(operation: str) -> Authorization:
    """The declaration of one Lambda operation (KeyError for an operation the model does not have)."""
    if operation == "CreateFunction":
        return function_authorization(operation, context=keys.create_function_keys, resource_policy=False)
    if operation == "PutFunctionCodeSigningConfig":
        declared_keys = keys.combined(function_tags, keys.code_signing_keys)
        return Authorization(actions=(action_of(operation),), context=declared_keys, resource_policy=function_policy,
                             resources=_function_and(arn_param("CodeSigningConfigArn")))
    if operation in _FUNCTION_KEYS:
        return function_authorization(operation, context=_FUNCTION_KEYS[operation])
    if operation in _BY_ARN:
        member, context = _BY_ARN[operation]
        return arn_authorization(operation, member, context=context)
    if operation in _ACCOUNT:
        return account_authorization(operation, context=_ACCOUNT[operation])
    if operation in CALLBACK_OPERATIONS:
        return account_authorization(operation)
    found = _layer(operation) or _other(operation)
    if found is None:
        raise KeyError(operation)
    return found


@functools.cache
def declared() -> dict[tuple[str, str], Authorization]:
    """A declaration for every operation of botocore's Lambda model (KeyError names one left out)."""
    model = botocore.session.get_session().get_service_model("lambda")
    return {("lambda", operation): declaration(operation) for operation in model.operation_names}
