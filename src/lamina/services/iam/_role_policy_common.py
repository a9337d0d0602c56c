"""Helpers shared by the role, policy, attachment and inline-policy operations.

Declarations need resource ARNs that carry the entity's path (read from the store) and tag
condition keys; handlers need documents checked, URL-encoded as AWS returns them, and tags
converted. Kept here so each operation stays a few lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from lamina import managed_policies
from lamina.context import RequestContext
from lamina.policy import ContextValue, MalformedPolicyDocument, PolicyKind, parse_policy
from lamina.protocols import ServiceError
from lamina.store import Store, StoreError
from lamina.store.repositories import groups, policies, roles, users

from .errors import from_store, limit_exceeded, malformed_policy_document, no_such_entity


def account(ctx: RequestContext) -> str:
    return ctx.require_caller().account_id


def encoded(document: str) -> str:
    """A policy document as IAM returns it: URL-encoded (RFC 3986), which clients decode."""
    return quote(document, safe="-_.~")


def check_document(document: str, kind: PolicyKind, limit: int | None = None, quota: str = "") -> None:
    """Parse ``document`` with AWS's grammar, then check its size without whitespace (when ``limit``)."""
    try:
        parse_policy(document, kind)
    except MalformedPolicyDocument as error:
        raise malformed_policy_document(error.message) from error
    if limit is not None and len("".join(document.split())) > limit:
        raise limit_exceeded(f"Cannot exceed quota for {quota}: {limit}")


def store_error(error: StoreError) -> ServiceError:
    return from_store(error)


def tags_in(params: Mapping[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for tag in params.get("Tags") or ()}


def tags_out(found: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in found.items()]


def tag_context(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """``aws:RequestTag/K`` and ``aws:TagKeys`` for operations that take ``Tags`` or ``TagKeys``."""
    given = tags_in(ctx.params)
    keys: list[str] = list(given) or list(ctx.params.get("TagKeys") or ())
    found: dict[str, ContextValue] = {f"aws:RequestTag/{key}": value for key, value in given.items()}
    if keys:
        found["aws:TagKeys"] = keys
    return found


def _arn_of(kind: str, ctx: RequestContext, name: str, store: Store) -> str:
    """The entity's ARN with its stored path; ``/`` when it does not exist (the handler says so)."""
    acct = account(ctx)
    try:
        with store.transaction(read_only=True) as conn:
            if kind == "role":
                return roles.get_role(conn, acct, name).arn
            if kind == "user":
                return users.get_user(conn, acct, name).arn
            return groups.get_group(conn, acct, name).arn
    except StoreError:
        return f"arn:aws:iam::{acct}:{kind}/{name}"


def entity_arn(kind: str, param: str) -> Callable[[RequestContext, Store], Sequence[str]]:
    """A declaration's ``resources``: the ARN of the user, group or role named by ``param``."""

    def resources(ctx: RequestContext, store: Store) -> Sequence[str]:
        return [_arn_of(kind, ctx, ctx.params[param], store)]

    return resources


def role_label(ctx: RequestContext) -> str:
    return f"role {ctx.params['RoleName']}"


_NAME_PARAMS = {"user": "UserName", "group": "GroupName", "role": "RoleName"}


def entity_label(kind: str) -> Callable[[RequestContext], str]:
    """IAM's AccessDenied names users, groups and roles as ``KIND NAME``, not by ARN."""

    def label(ctx: RequestContext) -> str:
        return f"{kind} {ctx.params[_NAME_PARAMS[kind]]}"

    return label


def policy_arn_resource(ctx: RequestContext, store: Store) -> Sequence[str]:
    return [ctx.params["PolicyArn"]]


def policy_arn_context(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    return {"iam:PolicyARN": ctx.params["PolicyArn"]}


def require_attachable(conn: Any, arn: str, acct: str | None = None) -> None:
    """NoSuchEntity in AWS's words unless ``arn`` is an AWS managed policy or a customer policy (of ``acct``
    when given: another account's policy cannot be attached)."""
    if managed_policies.get(arn) is not None:
        return
    unattachable = no_such_entity(f"Policy {arn} does not exist or is not attachable.")
    try:
        found = policies.get_policy(conn, arn)
    except StoreError as error:
        raise unattachable from error
    if acct is not None and found.account_id != acct:
        raise unattachable


def check_marker_items(params: Mapping[str, Any]) -> tuple[str | None, int]:
    return params.get("Marker"), int(params.get("MaxItems") or 100)

