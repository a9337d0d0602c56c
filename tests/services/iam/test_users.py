"""IAM users in-process: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, user tags."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from botocore.exceptions import ClientError
from identity_support import ACCT, ROOT, call, declared, fails, new_store, served, user_caller

from lamina.pytest_plugin import LaminaServer
from lamina.store import Store
from lamina.store.passwords import hash_password
from lamina.store.repositories import access_keys, login_profiles


@pytest.fixture
def store() -> Iterator[Store]:
    yield new_store()


def test_create_user_returns_aws_shape(store: Store) -> None:
    user = call(store, "CreateUser", UserName="alice", Path="/team/")["User"]
    assert user["UserName"] == "alice"
    assert user["Path"] == "/team/"
    assert user["Arn"] == f"arn:aws:iam::{ACCT}:user/team/alice"
    assert user["UserId"].startswith("AIDA") and len(user["UserId"]) == 21
    assert isinstance(user["CreateDate"], datetime)
    assert "Tags" not in user


def test_create_user_with_tags_and_boundary(store: Store) -> None:
    boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    user = call(
        store, "CreateUser", UserName="bob", Tags=[{"Key": "team", "Value": "a"}], PermissionsBoundary=boundary
    )["User"]
    assert user["Tags"] == [{"Key": "team", "Value": "a"}]
    assert user["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": boundary,
    }
    got = call(store, "GetUser", UserName="bob")["User"]
    assert got["Tags"] == [{"Key": "team", "Value": "a"}]
    assert got["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary


def test_create_user_with_a_missing_boundary_creates_nothing(store: Store) -> None:
    missing = f"arn:aws:iam::{ACCT}:policy/none"
    fails(
        store,
        "CreateUser",
        "NoSuchEntity",
        f"Policy {missing} does not exist or is not attachable.",
        UserName="bob",
        PermissionsBoundary=missing,
    )
    fails(store, "GetUser", "NoSuchEntity", UserName="bob")


def test_create_user_twice_is_entity_already_exists_case_insensitively(store: Store) -> None:
    call(store, "CreateUser", UserName="alice")
    fails(store, "CreateUser", "EntityAlreadyExists", "User with name ALICE already exists.", UserName="ALICE")


def test_duplicate_tag_keys_are_invalid_input(store: Store) -> None:
    fails(
        store,
        "CreateUser",
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        UserName="a",
        Tags=[{"Key": "k", "Value": "1"}, {"Key": "K", "Value": "2"}],
    )
    fails(store, "GetUser", "NoSuchEntity", UserName="a")  # nothing was created


def test_get_user_by_name_and_missing(store: Store) -> None:
    call(store, "CreateUser", UserName="alice")
    assert call(store, "GetUser", UserName="ALICE")["User"]["UserName"] == "alice"
    fails(store, "GetUser", "NoSuchEntity", "The user with name nobody cannot be found.", UserName="nobody")


def test_get_user_without_name_is_the_caller(store: Store) -> None:
    call(store, "CreateUser", UserName="alice", Path="/p/")
    assert call(store, "GetUser", user_caller("alice", "/p/"))["User"]["Arn"] == f"arn:aws:iam::{ACCT}:user/p/alice"


def test_get_user_without_name_as_root_is_the_root_user(store: Store) -> None:
    user = call(store, "GetUser")["User"]
    assert user["UserId"] == ACCT
    assert user["Arn"] == f"arn:aws:iam::{ACCT}:root"
    assert isinstance(user["CreateDate"], datetime)
    assert "UserName" not in user and "Path" not in user


def test_list_users_path_prefix_and_pages(store: Store) -> None:
    for name, path in [("c", "/"), ("a", "/eng/"), ("b", "/eng/x/"), ("d", "/ops/")]:
        call(store, "CreateUser", UserName=name, Path=path)
    everyone = call(store, "ListUsers")
    assert [user["UserName"] for user in everyone["Users"]] == ["a", "b", "c", "d"]
    assert everyone["IsTruncated"] is False and everyone.get("Marker") is None
    assert [u["UserName"] for u in call(store, "ListUsers", PathPrefix="/eng/")["Users"]] == ["a", "b"]
    first = call(store, "ListUsers", MaxItems=3)
    assert first["IsTruncated"] is True and len(first["Users"]) == 3
    rest = call(store, "ListUsers", MaxItems=3, Marker=first["Marker"])
    assert [u["UserName"] for u in rest["Users"]] == ["d"] and rest["IsTruncated"] is False
    assert "Tags" not in everyone["Users"][0]


def test_list_users_with_a_foreign_marker_is_invalid_input(store: Store) -> None:
    fails(store, "ListUsers", "InvalidInput", Marker="not-a-marker!")


def test_update_user_renames_and_moves_keeping_tags(store: Store) -> None:
    call(store, "CreateUser", UserName="alice", Tags=[{"Key": "k", "Value": "v"}])
    assert call(store, "UpdateUser", UserName="alice", NewUserName="alicia", NewPath="/new/") == {}
    user = call(store, "GetUser", UserName="alicia")["User"]
    assert user["Arn"] == f"arn:aws:iam::{ACCT}:user/new/alicia"
    assert user["Tags"] == [{"Key": "k", "Value": "v"}]
    fails(store, "GetUser", "NoSuchEntity", UserName="alice")


def test_update_user_errors(store: Store) -> None:
    call(store, "CreateUser", UserName="a")
    call(store, "CreateUser", UserName="b")
    fails(store, "UpdateUser", "EntityAlreadyExists", "User with name B already exists.", UserName="a", NewUserName="B")
    fails(store, "UpdateUser", "NoSuchEntity", "The user with name zz cannot be found.", UserName="zz", NewPath="/x/")


def test_delete_user(store: Store) -> None:
    call(store, "CreateUser", UserName="alice")
    assert call(store, "DeleteUser", UserName="alice") == {}
    fails(store, "DeleteUser", "NoSuchEntity", "The user with name alice cannot be found.", UserName="alice")


@pytest.mark.parametrize(
    ("attach", "message"),
    [
        ("login_profile", "Cannot delete entity, must delete login profile first."),
        ("access_key", "Cannot delete entity, must delete access keys first."),
        ("group", "Cannot delete entity, must remove user from all groups first."),
    ],
)
def test_delete_user_with_dependents_is_delete_conflict(store: Store, attach: str, message: str) -> None:
    call(store, "CreateUser", UserName="alice")
    with store.transaction() as conn:
        if attach == "login_profile":
            login_profiles.create_login_profile(conn, ACCT, "alice", hash_password("Passw0rd!"))
        elif attach == "access_key":
            access_keys.create_access_key(conn, store.secret_box, ACCT, "alice")
    if attach == "group":
        call(store, "CreateGroup", GroupName="g")
        call(store, "AddUserToGroup", GroupName="g", UserName="alice")
    fails(store, "DeleteUser", "DeleteConflict", message, UserName="alice")


def test_role_session_without_user_name_is_a_validation_error(store: Store) -> None:
    from lamina.auth.credentials import Caller

    role = Caller(ACCT, f"arn:aws:sts::{ACCT}:assumed-role/r/s", "AssumedRole", "AROAX:s", "ASIAX", temporary=True)
    fails(store, "GetUser", "ValidationError", caller=role)


# --- user tags --------------------------------------------------------------------------------


def test_tag_untag_list_user_tags(store: Store) -> None:
    call(store, "CreateUser", UserName="alice", Tags=[{"Key": "Team", "Value": "a"}])
    call(store, "TagUser", UserName="alice", Tags=[{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "prod"}])
    assert call(store, "ListUserTags", UserName="alice") == {
        "Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "b"}],
        "IsTruncated": False,
        "Marker": None,
    }
    call(store, "UntagUser", UserName="alice", TagKeys=["TEAM", "absent"])
    assert call(store, "ListUserTags", UserName="alice")["Tags"] == [{"Key": "env", "Value": "prod"}]
    page = call(store, "ListUserTags", UserName="alice", MaxItems=1)
    assert page["IsTruncated"] is False


def test_tag_errors(store: Store) -> None:
    fails(
        store,
        "TagUser",
        "NoSuchEntity",
        "The user with name x cannot be found.",
        UserName="x",
        Tags=[{"Key": "a", "Value": "b"}],
    )
    fails(store, "UntagUser", "NoSuchEntity", UserName="x", TagKeys=["a"])
    fails(store, "ListUserTags", "NoSuchEntity", UserName="x")
    call(store, "CreateUser", UserName="u")
    fails(store, "TagUser", "LimitExceeded", UserName="u", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    fails(store, "TagUser", "InvalidInput", UserName="u", Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])


# --- declarations -----------------------------------------------------------------------------


def test_declarations_name_the_user_with_its_path(store: Store) -> None:
    call(store, "CreateUser", UserName="alice", Path="/eng/")
    arn = f"arn:aws:iam::{ACCT}:user/eng/alice"
    for operation in ("GetUser", "UpdateUser", "DeleteUser", "ListUserTags", "ListGroupsForUser"):
        assert declared(operation, store=store, UserName="alice") == ([arn], "user alice", {})
    assert declared("GetUser", store=store)[0] == [ROOT.arn]
    assert declared("GetUser", user_caller("alice", "/eng/"), store=store)[:2] == ([arn], "user alice")
    assert declared("ListUsers")[0] == ["*"]
    renamed = declared("UpdateUser", store=store, UserName="alice", NewUserName="al", NewPath="/ops/")[0]
    assert renamed == [arn, f"arn:aws:iam::{ACCT}:user/ops/al"]
    assert declared("UpdateUser", store=store, UserName="alice", NewUserName="al")[0] == [
        arn,
        f"arn:aws:iam::{ACCT}:user/eng/al",
    ]


def test_create_and_tag_declare_request_tags(store: Store) -> None:
    resources, label, keys = declared(
        "CreateUser", UserName="n", Path="/p/", PermissionsBoundary="arn:b", Tags=[{"Key": "team", "Value": "x"}]
    )
    assert resources == [f"arn:aws:iam::{ACCT}:user/p/n"] and label == "user n"
    assert keys == {"aws:RequestTag/team": "x", "aws:TagKeys": ["team"], "iam:PermissionsBoundary": "arn:b"}
    assert declared("CreateUser", UserName="n")[2] == {}
    assert declared("TagUser", UserName="n", Tags=[{"Key": "a", "Value": "b"}])[2] == {
        "aws:RequestTag/a": "b",
        "aws:TagKeys": ["a"],
    }
    assert declared("UntagUser", UserName="n", TagKeys=["a"])[2] == {"aws:TagKeys": ["a"]}
    assert declared("UntagUser", UserName="n", TagKeys=["a"])[0] == [f"arn:aws:iam::{ACCT}:user/n"]


# --- through the server, with boto3 as root ---------------------------------------------------


@pytest.fixture(scope="module")
def lamina_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    yield from served(tmp_path_factory)


def test_user_lifecycle_through_the_server(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    name = f"srv-{uuid.uuid4().hex[:8]}"
    created = iam.create_user(UserName=name, Path="/srv/", Tags=[{"Key": "team", "Value": "a"}])["User"]
    assert created["Arn"] == f"arn:aws:iam::{lamina_server.account_id}:user/srv/{name}"
    got = iam.get_user(UserName=name)["User"]
    assert got["UserId"] == created["UserId"] and got["Tags"] == [{"Key": "team", "Value": "a"}]
    assert name in [user["UserName"] for user in iam.list_users(PathPrefix="/srv/")["Users"]]
    me = iam.get_user()["User"]
    assert me["Arn"] == f"arn:aws:iam::{lamina_server.account_id}:root" and "UserName" not in me
    with pytest.raises(ClientError) as raised:
        iam.create_user(UserName=name.upper())
    assert raised.value.response["Error"]["Code"] == "EntityAlreadyExists"
    assert raised.value.response["Error"]["Message"] == f"User with name {name.upper()} already exists."
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    iam.tag_user(UserName=name, Tags=[{"Key": "env", "Value": "dev"}])
    assert [tag["Key"] for tag in iam.list_user_tags(UserName=name)["Tags"]] == ["env", "team"]
    iam.update_user(UserName=name, NewUserName=f"{name}-2")
    iam.delete_user(UserName=f"{name}-2")
    with pytest.raises(ClientError) as raised:
        iam.get_user(UserName=f"{name}-2")
    assert raised.value.response["Error"] == {
        "Type": "Sender",
        "Code": "NoSuchEntity",
        "Message": f"The user with name {name}-2 cannot be found.",
    }
