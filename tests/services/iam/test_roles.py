"""Role operations in-process: shapes as AWS returns them, errors in AWS's words, declarations."""

from __future__ import annotations

import json

from role_policy_support import ACCT, ADMIN, TRUST, call, declared, decoded, fails, new_store


def test_create_role_returns_aws_shape_with_encoded_trust_policy() -> None:
    store = new_store()
    role = call(
        store,
        "CreateRole",
        RoleName="exec",
        Path="/svc/",
        AssumeRolePolicyDocument=TRUST,
        Description="runs things",
        Tags=[{"Key": "team", "Value": "a"}],
    )["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCT}:role/svc/exec"
    assert role["RoleId"].startswith("AROA") and role["Path"] == "/svc/"
    assert "%22" in role["AssumeRolePolicyDocument"]
    assert decoded(role["AssumeRolePolicyDocument"]) == json.loads(TRUST)
    assert role["Tags"] == [{"Key": "team", "Value": "a"}] and role["Description"] == "runs things"
    assert "RoleLastUsed" not in role and "MaxSessionDuration" not in role


def test_get_role_includes_defaults_boundary_and_last_used() -> None:
    store = new_store()
    call(store, "CreateRole", RoleName="exec", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=ADMIN)
    role = call(store, "GetRole", RoleName="EXEC")["Role"]
    assert role["MaxSessionDuration"] == 3600 and role["RoleLastUsed"] == {}
    assert role["PermissionsBoundary"] == {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": ADMIN}


def test_create_role_errors() -> None:
    store = new_store()
    fails(
        store,
        "CreateRole",
        "MalformedPolicyDocument",
        "This policy contains invalid Json",
        RoleName="r",
        AssumeRolePolicyDocument="{not json",
    )
    call(store, "CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST)
    fails(
        store,
        "CreateRole",
        "EntityAlreadyExists",
        "Role with name R already exists.",
        RoleName="R",
        AssumeRolePolicyDocument=TRUST,
    )
    fails(
        store,
        "CreateRole",
        "NoSuchEntity",
        "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.",
        RoleName="b",
        AssumeRolePolicyDocument=TRUST,
        PermissionsBoundary="arn:aws:iam::aws:policy/Nope",
    )
    big = json.loads(TRUST)
    big["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": ["1" * 12] * 200}}
    fails(
        store,
        "CreateRole",
        "LimitExceeded",
        "Cannot exceed quota for ACLSizePerRole: 2048",
        RoleName="big",
        AssumeRolePolicyDocument=json.dumps(big),
    )


def test_trust_policy_uses_trust_grammar() -> None:
    store = new_store()
    identity = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
    )
    error = fails(store, "CreateRole", "MalformedPolicyDocument", RoleName="r", AssumeRolePolicyDocument=identity)
    assert error.status == 400


def test_list_update_and_delete_roles() -> None:
    store = new_store()
    for name, path in (("a", "/x/"), ("b", "/"), ("c", "/x/")):
        call(store, "CreateRole", RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST)
    first = call(store, "ListRoles", PathPrefix="/x/", MaxItems=1)
    assert [r["RoleName"] for r in first["Roles"]] == ["a"] and first["IsTruncated"]
    rest = call(store, "ListRoles", PathPrefix="/x/", Marker=first["Marker"])
    assert [r["RoleName"] for r in rest["Roles"]] == ["c"] and not rest["IsTruncated"]
    assert call(store, "UpdateRole", RoleName="a", MaxSessionDuration=7200) == {}
    assert call(store, "GetRole", RoleName="a")["Role"]["MaxSessionDuration"] == 7200
    assert call(store, "UpdateRoleDescription", RoleName="a", Description="d")["Role"]["Description"] == "d"
    new_trust = TRUST.replace("lambda", "ec2")
    call(store, "UpdateAssumeRolePolicy", RoleName="a", PolicyDocument=new_trust)
    assert decoded(call(store, "GetRole", RoleName="a")["Role"]["AssumeRolePolicyDocument"]) == json.loads(new_trust)
    fails(store, "UpdateAssumeRolePolicy", "MalformedPolicyDocument", RoleName="a", PolicyDocument="[]")
    call(store, "DeleteRole", RoleName="a")
    fails(store, "GetRole", "NoSuchEntity", "The role with name a cannot be found.", RoleName="a")
    fails(store, "DeleteRole", "NoSuchEntity", RoleName="a")
    fails(store, "UpdateRole", "NoSuchEntity", RoleName="a", Description="x")


def test_delete_role_with_policies_is_a_conflict() -> None:
    store = new_store()
    call(store, "CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST)
    call(store, "AttachRolePolicy", RoleName="r", PolicyArn=ADMIN)
    fails(store, "DeleteRole", "DeleteConflict", "Cannot delete entity, must detach all policies first.", RoleName="r")


def test_role_declarations() -> None:
    store = new_store()
    actions, resources, label, keys = declared(
        store,
        "CreateRole",
        RoleName="r",
        Path="/p/",
        AssumeRolePolicyDocument=TRUST,
        Tags=[{"Key": "k", "Value": "v"}],
        PermissionsBoundary=ADMIN,
    )
    assert actions == ("iam:CreateRole",) and resources == [f"arn:aws:iam::{ACCT}:role/p/r"]
    assert label == "role r"
    assert keys == {"aws:RequestTag/k": "v", "aws:TagKeys": ["k"], "iam:PermissionsBoundary": ADMIN}
    call(store, "CreateRole", RoleName="r", Path="/p/", AssumeRolePolicyDocument=TRUST)
    actions, resources, label, _ = declared(store, "DeleteRole", RoleName="r")
    assert actions == ("iam:DeleteRole",) and resources == [f"arn:aws:iam::{ACCT}:role/p/r"]
    assert declared(store, "ListRoles")[1] == ["*"]


def test_role_tags() -> None:
    store = new_store()
    call(store, "CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST)
    call(store, "TagRole", RoleName="r", Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}])
    assert call(store, "ListRoleTags", RoleName="r")["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    call(store, "UntagRole", RoleName="r", TagKeys=["A"])
    assert call(store, "ListRoleTags", RoleName="r")["Tags"] == [{"Key": "b", "Value": "2"}]
    fails(store, "TagRole", "NoSuchEntity", RoleName="nope", Tags=[{"Key": "a", "Value": "1"}])
    assert declared(store, "UntagRole", RoleName="r", TagKeys=["a"])[3] == {"aws:TagKeys": ["a"]}


def test_role_permissions_boundary() -> None:
    store = new_store()
    call(store, "CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST)
    call(store, "PutRolePermissionsBoundary", RoleName="r", PermissionsBoundary=ADMIN)
    assert call(store, "GetRole", RoleName="r")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == ADMIN
    call(store, "DeleteRolePermissionsBoundary", RoleName="r")
    assert "PermissionsBoundary" not in call(store, "GetRole", RoleName="r")["Role"]
    missing = f"arn:aws:iam::{ACCT}:policy/none"
    fails(
        store,
        "PutRolePermissionsBoundary",
        "NoSuchEntity",
        f"Policy {missing} does not exist or is not attachable.",
        RoleName="r",
        PermissionsBoundary=missing,
    )
    _, _, _, keys = declared(store, "PutRolePermissionsBoundary", RoleName="r", PermissionsBoundary=ADMIN)
    assert keys == {"iam:PermissionsBoundary": ADMIN, "iam:PolicyARN": ADMIN}
