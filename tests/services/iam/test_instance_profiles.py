"""Instance profiles through boto3 against a real server: shapes, the one-role quota, tags, paging,
DeleteRole's conflict, PassRole on AddRoleToInstanceProfile; and their declarations in-process."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from role_policy_support import ACCT, TRUST, call, declared, new_store

from lamina.pytest_plugin import LaminaServer


def _error(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: Any = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_profile_lifecycle_with_a_role(server: LaminaServer) -> None:
    iam = server.client("iam")
    created = iam.create_instance_profile(InstanceProfileName="web", Path="/app/",
                                          Tags=[{"Key": "team", "Value": "a"}])["InstanceProfile"]
    assert created["Arn"] == f"arn:aws:iam::{server.account_id}:instance-profile/app/web"
    assert created["InstanceProfileId"].startswith("AIPA") and created["Roles"] == []
    assert created["Tags"] == [{"Key": "team", "Value": "a"}] and created["Path"] == "/app/"
    with pytest.raises(ClientError) as raised:
        iam.create_instance_profile(InstanceProfileName="WEB")
    assert _error(raised) == ("EntityAlreadyExists", "Instance Profile WEB already exists.", 409)

    role = iam.create_role(RoleName="web-role", AssumeRolePolicyDocument=TRUST)["Role"]
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web-role")
    got = iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    assert [r["Arn"] for r in got["Roles"]] == [role["Arn"]]
    assert got["Roles"][0]["AssumeRolePolicyDocument"] == json.loads(TRUST)
    iam.create_role(RoleName="other", AssumeRolePolicyDocument=TRUST)
    with pytest.raises(ClientError) as raised:
        iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="other")
    assert _error(raised) == ("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409)

    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    held = next(d["InstanceProfileList"] for d in details if d["RoleName"] == "web-role")
    assert [(p["InstanceProfileName"], [r["RoleName"] for r in p["Roles"]]) for p in held] == [("web", ["web-role"])]
    listed = iam.list_instance_profiles_for_role(RoleName="web-role")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in listed] == ["web"]
    with pytest.raises(ClientError) as raised:
        iam.delete_role(RoleName="web-role")
    assert _error(raised) == ("DeleteConflict",
                              "Cannot delete entity, must remove roles from instance profile first.", 409)
    with pytest.raises(ClientError) as raised:
        iam.delete_instance_profile(InstanceProfileName="web")
    assert _error(raised)[0] == "DeleteConflict"

    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="web-role")
    with pytest.raises(ClientError) as raised:
        iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="web-role")
    assert _error(raised)[0] == "NoSuchEntity"
    assert iam.list_instance_profiles_for_role(RoleName="web-role")["InstanceProfiles"] == []
    iam.delete_role(RoleName="web-role")
    iam.delete_instance_profile(InstanceProfileName="web")
    with pytest.raises(ClientError) as raised:
        iam.get_instance_profile(InstanceProfileName="web")
    assert _error(raised) == ("NoSuchEntity", "Instance Profile web cannot be found.", 404)


def test_list_pages_and_path_prefix(server: LaminaServer) -> None:
    iam = server.client("iam")
    for name in ("p1", "p2", "p3"):
        iam.create_instance_profile(InstanceProfileName=name, Path="/paged/")
    iam.create_instance_profile(InstanceProfileName="p0")
    first = iam.list_instance_profiles(PathPrefix="/paged/", MaxItems=2)
    assert [p["InstanceProfileName"] for p in first["InstanceProfiles"]] == ["p1", "p2"] and first["IsTruncated"]
    rest = iam.list_instance_profiles(PathPrefix="/paged/", Marker=first["Marker"])
    assert [p["InstanceProfileName"] for p in rest["InstanceProfiles"]] == ["p3"] and not rest["IsTruncated"]
    names = [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]]
    assert {"p0", "p1", "p2", "p3"} <= set(names)
    assert "Tags" not in iam.list_instance_profiles()["InstanceProfiles"][0]


def test_tags(server: LaminaServer) -> None:
    iam = server.client("iam")
    iam.create_instance_profile(InstanceProfileName="tagged")
    assert iam.list_instance_profile_tags(InstanceProfileName="tagged")["Tags"] == []
    iam.tag_instance_profile(InstanceProfileName="tagged",
                             Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.tag_instance_profile(InstanceProfileName="tagged", Tags=[{"Key": "A", "Value": "3"}])
    assert iam.list_instance_profile_tags(InstanceProfileName="tagged")["Tags"] == [
        {"Key": "A", "Value": "3"}, {"Key": "b", "Value": "2"}]
    iam.untag_instance_profile(InstanceProfileName="tagged", TagKeys=["a", "missing"])
    assert iam.list_instance_profile_tags(InstanceProfileName="tagged")["Tags"] == [{"Key": "b", "Value": "2"}]
    with pytest.raises(ClientError) as raised:
        iam.tag_instance_profile(InstanceProfileName="none", Tags=[{"Key": "a", "Value": "1"}])
    assert _error(raised)[0] == "NoSuchEntity"


def test_adding_a_role_needs_pass_role(server: LaminaServer) -> None:
    iam = server.client("iam")
    iam.create_instance_profile(InstanceProfileName="guarded")
    iam.create_role(RoleName="guarded-role", AssumeRolePolicyDocument=TRUST)
    iam.create_user(UserName="ops")
    iam.put_user_policy(UserName="ops", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:AddRoleToInstanceProfile",
                                                "Resource": "*"}]}))
    key = iam.create_access_key(UserName="ops")["AccessKey"]
    ops = server.client("iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    with pytest.raises(ClientError) as raised:
        ops.add_role_to_instance_profile(InstanceProfileName="guarded", RoleName="guarded-role")
    code, message, _ = _error(raised)
    assert code == "AccessDenied" and "iam:PassRole" in message
    iam.put_user_policy(UserName="ops", PolicyName="pass", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                                                "Condition": {"StringEquals": {
                                                    "iam:PassedToService": "ec2.amazonaws.com"}}}]}))
    ops.add_role_to_instance_profile(InstanceProfileName="guarded", RoleName="guarded-role")


def test_declarations_use_the_stored_path() -> None:
    store = new_store()
    call(store, "CreateInstanceProfile", InstanceProfileName="ip", Path="/a/b/")
    actions, resources, label, _ = declared(store, "GetInstanceProfile", InstanceProfileName="ip")
    assert actions == ("iam:GetInstanceProfile",) and label == "instance profile ip"
    assert resources == [f"arn:aws:iam::{ACCT}:instance-profile/a/b/ip"]
    _, resources, _, keys = declared(store, "CreateInstanceProfile", InstanceProfileName="new", Path="/x/",
                                     Tags=[{"Key": "k", "Value": "v"}])
    assert resources == [f"arn:aws:iam::{ACCT}:instance-profile/x/new"]
    assert keys == {"aws:RequestTag/k": "v", "aws:TagKeys": ["k"]}
