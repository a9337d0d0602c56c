"""GetAccountAuthorizationDetails in-process: every entity with its policies, filters, pagination."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from lamina.auth.credentials import root_caller
from lamina.context import RequestContext
from lamina.services.iam.account_details import get_account_authorization_details
from lamina.store import Store, open_store
from lamina.store.repositories import accounts, attachments, groups, inline_policies, policies, roles, tags, users

ACCT = "123456789012"
DOC = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture
def store() -> Iterator[Store]:
    st = open_store("sqlite://")
    with st.transaction() as conn:
        accounts.create_account(conn, ACCT)
        alice = users.create_user(conn, ACCT, "alice", "/eng/")
        users.create_user(conn, ACCT, "bob")
        groups.create_group(conn, ACCT, "devs")
        groups.add_user_to_group(conn, ACCT, "devs", "alice")
        arn = policies.create_policy(conn, ACCT, "s3-all", DOC, description="all of s3").arn
        policies.create_policy_version(conn, arn, DOC.replace("s3:*", "s3:Get*"), set_as_default=False)
        attachments.attach_policy(conn, ACCT, "group", "devs", arn)
        attachments.attach_policy(conn, ACCT, "user", "alice", arn)
        users.set_user_permissions_boundary(conn, ACCT, "alice", arn)
        inline_policies.put_inline_policy(conn, ACCT, "user", "alice", "own", DOC)
        tags.tag_resource(conn, ACCT, "user", alice.user_id, {"team": "eng"})
        roles.create_role(conn, ACCT, "worker", TRUST)
    yield st


def _call(store: Store, **params: Any) -> dict[str, Any]:
    ctx = RequestContext("r", "POST", "/", "", (), b"")
    ctx.caller = root_caller(ACCT, "AKIAROOT")
    ctx.params = params
    return get_account_authorization_details(ctx, store)


def test_everything_in_one_answer(store: Store) -> None:
    out = _call(store)
    assert out["IsTruncated"] is False
    alice, bob = out["UserDetailList"]
    assert (alice["UserName"], alice["Path"], bob["UserName"]) == ("alice", "/eng/", "bob")
    assert alice["GroupList"] == ["devs"] and alice["Tags"] == [{"Key": "team", "Value": "eng"}]
    assert alice["UserPolicyList"][0]["PolicyName"] == "own"
    assert unquote(alice["UserPolicyList"][0]["PolicyDocument"]) == DOC
    assert "%7B" in alice["UserPolicyList"][0]["PolicyDocument"]  # URL-encoded as AWS sends it
    policy_arn = f"arn:aws:iam::{ACCT}:policy/s3-all"
    assert alice["AttachedManagedPolicies"] == [{"PolicyName": "s3-all", "PolicyArn": policy_arn}]
    assert alice["PermissionsBoundary"]["PermissionsBoundaryArn"] == policy_arn
    assert "PermissionsBoundary" not in bob
    [group] = out["GroupDetailList"]
    assert group["GroupName"] == "devs" and group["GroupPolicyList"] == []
    [role] = out["RoleDetailList"]
    assert unquote(role["AssumeRolePolicyDocument"]) == TRUST and role["RolePolicyList"] == []
    [policy] = out["Policies"]
    assert (policy["AttachmentCount"], policy["PermissionsBoundaryUsageCount"]) == (2, 1)
    versions = {v["VersionId"]: v["IsDefaultVersion"] for v in policy["PolicyVersionList"]}
    assert versions == {"v1": True, "v2": False}
    assert policy["Description"] == "all of s3"


def test_filter(store: Store) -> None:
    out = _call(store, Filter=["Role", "LocalManagedPolicy"])
    assert out["UserDetailList"] == [] and out["GroupDetailList"] == []
    assert len(out["RoleDetailList"]) == 1 and len(out["Policies"]) == 1


def test_pagination_walks_every_item_once(store: Store) -> None:
    seen: list[str] = []
    marker = None
    while True:
        page = _call(store, MaxItems=2, **({"Marker": marker} if marker else {}))
        for name in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"):
            seen += [item["Arn"] for item in page[name]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert len(seen) == 5 == len(set(seen))
