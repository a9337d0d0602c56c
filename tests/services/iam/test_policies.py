"""Managed policy and version operations in-process, customer and AWS managed."""

from __future__ import annotations

import json
from typing import Any

from role_policy_support import ACCT, ADMIN, ALLOW_ALL, TRUST, call, declared, decoded, fails, new_store

from lamina.store import Store


def _doc(action: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})


def _create(store: Store, name: str = "p", **extra: object) -> str:
    return str(call(store, "CreatePolicy", PolicyName=name, PolicyDocument=ALLOW_ALL, **extra)["Policy"]["Arn"])


def test_create_and_get_policy() -> None:
    store = new_store()
    created = call(store, "CreatePolicy", PolicyName="p", Path="/team/", PolicyDocument=ALLOW_ALL,
                   Description="d", Tags=[{"Key": "k", "Value": "v"}])["Policy"]
    assert created["Arn"] == f"arn:aws:iam::{ACCT}:policy/team/p" and created["PolicyId"].startswith("ANPA")
    assert created["DefaultVersionId"] == "v1" and created["AttachmentCount"] == 0 and created["IsAttachable"]
    assert created["Tags"] == [{"Key": "k", "Value": "v"}] and "Description" not in created
    got = call(store, "GetPolicy", PolicyArn=created["Arn"])["Policy"]
    assert got["Description"] == "d" and got["PermissionsBoundaryUsageCount"] == 0


def test_create_policy_errors() -> None:
    store = new_store()
    fails(store, "CreatePolicy", "MalformedPolicyDocument", "This policy contains invalid Json",
          PolicyName="p", PolicyDocument="{")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]})
    fails(store, "CreatePolicy", "MalformedPolicyDocument", PolicyName="p", PolicyDocument=trust)
    _create(store)
    fails(store, "CreatePolicy", "EntityAlreadyExists",
          "A policy called P already exists. Duplicate names are not allowed.", PolicyName="P",
          PolicyDocument=ALLOW_ALL)
    big = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"s3:GetObject{i}" for i in range(500)], "Resource": "*"}]})
    fails(store, "CreatePolicy", "LimitExceeded", "Cannot exceed quota for PolicySize: 6144",
          PolicyName="big", PolicyDocument=big)


