"""Attach/Detach/ListAttached for users, groups and roles, and ListEntitiesForPolicy, in-process."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from role_policy_support import ACCT, ADMIN, ALLOW_ALL, TRUST, call, declared, fails, new_store

from lamina.pytest_plugin import LaminaServer, start_server
from lamina.store import Store
from lamina.store.repositories import accounts, groups, policies, users

BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
KINDS = [("User", "UserName"), ("Group", "GroupName"), ("Role", "RoleName")]


def _entities(store: Store) -> str:
    with store.transaction() as conn:
        users.create_user(conn, ACCT, "alice", "/people/")
        groups.create_group(conn, ACCT, "devs")
    call(store, "CreateRole", RoleName="exec", AssumeRolePolicyDocument=TRUST)
    return str(call(store, "CreatePolicy", PolicyName="mine", PolicyDocument=ALLOW_ALL)["Policy"]["Arn"])


NAMES = {"User": "alice", "Group": "devs", "Role": "exec"}


@pytest.mark.parametrize(("noun", "param"), KINDS)
def test_attach_list_detach(noun: str, param: str) -> None:
    store = new_store()
    mine = _entities(store)
    who = {param: NAMES[noun]}
    for arn in (mine, ADMIN, BASIC, ADMIN):
        assert call(store, f"Attach{noun}Policy", PolicyArn=arn, **who) == {}
    listed = call(store, f"ListAttached{noun}Policies", **who)
    assert listed["AttachedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN},
        {"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC},
        {"PolicyName": "mine", "PolicyArn": mine}] and not listed["IsTruncated"]
    first = call(store, f"ListAttached{noun}Policies", MaxItems=2, **who)
    assert [p["PolicyArn"] for p in first["AttachedPolicies"]] == [ADMIN, BASIC]
    rest = call(store, f"ListAttached{noun}Policies", Marker=first["Marker"], **who)
    assert [p["PolicyName"] for p in rest["AttachedPolicies"]] == ["mine"] and not rest["IsTruncated"]
    fails(store, f"ListAttached{noun}Policies", "InvalidInput", Marker="@@", **who)
    only = call(store, f"ListAttached{noun}Policies", PathPrefix="/service-role/", **who)["AttachedPolicies"]
    assert [p["PolicyName"] for p in only] == ["AWSLambdaBasicExecutionRole"]
    call(store, f"Detach{noun}Policy", PolicyArn=ADMIN, **who)
    fails(store, f"Detach{noun}Policy", "NoSuchEntity", f"Policy {ADMIN} was not found.", PolicyArn=ADMIN, **who)
    assert len(call(store, f"ListAttached{noun}Policies", **who)["AttachedPolicies"]) == 2


@pytest.mark.parametrize(("noun", "param"), KINDS)
def test_attach_errors(noun: str, param: str) -> None:
    store = new_store()
    _entities(store)
    missing = f"arn:aws:iam::{ACCT}:policy/mine123"
    fails(store, f"Attach{noun}Policy", "NoSuchEntity", f"Policy {missing} does not exist or is not attachable.",
          PolicyArn=missing, **{param: NAMES[noun]})
    fails(store, f"Attach{noun}Policy", "NoSuchEntity", f"The {noun.lower()} with name ghost cannot be found.",
          PolicyArn=ADMIN, **{param: "ghost"})
    fails(store, f"ListAttached{noun}Policies", "NoSuchEntity", **{param: "ghost"})


def test_another_accounts_policy_is_not_attachable() -> None:
    store = new_store()
    _entities(store)
    with store.transaction() as conn:
        accounts.create_account(conn, "210987654321")
        theirs = policies.create_policy(conn, "210987654321", "theirs", ALLOW_ALL).arn
    fails(store, "AttachRolePolicy", "NoSuchEntity", f"Policy {theirs} does not exist or is not attachable.",
          RoleName="exec", PolicyArn=theirs)
    fails(store, "PutUserPermissionsBoundary", "NoSuchEntity", UserName="alice", PermissionsBoundary=theirs)


def test_eleventh_policy_is_limit_exceeded() -> None:
    store = new_store()
    _entities(store)
    for i in range(10):
        arn = call(store, "CreatePolicy", PolicyName=f"p{i}", PolicyDocument=ALLOW_ALL)["Policy"]["Arn"]
        call(store, "AttachRolePolicy", RoleName="exec", PolicyArn=arn)
    fails(store, "AttachRolePolicy", "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10",
          RoleName="exec", PolicyArn=ADMIN)


def test_list_entities_for_policy() -> None:
    store = new_store()
    mine = _entities(store)
    for noun, param in KINDS:
        call(store, f"Attach{noun}Policy", PolicyArn=ADMIN, **{param: NAMES[noun]})
    with store.transaction() as conn:
        accounts.create_account(conn, "210987654321")
        users.create_user(conn, "210987654321", "other")
    other = call(store, "ListEntitiesForPolicy", PolicyArn=ADMIN)
    assert [u["UserName"] for u in other["PolicyUsers"]] == ["alice"]
    assert [g["GroupName"] for g in other["PolicyGroups"]] == ["devs"]
    assert other["PolicyRoles"][0]["RoleName"] == "exec" and other["PolicyRoles"][0]["RoleId"].startswith("AROA")
    call(store, "PutRolePermissionsBoundary", RoleName="exec", PermissionsBoundary=BASIC)
    bounded = call(store, "ListEntitiesForPolicy", PolicyArn=BASIC, PolicyUsageFilter="PermissionsBoundary")
    assert [r["RoleName"] for r in bounded["PolicyRoles"]] == ["exec"]
    assert call(store, "ListEntitiesForPolicy", PolicyArn=BASIC, PolicyUsageFilter="PermissionsPolicy")[
        "PolicyRoles"] == []
    people = call(store, "ListEntitiesForPolicy", PolicyArn=ADMIN, PathPrefix="/people/")
    assert [u["UserName"] for u in people["PolicyUsers"]] == ["alice"] and people["PolicyRoles"] == []
    roles_only = call(store, "ListEntitiesForPolicy", PolicyArn=ADMIN, EntityFilter="Role")
    assert roles_only["PolicyUsers"] == [] and len(roles_only["PolicyRoles"]) == 1
    assert call(store, "ListEntitiesForPolicy", PolicyArn=mine)["PolicyUsers"] == []
    fails(store, "ListEntitiesForPolicy", "NoSuchEntity", PolicyArn=f"arn:aws:iam::{ACCT}:policy/none")


def test_attachment_declarations_carry_the_policy_arn() -> None:
    store = new_store()
    _entities(store)
    actions, resources, label, keys = declared(store, "AttachUserPolicy", UserName="alice", PolicyArn=ADMIN)
    assert actions == ("iam:AttachUserPolicy",) and resources == [f"arn:aws:iam::{ACCT}:user/people/alice"]
    assert keys == {"iam:PolicyARN": ADMIN} and label == "user alice"
    assert declared(store, "AttachGroupPolicy", GroupName="devs", PolicyArn=ADMIN)[2] == "group devs"
    actions, resources, label, keys = declared(store, "DetachRolePolicy", RoleName="exec", PolicyArn=ADMIN)
    assert label == "role exec" and keys == {"iam:PolicyARN": ADMIN}
    assert declared(store, "AttachGroupPolicy", GroupName="devs", PolicyArn=ADMIN)[1] == [
        f"arn:aws:iam::{ACCT}:group/devs"]
    assert declared(store, "ListAttachedRolePolicies", RoleName="exec")[3] == {}
    assert declared(store, "ListEntitiesForPolicy", PolicyArn=ADMIN)[1] == [ADMIN]


def test_user_permissions_boundary() -> None:
    store = new_store()
    _entities(store)
    call(store, "PutUserPermissionsBoundary", UserName="alice", PermissionsBoundary=ADMIN)
    with store.transaction() as conn:
        assert users.get_user(conn, ACCT, "alice").permissions_boundary == ADMIN
    assert call(store, "GetPolicy", PolicyArn=ADMIN)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    call(store, "DeleteUserPermissionsBoundary", UserName="alice")
    with store.transaction() as conn:
        assert users.get_user(conn, ACCT, "alice").permissions_boundary is None
    fails(store, "PutUserPermissionsBoundary", "NoSuchEntity", UserName="ghost", PermissionsBoundary=ADMIN)


# --- through the server, with boto3 ----------------------------------------------------------


@pytest.fixture(scope="module")
def role_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    server = start_server(tmp_path_factory.mktemp("roles") / "data")
    try:
        yield server
    finally:
        server.stop()


def _wait_for_key(server: LaminaServer, key: dict[str, str]) -> Any:
    return server.client("iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])


def test_attached_aws_managed_policy_authorizes_a_user_through_the_server(role_server: LaminaServer) -> None:
    root = role_server.client("iam")
    name = f"ro-{uuid.uuid4().hex[:8]}"
    root.create_user(UserName=name)
    key = root.create_access_key(UserName=name)["AccessKey"]
    user = _wait_for_key(role_server, key)
    with pytest.raises(ClientError) as denied:
        user.list_roles()
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    root.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    assert [p["PolicyName"] for p in root.list_attached_user_policies(UserName=name)["AttachedPolicies"]] == [
        "IAMReadOnlyAccess"]
    user.list_roles()
    with pytest.raises(ClientError) as write:
        user.create_role(RoleName=f"r-{name}", AssumeRolePolicyDocument=TRUST)
    assert write.value.response["Error"]["Code"] == "AccessDenied"
    root.put_user_policy(UserName=name, PolicyName="roles", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreateRole",
                                               "Resource": f"arn:aws:iam::{role_server.account_id}:role/r-*"}]}))
    assert root.get_user_policy(UserName=name, PolicyName="roles")["PolicyDocument"]["Statement"][0]["Action"] == (
        "iam:CreateRole")
    user.create_role(RoleName=f"r-{name}", AssumeRolePolicyDocument=TRUST)
    missing = f"arn:aws:iam::{role_server.account_id}:policy/{name}123"
    with pytest.raises(ClientError) as raised:
        root.attach_user_policy(UserName=name, PolicyArn=missing)
    assert raised.value.response["Error"]["Message"] == f"Policy {missing} does not exist or is not attachable."
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_roles_and_policy_versions_through_the_server(role_server: LaminaServer) -> None:
    iam = role_server.client("iam")
    name = f"srv-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=name, Path="/srv/", AssumeRolePolicyDocument=TRUST)["Role"]
    got = iam.get_role(RoleName=name)["Role"]
    assert got["Arn"] == role["Arn"] == f"arn:aws:iam::{role_server.account_id}:role/srv/{name}"
    assert got["AssumeRolePolicyDocument"] == json.loads(TRUST) and got["MaxSessionDuration"] == 3600
    arn = iam.create_policy(PolicyName=name, PolicyDocument=ALLOW_ALL)["Policy"]["Arn"]
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=ALLOW_ALL, SetAsDefault=True)
    with pytest.raises(ClientError) as raised:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=ALLOW_ALL)
    assert raised.value.response["Error"]["Code"] == "LimitExceeded"
    version = iam.get_policy_version(PolicyArn=arn, VersionId="v5")["PolicyVersion"]
    assert version["IsDefaultVersion"] and version["Document"] == json.loads(ALLOW_ALL)
    aws = iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]
    assert "AdministratorAccess" in [p["PolicyName"] for p in aws]
    iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == [name]
    iam.detach_role_policy(RoleName=name, PolicyArn=arn)
    iam.delete_role(RoleName=name)


def test_condition_keys_reach_the_gate_through_the_server(role_server: LaminaServer) -> None:
    """iam:PermissionsBoundary on CreateRole and iam:PolicyARN on AttachRolePolicy, as AWS's delegation pattern."""
    root = role_server.client("iam")
    acct = role_server.account_id
    name = f"dlg-{uuid.uuid4().hex[:8]}"
    root.create_user(UserName=name)
    root.put_user_policy(UserName=name, PolicyName="delegate", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:CreateRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:PermissionsBoundary": BASIC}}},
            {"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*",
             "Condition": {"ArnEquals": {"iam:PolicyARN": BASIC}}}]}))
    user = _wait_for_key(role_server, root.create_access_key(UserName=name)["AccessKey"])
    with pytest.raises(ClientError) as unbounded:
        user.create_role(RoleName=f"{name}-a", AssumeRolePolicyDocument=TRUST)
    message = unbounded.value.response["Error"]["Message"]
    assert unbounded.value.response["Error"]["Code"] == "AccessDenied"
    assert f"arn:aws:iam::{acct}:user/{name} is not authorized to perform: iam:CreateRole on resource: role " \
           f"{name}-a" in message
    role = user.create_role(RoleName=f"{name}-b", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=BASIC)["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == BASIC
    user.attach_role_policy(RoleName=f"{name}-b", PolicyArn=BASIC)
    with pytest.raises(ClientError) as admin:
        user.attach_role_policy(RoleName=f"{name}-b", PolicyArn=ADMIN)
    assert admin.value.response["Error"]["Code"] == "AccessDenied"
