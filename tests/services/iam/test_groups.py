"""IAM groups in-process: Create/Get/List/Update/DeleteGroup, memberships, ListGroupsForUser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from identity_support import ACCT, call, declared, fails, new_store

from lamina.store import Store


@pytest.fixture
def store() -> Iterator[Store]:
    yield new_store()


def test_create_and_get_group(store: Store) -> None:
    group = call(store, "CreateGroup", GroupName="admins", Path="/ops/")["Group"]
    assert group["GroupName"] == "admins" and group["Path"] == "/ops/"
    assert group["Arn"] == f"arn:aws:iam::{ACCT}:group/ops/admins"
    assert group["GroupId"].startswith("AGPA") and isinstance(group["CreateDate"], datetime)
    got = call(store, "GetGroup", GroupName="ADMINS")
    assert got["Group"] == group and got["Users"] == [] and got["IsTruncated"] is False


def test_group_errors(store: Store) -> None:
    call(store, "CreateGroup", GroupName="admins")
    fails(store, "CreateGroup", "EntityAlreadyExists", "Group with name Admins already exists.", GroupName="Admins")
    fails(store, "GetGroup", "NoSuchEntity", "The group with name nope cannot be found.", GroupName="nope")
    fails(store, "DeleteGroup", "NoSuchEntity", "The group with name nope cannot be found.", GroupName="nope")
    fails(store, "UpdateGroup", "NoSuchEntity", GroupName="nope", NewGroupName="x")


def test_list_groups_prefix_and_pages(store: Store) -> None:
    for name, path in [("b", "/"), ("a", "/x/"), ("c", "/x/y/")]:
        call(store, "CreateGroup", GroupName=name, Path=path)
    assert [g["GroupName"] for g in call(store, "ListGroups")["Groups"]] == ["a", "b", "c"]
    assert [g["GroupName"] for g in call(store, "ListGroups", PathPrefix="/x/")["Groups"]] == ["a", "c"]
    first = call(store, "ListGroups", MaxItems=2)
    assert first["IsTruncated"] is True
    assert [g["GroupName"] for g in call(store, "ListGroups", Marker=first["Marker"])["Groups"]] == ["c"]


def test_update_group(store: Store) -> None:
    call(store, "CreateGroup", GroupName="a")
    call(store, "CreateGroup", GroupName="b")
    fails(
        store,
        "UpdateGroup",
        "EntityAlreadyExists",
        "Group with name b already exists.",
        GroupName="a",
        NewGroupName="b",
    )
    assert call(store, "UpdateGroup", GroupName="a", NewGroupName="c", NewPath="/p/") == {}
    assert call(store, "GetGroup", GroupName="c")["Group"]["Arn"] == f"arn:aws:iam::{ACCT}:group/p/c"


def test_membership_lifecycle(store: Store) -> None:
    call(store, "CreateGroup", GroupName="g")
    call(store, "CreateGroup", GroupName="h")
    for name in ("bob", "alice"):
        call(store, "CreateUser", UserName=name)
        call(store, "AddUserToGroup", GroupName="g", UserName=name)
    call(store, "AddUserToGroup", GroupName="g", UserName="alice")  # idempotent
    call(store, "AddUserToGroup", GroupName="h", UserName="alice")
    members = call(store, "GetGroup", GroupName="g")
    assert [u["UserName"] for u in members["Users"]] == ["alice", "bob"]
    assert "Tags" not in members["Users"][0]
    page = call(store, "GetGroup", GroupName="g", MaxItems=1)
    assert page["IsTruncated"] is True and len(page["Users"]) == 1
    assert [g["GroupName"] for g in call(store, "ListGroupsForUser", UserName="alice")["Groups"]] == ["g", "h"]
    fails(
        store,
        "DeleteGroup",
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
        GroupName="g",
    )
    call(store, "RemoveUserFromGroup", GroupName="g", UserName="alice")
    call(store, "RemoveUserFromGroup", GroupName="g", UserName="alice")  # not a member: still fine
    assert [g["GroupName"] for g in call(store, "ListGroupsForUser", UserName="alice")["Groups"]] == ["h"]
    call(store, "RemoveUserFromGroup", GroupName="g", UserName="bob")
    assert call(store, "DeleteGroup", GroupName="g") == {}


def test_membership_errors(store: Store) -> None:
    call(store, "CreateGroup", GroupName="g")
    call(store, "CreateUser", UserName="u")
    fails(store, "AddUserToGroup", "NoSuchEntity", "The user with name x cannot be found.", GroupName="g", UserName="x")
    fails(
        store, "AddUserToGroup", "NoSuchEntity", "The group with name x cannot be found.", GroupName="x", UserName="u"
    )
    fails(
        store,
        "RemoveUserFromGroup",
        "NoSuchEntity",
        "The user with name x cannot be found.",
        GroupName="g",
        UserName="x",
    )
    fails(store, "ListGroupsForUser", "NoSuchEntity", "The user with name x cannot be found.", UserName="x")


def test_eleventh_group_is_limit_exceeded(store: Store) -> None:
    call(store, "CreateUser", UserName="u")
    for index in range(10):
        call(store, "CreateGroup", GroupName=f"g{index}")
        call(store, "AddUserToGroup", GroupName=f"g{index}", UserName="u")
    call(store, "CreateGroup", GroupName="last")
    fails(
        store,
        "AddUserToGroup",
        "LimitExceeded",
        "Cannot exceed quota for GroupsPerUser: 10",
        GroupName="last",
        UserName="u",
    )


def test_declarations_name_the_group_with_its_path(store: Store) -> None:
    call(store, "CreateGroup", GroupName="g", Path="/ops/")
    arn = f"arn:aws:iam::{ACCT}:group/ops/g"
    for operation in ("GetGroup", "UpdateGroup", "DeleteGroup", "AddUserToGroup", "RemoveUserFromGroup"):
        assert declared(operation, store=store, GroupName="g", UserName="u") == ([arn], "group g", {})
    assert declared("CreateGroup", GroupName="n", Path="/a/")[:2] == ([f"arn:aws:iam::{ACCT}:group/a/n"], "group n")
    assert declared("ListGroups")[0] == ["*"]
    assert declared("UpdateGroup", store=store, GroupName="g", NewPath="/x/")[0] == [
        arn,
        f"arn:aws:iam::{ACCT}:group/x/g",
    ]
    assert declared("ListGroupsForUser", UserName="u")[:2] == ([f"arn:aws:iam::{ACCT}:user/u"], "user u")
