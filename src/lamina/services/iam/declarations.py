"""Authorization declarations for every modelled IAM operation, derived from the catalog.

Why: the gate must decide every operation the model knows, implemented or not, so a caller learns
"not authorized" before "not implemented", exactly as AWS would answer. Rather than one hand-written
declaration per operation, each is read off the Service Authorization Reference: the action
``iam:<Operation>``, and the ARN of its resource type with the template's variables filled from the
request (a name parameter, an ARN parameter, the caller). A handler registered with ``@operation``
carries its own declaration and always takes precedence over these.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import botocore.session

from lamina.arn import DEFAULT_PARTITION
from lamina.catalog import ResourceType, default_catalog
from lamina.context import RequestContext
from lamina.policy import ContextValue
from lamina.services.registry import NEVER_AUTHORIZED, Authorization
from lamina.store import NotFound, Store
from lamina.store.repositories import groups, roles, users

from ._common import tag_context

__all__ = ["declared_from_catalog", "derived_authorization", "resource_arns"]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")

_ENTITY_PARAMS: Mapping[str, tuple[str, Callable[..., Any] | None]] = {
    "UserNameWithPath": ("UserName", users.get_user),
    "GroupNameWithPath": ("GroupName", groups.get_group),
    "RoleNameWithPath": ("RoleName", roles.get_role),
    "InstanceProfileNameWithPath": ("InstanceProfileName", None),
    "CertificateNameWithPath": ("ServerCertificateName", None),
    "MfaTokenIdWithPath": ("VirtualMFADeviceName", None),
    "PolicyNameWithPath": ("PolicyName", None),
}
"""``${XNameWithPath}``: the parameter naming the entity, and how to read its path from the store."""

_PLAIN_PARAMS: Mapping[str, tuple[str, ...]] = {
    "SamlProviderName": ("Name",),
    "DelegationRequestId": ("DelegationRequestId",),
    "EntityPath": ("EntityPath",),
    "FederatedUserName": ("Name",),
    "UserName": ("Name",),
    "OidcProviderName": ("Url",),
}
"""Other template variables and the parameters that fill them."""

_PARAM_KEYS: Mapping[str, str] = {
    "iam:PolicyARN": "PolicyArn",
    "iam:PermissionsBoundary": "PermissionsBoundary",
    "iam:AWSServiceName": "AWSServiceName",
    "iam:ServiceSpecificCredentialServiceName": "ServiceName",
    "iam:OrganizationsPolicyId": "OrganizationsPolicyId",
    "sts:DurationSeconds": "DurationSeconds",
    "sts:TaskPolicyArn": "TaskPolicyArn",
    "sts:RoleSessionName": "RoleSessionName",
    "sts:SourceIdentity": "SourceIdentity",
}
"""Service condition keys whose value is a request parameter, set when the action lists the key."""

_NEVER_AUTHORIZED = {("sts", "GetCallerIdentity")}
"""AWS: "No permissions are required to perform this operation"."""


def _arn_params(params: Mapping[str, Any]) -> list[str]:
    """Every parameter value that is an ARN (``PolicyArn``, ``RoleArn``, an MFA ``SerialNumber``)."""
    return [v for v in params.values() if isinstance(v, str) and v.startswith("arn:")]


def _entity_path(store: Store, account: str, read: Callable[..., Any] | None, name: str) -> str:
    """The entity's path when it exists; "/" otherwise (a create, or a name that is not there)."""
    if read is None:
        return "/"
    try:
        with store.transaction(read_only=True) as conn:
            return str(read(conn, account, name).path)
    except NotFound:
        return "/"