def test_get_aws_managed_policy_and_its_version() -> None:
    store = new_store()
    policy = call(store, "GetPolicy", PolicyArn=ADMIN)["Policy"]
    assert policy["PolicyName"] == "AdministratorAccess" and policy["Path"] == "/"
    assert policy["Description"] == "Provides full access to AWS services and resources."
    version = call(store, "GetPolicyVersion", PolicyArn=ADMIN, VersionId="v1")["PolicyVersion"]
    assert decoded(version["Document"])["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    assert version["IsDefaultVersion"]
    fails(store, "GetPolicyVersion", "NoSuchEntity", f"Policy {ADMIN} version v2 does not exist or is not attachable.",
          PolicyArn=ADMIN, VersionId="v2")
    assert [v["VersionId"] for v in call(store, "ListPolicyVersions", PolicyArn=ADMIN)["Versions"]] == ["v1"]
    missing = f"arn:aws:iam::{ACCT}:policy/none"
    fails(store, "GetPolicy", "NoSuchEntity", f"Policy {missing} was not found.", PolicyArn=missing)


def _all_names(store: Any, **params: Any) -> list[str]:
    """Every policy ListPolicies pages through with these parameters, in order."""
    seen: list[str] = []
    marker = None
    while True:
        page = call(store, "ListPolicies", **params, **({"Marker": marker} if marker else {}))
        seen += [p["PolicyName"] for p in page["Policies"]]
        if not page["IsTruncated"]:
            return seen
        marker = page["Marker"]


def test_list_policies_scope_only_attached_path_and_pages() -> None:
    store = new_store()
    for name in ("b", "a", "c"):
        _create(store, name, Path="/mine/")
    local = call(store, "ListPolicies", Scope="Local")
    assert [p["PolicyName"] for p in local["Policies"]] == ["a", "b", "c"]
    aws = _all_names(store, Scope="AWS")
    assert "AdministratorAccess" in aws and "AWSLambdaExecute" in aws and "a" not in aws and len(aws) > 1000
    assert "AWSLambdaBasicExecutionRole" in _all_names(store, Scope="AWS", PathPrefix="/service-role/")
    seen = _all_names(store, MaxItems=400)
    assert len(seen) == len(set(seen)) == len(aws) + 3 and seen[-3:] == ["a", "b", "c"]
    call(store, "CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST)
    call(store, "AttachRolePolicy", RoleName="r", PolicyArn=ADMIN)
    call(store, "AttachRolePolicy", RoleName="r", PolicyArn=f"arn:aws:iam::{ACCT}:policy/mine/b")
    attached = call(store, "ListPolicies", OnlyAttached=True)["Policies"]
    assert [(p["PolicyName"], p["AttachmentCount"]) for p in attached] == [("AdministratorAccess", 1), ("b", 1)]
    fails(store, "ListPolicies", "InvalidInput", Marker="!!notamarker")
    call(store, "PutRolePermissionsBoundary", RoleName="r", PermissionsBoundary=f"arn:aws:iam::{ACCT}:policy/mine/c")
    bounds = call(store, "ListPolicies", PolicyUsageFilter="PermissionsBoundary")["Policies"]
    assert [(p["PolicyName"], p["PermissionsBoundaryUsageCount"]) for p in bounds] == [("c", 1)]
    perms = call(store, "ListPolicies", OnlyAttached=True, PolicyUsageFilter="PermissionsPolicy")["Policies"]
    assert [p["PolicyName"] for p in perms] == ["AdministratorAccess", "b"]


def test_policy_versions_lifecycle() -> None:
    store = new_store()
    arn = _create(store)
    v2 = call(store, "CreatePolicyVersion", PolicyArn=arn, PolicyDocument=_doc("s3:*"))["PolicyVersion"]
    assert v2 == {"VersionId": "v2", "IsDefaultVersion": False, "CreateDate": v2["CreateDate"]}
    v3 = call(store, "CreatePolicyVersion", PolicyArn=arn, PolicyDocument=_doc("ec2:*"), SetAsDefault=True)
    assert v3["PolicyVersion"]["IsDefaultVersion"]
    assert call(store, "GetPolicy", PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    got = call(store, "GetPolicyVersion", PolicyArn=arn, VersionId="v2")["PolicyVersion"]
    assert decoded(got["Document"])["Statement"][0]["Action"] == "s3:*"
    for action in ("a:*", "b:*"):
        call(store, "CreatePolicyVersion", PolicyArn=arn, PolicyDocument=_doc(action))
    fails(store, "CreatePolicyVersion", "LimitExceeded", "A managed policy can have up to 5 versions. Before you "
          "create a new version, you must delete an existing version.", PolicyArn=arn, PolicyDocument=_doc("c:*"))
    listed = call(store, "ListPolicyVersions", PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in listed] == ["v5", "v4", "v3", "v2", "v1"]
    fails(store, "DeletePolicyVersion", "DeleteConflict", "Cannot delete the default version of a policy.",
          PolicyArn=arn, VersionId="v3")
    call(store, "SetDefaultPolicyVersion", PolicyArn=arn, VersionId="v1")
    fails(store, "SetDefaultPolicyVersion", "NoSuchEntity", PolicyArn=arn, VersionId="v9")
    fails(store, "DeletePolicy", "DeleteConflict", "This policy has more than one version. Before you delete a "
          "policy, you must delete the policy's versions. The default version is deleted with the policy.",
          PolicyArn=arn)
    for version in ("v2", "v3", "v4", "v5"):
        call(store, "DeletePolicyVersion", PolicyArn=arn, VersionId=version)
    fails(store, "CreatePolicyVersion", "MalformedPolicyDocument", PolicyArn=arn, PolicyDocument="nope")
    call(store, "DeletePolicy", PolicyArn=arn)
    fails(store, "GetPolicy", "NoSuchEntity", PolicyArn=arn)


def test_delete_attached_policy_is_a_conflict() -> None:
    store = new_store()
    arn = _create(store)
    call(store, "CreateRole", RoleName="r", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "sts:AssumeRole"}]}))
    call(store, "AttachRolePolicy", RoleName="r", PolicyArn=arn)
    fails(store, "DeletePolicy", "DeleteConflict", "Cannot delete a policy attached to entities.", PolicyArn=arn)


def test_policy_tags_and_declarations() -> None:
    store = new_store()
    arn = _create(store, Path="/t/")
    call(store, "TagPolicy", PolicyArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    assert call(store, "ListPolicyTags", PolicyArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    call(store, "UntagPolicy", PolicyArn=arn, TagKeys=["ENV"])
    assert call(store, "ListPolicyTags", PolicyArn=arn)["Tags"] == []
    fails(store, "TagPolicy", "NoSuchEntity", PolicyArn=ADMIN, Tags=[{"Key": "a", "Value": "b"}])
    actions, resources, _, keys = declared(store, "CreatePolicy", PolicyName="n", Path="/x/", PolicyDocument=ALLOW_ALL,
                                           Tags=[{"Key": "a", "Value": "b"}])
    assert actions == ("iam:CreatePolicy",) and resources == [f"arn:aws:iam::{ACCT}:policy/x/n"]
    assert keys == {"aws:RequestTag/a": "b", "aws:TagKeys": ["a"]}
    assert declared(store, "CreatePolicyVersion", PolicyArn=arn, PolicyDocument=ALLOW_ALL)[:2] == (
        ("iam:CreatePolicyVersion",), [arn])
    assert declared(store, "TagPolicy", PolicyArn=arn, Tags=[{"Key": "a", "Value": "b"}])[1] == [arn]
