"""Managed policies and their versions, customer managed (the store) and AWS managed (package data).

AWS managed policies are read-only: Get/List show them with their one published default version; the store
refuses to change them because it never holds them (NoSuchEntity).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from lamina import managed_policies
from lamina.context import RequestContext
from lamina.managed_policies import ManagedPolicy
from lamina.policy import PolicyKind
from lamina.services.registry import Authorization, operation
from lamina.store import Connection, DeleteConflict, LimitExceeded, NotFound, Store, StoreError
from lamina.store.repositories import attachments, policies, tags
from lamina.store.repositories.policies import PolicyRow, PolicyVersionRow

from ._common import (
    account_of,
    check_document,
    check_marker_items,
    encoded,
    iam_arn,
    policy_arn_resource,
    tag_context,
    tags_in,
    tags_out,
)
from .errors import delete_conflict, from_store, invalid_input, limit_exceeded, no_such_entity

POLICY_SIZE_LIMIT = 6144
_AWS_SCOPE_FIRST = {"AWS": 0, "Local": 1}


def _error(error: StoreError) -> Exception:
    """The store's error in AWS's words, with the policy-specific sentences AWS sends."""
    if isinstance(error, LimitExceeded) and error.quota == "VersionsPerPolicy":
        return limit_exceeded("A managed policy can have up to 5 versions. Before you create a new version, "
                              "you must delete an existing version.")
    if isinstance(error, DeleteConflict) and error.blocker == "versions":
        return delete_conflict("This policy has more than one version. Before you delete a policy, you must delete "
                               "the policy's versions. The default version is deleted with the policy.")
    if isinstance(error, NotFound) and error.kind == "policy version":
        arn, _, version = error.name.rpartition(" ")
        return no_such_entity(f"Policy {arn} version {version} does not exist or is not attachable.")
    return from_store(error)


def _usage(conn: Connection, acct: str, arn: str | None = None) -> dict[str, tuple[int, int]]:
    return attachments.policy_usage(conn, acct, arn)


def _counts(usage: dict[str, tuple[int, int]], arn: str) -> dict[str, int]:
    attached, bounded = usage.get(arn, (0, 0))
    return {"AttachmentCount": attached, "PermissionsBoundaryUsageCount": bounded}


def _customer_shape(conn: Connection, policy: PolicyRow, *, full: bool,
                    usage: dict[str, tuple[int, int]] | None = None) -> dict[str, Any]:
    usage = usage if usage is not None else _usage(conn, policy.account_id, policy.arn)
    shape: dict[str, Any] = {
        "PolicyName": policy.name, "PolicyId": policy.policy_id, "Arn": policy.arn, "Path": policy.path,
        "DefaultVersionId": policy.default_version_id, **_counts(usage, policy.arn),
        "IsAttachable": True, "CreateDate": policy.created_at, "UpdateDate": policy.updated_at,
    }
    if full:
        if policy.description is not None:
            shape["Description"] = policy.description
        shape["Tags"] = tags_out(tags.all_tags(conn, "policy", policy.policy_id))  # AWS sends [] when none
    return shape


def _aws_shape(conn: Connection, acct: str, policy: ManagedPolicy, *, full: bool,
               usage: dict[str, tuple[int, int]] | None = None) -> dict[str, Any]:
    usage = usage if usage is not None else _usage(conn, acct, policy.arn)
    shape: dict[str, Any] = {
        "PolicyName": policy.name, "PolicyId": policy.policy_id, "Arn": policy.arn, "Path": policy.path,
        "DefaultVersionId": policy.default_version_id, **_counts(usage, policy.arn),
        "IsAttachable": True, "CreateDate": policy.create_date, "UpdateDate": policy.update_date,
    }
    if full:
        if policy.description is not None:
            shape["Description"] = policy.description
        shape["Tags"] = []
    return shape


def _version_shape(version: PolicyVersionRow, *, document: bool = True) -> dict[str, Any]:
    shape: dict[str, Any] = {"VersionId": version.version_id, "IsDefaultVersion": version.is_default,
                             "CreateDate": version.created_at}
    if document:
        shape["Document"] = encoded(version.document)
    return shape


def _aws_version(policy: ManagedPolicy) -> dict[str, Any]:
    return {"Document": encoded(policy.document), "VersionId": policy.default_version_id,
            "IsDefaultVersion": True, "CreateDate": policy.update_date}


def _new_policy_arn(ctx: RequestContext, store: Store) -> Sequence[str]:
    return [iam_arn(account_of(ctx), "policy", ctx.params.get("Path", "/"), ctx.params["PolicyName"])]


def _on_policy(action: str) -> Authorization:
    return Authorization(actions=(f"iam:{action}",), resources=policy_arn_resource)


@operation("iam", "CreatePolicy", authorization=Authorization(
    actions=("iam:CreatePolicy",), resources=_new_policy_arn, context=tag_context))
def create_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    params = ctx.params
    check_document(params["PolicyDocument"], PolicyKind.IDENTITY, POLICY_SIZE_LIMIT, "PolicySize")
    try:
        with store.transaction() as conn:
            policy = policies.create_policy(conn, account_of(ctx), params["PolicyName"], params["PolicyDocument"],
                                            path=params.get("Path", "/"), description=params.get("Description"))
            if tags_in(params):
                tags.tag_resource(conn, account_of(ctx), "policy", policy.policy_id, tags_in(params))
            shape = _customer_shape(conn, policy, full=True)
    except StoreError as error:
        raise _error(error) from error
    shape.pop("Description", None)
    if not shape["Tags"]:  # CreatePolicy, unlike GetPolicy, leaves out an empty Tags
        del shape["Tags"]
    return {"Policy": shape}


@operation("iam", "GetPolicy", authorization=_on_policy("GetPolicy"))
def get_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    arn = ctx.params["PolicyArn"]
    try:
        with store.transaction(read_only=True) as conn:
            aws = managed_policies.get(arn)
            if aws is not None:
                return {"Policy": _aws_shape(conn, account_of(ctx), aws, full=True)}
            return {"Policy": _customer_shape(conn, policies.get_policy(conn, arn), full=True)}
    except StoreError as error:
        raise _error(error) from error


def _marker_key(marker: str) -> list[Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(marker.encode()))
    except ValueError as error:
        raise invalid_input("Invalid Marker.") from error
    if not isinstance(key, list):
        raise invalid_input("Invalid Marker.")
    return key


def _used_as_wanted(counts: tuple[int, int], params: dict[str, Any]) -> bool:
    """OnlyAttached keeps policies in use; PolicyUsageFilter says which use (permissions or boundary)."""
    usage = params.get("PolicyUsageFilter")
    attached, bounded = counts
    in_use = bounded > 0 if usage == "PermissionsBoundary" else attached > 0
    return in_use or not (params.get("OnlyAttached") or usage)


@operation("iam", "ListPolicies", authorization=Authorization(actions=("iam:ListPolicies",)))
def list_policies(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """AWS then customer policies by name, filtered in memory (a few thousand keys), keyset markers; only the
    page's policies are shaped (AWS's alone are over a thousand)."""
    params = ctx.params
    scope, prefix = params.get("Scope", "All"), params.get("PathPrefix", "/")
    marker, max_items = check_marker_items(params)
    found: list[tuple[list[Any], ManagedPolicy | PolicyRow]] = []
    with store.transaction(read_only=True) as conn:
        usage = _usage(conn, account_of(ctx))
        if scope in ("All", "AWS"):
            found += [([0, p.name.lower(), p.arn], p) for p in managed_policies.all_policies()
                      if p.path.startswith(prefix)]
        if scope in ("All", "Local"):
            page = policies.list_policies(conn, account_of(ctx), path_prefix=prefix, max_items=10_000)
            found += [([1, p.name.lower(), p.arn], p) for p in page.items]
        if params.get("OnlyAttached") or params.get("PolicyUsageFilter"):
            found = [item for item in found if _used_as_wanted(usage.get(item[1].arn, (0, 0)), params)]
        if scope == "All":  # each part is sorted already
            found.sort(key=lambda item: item[0])
        if marker:
            after = _marker_key(marker)
            found = [item for item in found if item[0] > after]
        shapes = [_aws_shape(conn, account_of(ctx), p, full=False, usage=usage) if isinstance(p, ManagedPolicy)
                  else _customer_shape(conn, p, full=False, usage=usage) for _, p in found[:max_items]]
    result: dict[str, Any] = {"Policies": shapes, "IsTruncated": len(found) > max_items}
    if len(found) > max_items:
        result["Marker"] = base64.urlsafe_b64encode(json.dumps(found[max_items - 1][0]).encode()).decode()
    return result


@operation("iam", "DeletePolicy", authorization=_on_policy("DeletePolicy"))
def delete_policy(ctx: RequestContext, store: Store) -> None:
    try:
        with store.transaction() as conn:
            policies.delete_policy(conn, ctx.params["PolicyArn"])
    except StoreError as error:
        raise _error(error) from error


@operation("iam", "CreatePolicyVersion", authorization=_on_policy("CreatePolicyVersion"))
def create_policy_version(ctx: RequestContext, store: Store) -> dict[str, Any]:
    check_document(ctx.params["PolicyDocument"], PolicyKind.IDENTITY, POLICY_SIZE_LIMIT, "PolicySize")
    try:
        with store.transaction() as conn:
            version = policies.create_policy_version(conn, ctx.params["PolicyArn"], ctx.params["PolicyDocument"],
                                                     set_as_default=bool(ctx.params.get("SetAsDefault")))
    except StoreError as error:
        raise _error(error) from error
    return {"PolicyVersion": _version_shape(version, document=False)}


@operation("iam", "GetPolicyVersion", authorization=_on_policy("GetPolicyVersion"))
def get_policy_version(ctx: RequestContext, store: Store) -> dict[str, Any]:
    arn, version_id = ctx.params["PolicyArn"], ctx.params["VersionId"]
    aws = managed_policies.get(arn)
    if aws is not None:
        if version_id != aws.default_version_id:
            raise no_such_entity(f"Policy {arn} version {version_id} does not exist or is not attachable.")
        return {"PolicyVersion": _aws_version(aws)}
    try:
        with store.transaction(read_only=True) as conn:
            return {"PolicyVersion": _version_shape(policies.get_policy_version(conn, arn, version_id))}
    except StoreError as error:
        raise _error(error) from error


@operation("iam", "ListPolicyVersions", authorization=_on_policy("ListPolicyVersions"))
def list_policy_versions(ctx: RequestContext, store: Store) -> dict[str, Any]:
    arn = ctx.params["PolicyArn"]
    aws = managed_policies.get(arn)
    if aws is not None:
        version = _aws_version(aws)
        version.pop("Document")
        return {"Versions": [version], "IsTruncated": False}
    try:
        with store.transaction(read_only=True) as conn:
            versions = policies.list_policy_versions(conn, arn)
    except StoreError as error:
        raise _error(error) from error
    return {"Versions": [_version_shape(v, document=False) for v in versions], "IsTruncated": False}


@operation("iam", "SetDefaultPolicyVersion", authorization=_on_policy("SetDefaultPolicyVersion"))
def set_default_policy_version(ctx: RequestContext, store: Store) -> None:
    try:
        with store.transaction() as conn:
            policies.set_default_policy_version(conn, ctx.params["PolicyArn"], ctx.params["VersionId"])
    except StoreError as error:
        raise _error(error) from error


@operation("iam", "DeletePolicyVersion", authorization=_on_policy("DeletePolicyVersion"))
def delete_policy_version(ctx: RequestContext, store: Store) -> None:
    try:
        with store.transaction() as conn:
            policies.delete_policy_version(conn, ctx.params["PolicyArn"], ctx.params["VersionId"])
    except StoreError as error:
        raise _error(error) from error