def _fill(rt: ResourceType, ctx: RequestContext, store: Store) -> str | None:
    """The template with every variable filled from the request, or None when one cannot be."""
    caller = ctx.require_caller()
    params = ctx.params

    def value(match: re.Match[str]) -> str:
        var = match.group(1)
        if var == "Partition":
            return DEFAULT_PARTITION  # IAM and STS templates have no region; the account's partition
        if var == "Account":
            target = str(params.get("TargetPrincipal", ""))  # sts:AssumeRoot names a member account
            return target if target.isdigit() else caller.account_id
        if var in _ENTITY_PARAMS:
            param, read = _ENTITY_PARAMS[var]
            name = params.get(param)
            if name is None and var == "UserNameWithPath" and caller.user_name:
                name = caller.user_name  # the caller's own keys, password, MFA devices
            if name is None:
                raise LookupError(var)
            path = params.get("Path") or _entity_path(store, caller.account_id, read, str(name))
            return f"{path.lstrip('/')}{name}"
        for param in _PLAIN_PARAMS.get(var, ()):
            if params.get(param) is not None:
                return re.sub(r"^https://", "", str(params[param]))
        raise LookupError(var)

    try:
        return _VARIABLE.sub(value, rt.arn)
    except LookupError:
        return None


def resource_arns(service: str, operation: str, ctx: RequestContext, store: Store) -> list[str]:
    """The ARNs ``service:operation`` acts on for this request: an ARN parameter of one of the action's
    resource types as given, else each type's template filled from the request, else ``*``."""
    action = default_catalog().action(f"{service}:{operation}")
    types = action.resource_types if action else ()
    if not types:
        return ["*"]
    given = [arn for arn in _arn_params(ctx.params) if any(rt.matches(arn) for rt in types)]
    if given:
        return given[:1]
    for rt in types:
        filled = _fill(rt, ctx, store)
        if filled is not None:
            return [filled]
    caller = ctx.require_caller()
    if any(rt.name == "user" for rt in types):  # root managing its own credentials
        return [caller.arn]
    return ["*"]


def _context(keys: Sequence[str]) -> Callable[[RequestContext, Store], Mapping[str, ContextValue]] | None:
    """The operation's own keys from its request: tags, and the parameters of ``_PARAM_KEYS``."""
    tagged = any(k.startswith(("aws:RequestTag", "aws:TagKeys")) for k in keys)
    params = {key: _PARAM_KEYS[key] for key in keys if key in _PARAM_KEYS}
    if not tagged and not params:
        return None

    def context(ctx: RequestContext, store: Store) -> Mapping[str, ContextValue]:
        found = tag_context(ctx) if tagged else {}
        for key, param in params.items():
            value = ctx.params.get(param)
            if value is not None:
                found[key] = value if isinstance(value, (str, bool, int, float)) else str(value)
        return found

    return context


_LABELS = {"user": "UserName", "group": "GroupName", "role": "RoleName"}
"""IAM's AccessDenied names these by kind and name (``user alice``), not by ARN."""


def _label(types: Sequence[ResourceType]) -> Callable[[RequestContext], str] | None:
    if len(types) != 1 or types[0].service != "iam" or types[0].name not in _LABELS:
        return None
    kind = types[0].name

    def label(ctx: RequestContext) -> str:
        caller = ctx.require_caller()
        name = ctx.params.get(_LABELS[kind]) or (caller.user_name if kind == "user" else None)
        if name:
            return f"{kind} {name}"
        return caller.arn if kind == "user" else "*"  # as resource_arns falls back

    return label


def derived_authorization(service: str, operation: str) -> Authorization:
    """The declaration the catalog gives ``service:operation`` (handlers here use it too)."""
    if (service, operation) in _NEVER_AUTHORIZED:
        return NEVER_AUTHORIZED
    action = default_catalog().action(f"{service}:{operation}")
    name = action.full_name if action else f"{service}:{operation}"  # newer than the catalog: exact name

    def resources(ctx: RequestContext, store: Store) -> Sequence[str]:
        return resource_arns(service, operation, ctx, store)

    keys = action.all_condition_keys if action else ()
    return Authorization(actions=(name,), resources=resources, context=_context(keys),
                         label=_label(action.resource_types if action else ()))


def declared_from_catalog(service: str) -> dict[tuple[str, str], Authorization]:
    """A declaration for every operation of ``service``'s botocore model, read off the catalog."""
    model = botocore.session.get_session().get_service_model(service)
    return {(service, operation): derived_authorization(service, operation) for operation in model.operation_names}
