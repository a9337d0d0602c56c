"""The condition keys Lambda's operations supply to the gate, beside the global ones.

Each function here reads one request (and, where AWS decides on stored state, the store) and
returns the keys the Service Authorization Reference lists for the operation: the tags a request
adds (``aws:RequestTag/*``, ``aws:TagKeys``), a function's configuration (``lambda:Layer``,
``lambda:SubnetIds``, ``lambda:SecurityGroupIds``, ``lambda:VpcIds``,
``lambda:CodeSigningConfigArn``), permissions (``lambda:Principal``,
``lambda:FunctionUrlAuthType``) and the function an event source mapping or URL targets
(``lambda:FunctionArn``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lamina.context import RequestContext
from lamina.policy import ContextValue
from lamina.store import NotFound, Store
from lamina.store.repositories import lambda_policies, lambda_urls

from .names import LATEST, function_ref

__all__ = [
    "Keys",
    "code_signing_keys",
    "combined",
    "create_function_keys",
    "event_source_mapping_keys",
    "function_config_keys",
    "permission_keys",
    "removed_permission_keys",
    "resource_policy_keys",
    "tag_keys",
    "url_config_keys",
]

Keys = Callable[[RequestContext, Store], Mapping[str, ContextValue]]
VPC_ID = "vpc-lamina"
"""The VPC every subnet belongs to in Lamina (it has no networks of its own): ``lambda:VpcIds``."""


def combined(*parts: Keys) -> Keys:
    """The keys of every part, later parts winning."""

    def keys(ctx: RequestContext, store: Store) -> Mapping[str, ContextValue]:
        found: dict[str, ContextValue] = {}
        for part in parts:
            found.update(part(ctx, store))
        return found

    return keys


def tag_keys(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """``aws:RequestTag/<key>`` for each tag ``Tags`` adds and ``aws:TagKeys`` (also UntagResource's
    ``TagKeys``)."""
    given: Mapping[str, Any] = ctx.params.get("Tags") or {}
    found: dict[str, ContextValue] = {f"aws:RequestTag/{key}": str(value) for key, value in given.items()}
    keys = [str(key) for key in given] + [str(key) for key in ctx.params.get("TagKeys") or ()]
    if keys:
        found["aws:TagKeys"] = keys
    return found


def function_config_keys(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """``lambda:Layer`` from ``Layers``; ``lambda:SubnetIds``, ``lambda:SecurityGroupIds`` and
    ``lambda:VpcIds`` from ``VpcConfig``; ``lambda:CodeSigningConfigArn``."""
    params, found = ctx.params, dict[str, ContextValue]()
    if params.get("Layers") is not None:
        found["lambda:Layer"] = [str(arn) for arn in params["Layers"]]
    vpc = params.get("VpcConfig")
    if vpc is not None:
        subnets = [str(item) for item in vpc.get("SubnetIds") or ()]
        found["lambda:SubnetIds"] = subnets
        found["lambda:SecurityGroupIds"] = [str(item) for item in vpc.get("SecurityGroupIds") or ()]
        if subnets:
            found["lambda:VpcIds"] = VPC_ID
    if params.get("CodeSigningConfigArn") is not None:
        found["lambda:CodeSigningConfigArn"] = str(params["CodeSigningConfigArn"])
    return found


create_function_keys = combined(tag_keys, function_config_keys)
"""CreateFunction's keys: the tags it adds and its configuration's."""


def code_signing_keys(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    return {"lambda:CodeSigningConfigArn": str(ctx.params["CodeSigningConfigArn"])}


def permission_keys(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """AddPermission: ``lambda:Principal`` and ``lambda:FunctionUrlAuthType`` as the request gives them."""
    found: dict[str, ContextValue] = {"lambda:Principal": str(ctx.params["Principal"])}
    if ctx.params.get("FunctionUrlAuthType") is not None:
        found["lambda:FunctionUrlAuthType"] = str(ctx.params["FunctionUrlAuthType"])
    return found


def removed_permission_keys(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """RemovePermission: the principal (and URL auth type) of the statement being removed, read from
    the stored policy; none when the function, policy or statement is not there."""
    ref = function_ref(ctx)
    qualifier = "" if ref.qualifier in (None, LATEST) else str(ref.qualifier)
    try:
        with store.transaction(read_only=True) as conn:
            policy = lambda_policies.get_policy(conn, ref.account, ref.region, ref.name, qualifier)
    except (NotFound, ValueError):
        return {}
    sid = str(ctx.params["StatementId"])
    for statement in policy.statements():
        if statement.get("Sid") == sid:
            return _statement_keys(statement)
    return {}


def _statement_keys(statement: Mapping[str, Any]) -> dict[str, ContextValue]:
    found: dict[str, ContextValue] = {}
    principals = _principals(statement.get("Principal"))
    if principals:
        found["lambda:Principal"] = principals[0] if len(principals) == 1 else principals
    condition = statement.get("Condition")
    for values in (condition or {}).values() if isinstance(condition, dict) else ():
        if isinstance(values, dict) and "lambda:FunctionUrlAuthType" in values:
            found["lambda:FunctionUrlAuthType"] = str(values["lambda:FunctionUrlAuthType"])
    return found


def _principals(block: Any) -> list[str]:
    """The principals a statement names (``*``, services, accounts, ARNs), as lambda:Principal holds them."""
    if isinstance(block, str):
        return [block]
    found: list[str] = []
    for values in block.values() if isinstance(block, dict) else ():
        found += [str(value) for value in (values if isinstance(values, list) else [values])]
    return found


def resource_policy_keys(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """PutResourcePolicy: ``lambda:Principal``, every principal the new policy names."""
    try:
        document = json.loads(str(ctx.params.get("Policy") or "{}"))
    except ValueError:
        return {}
    body = document.get("Statement", []) if isinstance(document, dict) else []
    statements: Sequence[Any] = [body] if isinstance(body, dict) else body if isinstance(body, list) else []
    principals = [p for s in statements if isinstance(s, dict) for p in _principals(s.get("Principal"))]
    return {"lambda:Principal": list(dict.fromkeys(principals))} if principals else {}


def event_source_mapping_keys(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """``lambda:FunctionArn``: the function a mapping is created for (or moved to), as an ARN."""
    if ctx.params.get("FunctionName") is None:
        return {}
    return {"lambda:FunctionArn": function_ref(ctx).qualified_arn}


def url_config_keys(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """``lambda:FunctionArn`` and ``lambda:FunctionUrlAuthType``: the request's ``AuthType``, else the
    stored URL config's (GetFunctionUrlConfig, DeleteFunctionUrlConfig)."""
    ref = function_ref(ctx)
    found: dict[str, ContextValue] = {"lambda:FunctionArn": ref.qualified_arn}
    if ctx.params.get("AuthType") is not None:
        found["lambda:FunctionUrlAuthType"] = str(ctx.params["AuthType"])
        return found
    try:
        with store.transaction(read_only=True) as conn:
            config = lambda_urls.get_url_config(conn, ref.account, ref.region, ref.name, ref.qualifier or "")
    except (NotFound, ValueError):
        return found
    found["lambda:FunctionUrlAuthType"] = config.auth_type
    return found
