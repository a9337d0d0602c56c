"""The helpers every IAM operation module shares, and the only ones: one way to name the caller's
account, open a transaction, read and write pages and tags, fill the gate's tag keys, and name an
entity for the gate.

Why one module: the operation modules grew two sets of these (``account``/``account_of``, three
tag-key builders that disagreed on ``aws:TagKeys``); a request must get the same context keys
whichever module serves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from lamina import managed_policies
from lamina.arn import format_arn, parse_arn
from lamina.context import RequestContext
from lamina.policy import ContextValue, MalformedPolicyDocument, PolicyKind, parse_policy
from lamina.protocols import ServiceError
from lamina.store import Connection, Page, Store, StoreError
from lamina.store.repositories import groups, policies, roles, users

from .errors import (
    from_store,
    invalid_arn,
    invalid_input,
    limit_exceeded,
    malformed_policy_document,
    no_such_entity,
)

# --- the request ------------------------------------------------------------------------------


def account_of(ctx: RequestContext) -> str:
    """The caller's account: every IAM operation acts in it."""
    return ctx.require_caller().account_id


@contextmanager
def transaction(store: Store, *, read_only: bool = False,
                errors: Callable[[StoreError], ServiceError] = from_store) -> Iterator[Connection]:
    """A store transaction whose typed errors leave as IAM's errors in AWS's words (``errors`` words
    them for operations whose messages differ)."""
    try:
        with store.transaction(read_only=read_only) as conn:
            yield conn
    except StoreError as error:
        raise errors(error) from error


def iam_arn(account_id: str, kind: str, path: str, name: str) -> str:
    """``arn:aws:iam::ACCOUNT:KIND/PATH/NAME`` (``path`` starts and ends with ``/``); IAM has no region."""
    return format_arn("iam", "", account_id, f"{kind}{path}{name}")


# --- pages ------------------------------------------------------------------------------------


def page_args(ctx: RequestContext) -> dict[str, Any]:
    """``Marker`` and ``MaxItems`` (default 100) as a repository's keyword arguments."""
    return {"marker": ctx.params.get("Marker"), "max_items": ctx.params.get("MaxItems") or 100}


def page_out(page: Page[Any], key: str, items: list[Any]) -> dict[str, Any]:
    return {key: items, "IsTruncated": page.is_truncated, "Marker": page.marker}


def check_marker_items(params: Mapping[str, Any]) -> tuple[str | None, int]:
    """``Marker`` and ``MaxItems`` for the lists paged here rather than in the store."""
    return params.get("Marker"), int(params.get("MaxItems") or 100)


# --- tags -------------------------------------------------------------------------------------


def tags_in(params: Mapping[str, Any]) -> dict[str, str]:
    """The request's ``Tags`` as a dict (the store refuses keys that differ only in case)."""
    return {tag["Key"]: tag.get("Value", "") for tag in params.get("Tags") or ()}


def request_tags(ctx: RequestContext) -> dict[str, str]:
    """The request's Tags as a dict; keys differing only in case are IAM's InvalidInput."""
    given: Sequence[Mapping[str, str]] = ctx.params.get("Tags") or []
    if len({tag["Key"].lower() for tag in given}) != len(given):
        raise invalid_input("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    return {tag["Key"]: tag.get("Value", "") for tag in given}


def tags_out(found: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in found.items()]


def tag_context(ctx: RequestContext, store: Store | None = None) -> dict[str, ContextValue]:
    """The tag keys of the Service Authorization Reference for any operation that carries tags.

    ``aws:RequestTag/KEY`` for each of ``Tags`` (Create*, Tag*); ``aws:TagKeys`` lists the keys the
    request names, those of ``Tags`` or the ``TagKeys`` an Untag* removes, once each in request
    order. A request that names no key has no ``aws:TagKeys`` at all, so ``Null`` sees it absent.
    """
    given: Sequence[Mapping[str, str]] = ctx.params.get("Tags") or ()
    found: dict[str, ContextValue] = {f"aws:RequestTag/{tag['Key']}": tag.get("Value", "") for tag in given}
    keys = [tag["Key"] for tag in given] + [str(key) for key in ctx.params.get("TagKeys") or ()]
    if keys:
        found["aws:TagKeys"] = list(dict.fromkeys(keys))
    return found


# --- declarations: which entity, in the gate's words ------------------------------------------

_READERS: Mapping[str, Callable[[Connection, str, str], Any]] = {
    "user": users.get_user, "group": groups.get_group, "role": roles.get_role,
}
_NAME_PARAMS = {"user": "UserName", "group": "GroupName", "role": "RoleName"}


def _arn_of(kind: str, ctx: RequestContext, name: str, store: Store) -> str:
    """The entity's ARN with its stored path; ``/`` when it does not exist (the handler says so)."""
    acct = account_of(ctx)
    try:
        with store.transaction(read_only=True) as conn:
            return str(_READERS[kind](conn, acct, name).arn)
    except StoreError:
        return iam_arn(acct, kind, "/", name)


def entity_arn(kind: str, param: str) -> Callable[[RequestContext, Store], Sequence[str]]:
    """A declaration's ``resources``: the ARN of the user, group or role named by ``param``."""

    def resources(ctx: RequestContext, store: Store) -> Sequence[str]:
        return [_arn_of(kind, ctx, ctx.params[param], store)]

    return resources


def entity_label(kind: str) -> Callable[[RequestContext], str]:
    """IAM's AccessDenied names users, groups and roles as ``KIND NAME``, not by ARN."""

    def label(ctx: RequestContext) -> str:
        return f"{kind} {ctx.params[_NAME_PARAMS[kind]]}"

    return label


role_label = entity_label("role")


def policy_arn_resource(ctx: RequestContext, store: Store) -> Sequence[str]:
    return [ctx.params["PolicyArn"]]


def policy_arn_context(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    return {"iam:PolicyARN": ctx.params["PolicyArn"]}


# --- policy documents -------------------------------------------------------------------------


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


_POLICY_RESOURCE = re.compile(r"policy(?:/[A-Za-z0-9.,+@=_-]+)*/[\w+=,.@-]+")


def require_arn(value: str) -> None:
    """AWS parses a policy ARN before it looks the policy up: a name or any text that is not an ARN is
    ValidationError (400), and an IAM policy ARN whose path or name has characters no path or name may have
    (``policy/arn:aws:iam::aws:policy/X``, an ARN pasted into another) is InvalidInput; neither is NoSuchEntity."""
    try:
        found = parse_arn(value)
    except ValueError as error:
        raise invalid_arn() from error
    if found.service == "iam" and found.resource.startswith("policy/") and not _POLICY_RESOURCE.fullmatch(
            found.resource):
        raise invalid_input(f"ARN {value} is not valid.")


def require_attachable(conn: Connection, arn: str, acct: str | None = None) -> None:
    """NoSuchEntity in AWS's words unless ``arn`` is an AWS managed policy or a customer policy (of ``acct``
    when given: another account's policy cannot be attached); an ARN that does not parse is ValidationError
    (``require_arn``), whichever operation names it (Attach*, Put*PermissionsBoundary, CreateUser, CreateRole)."""
    require_arn(arn)
    if managed_policies.get(arn) is not None:
        return
    unattachable = no_such_entity(f"Policy {arn} does not exist or is not attachable.")
    try:
        found = policies.get_policy(conn, arn)
    except StoreError as error:
        raise unattachable from error
    if acct is not None and found.account_id != acct:
        raise unattachable
