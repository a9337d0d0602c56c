"""Users and groups: case-insensitive names, renames, paths, pagination, delete conflicts."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from lamina.store import AlreadyExists, DeleteConflict, InvalidMarker, LimitExceeded, NotFound, Store
from lamina.store.passwords import hash_password
from lamina.store.repositories import access_keys, accounts, groups, login_profiles, users
from lamina.store.repositories.groups import MAX_GROUPS_PER_USER

ACCOUNT = "111122223333"  # the conftest account


def test_user_names_are_unique_case_insensitively(conn: Connection) -> None:
    alice = users.create_user(conn, ACCOUNT, "Alice", "/team/")
    assert alice.user_id.startswith("AIDA") and len(alice.user_id) == 21
    assert alice.arn == f"arn:aws:iam::{ACCOUNT}:user/team/Alice"
    with pytest.raises(AlreadyExists) as caught:
        users.create_user(conn, ACCOUNT, "ALICE")
    assert (caught.value.kind, caught.value.name) == ("user", "ALICE")
    assert users.get_user(conn, ACCOUNT, "alice") == alice


def test_same_name_in_another_account_is_fine(conn: Connection) -> None:
    accounts.create_account(conn, "444455556666")
    users.create_user(conn, ACCOUNT, "bob")
    assert users.create_user(conn, "444455556666", "bob").account_id == "444455556666"


def test_unknown_account_and_user(conn: Connection) -> None:
    with pytest.raises(NotFound) as caught:
        users.create_user(conn, "999999999999", "x")
    assert caught.value.kind == "account"
    with pytest.raises(NotFound):
        users.get_user(conn, ACCOUNT, "nobody")


def test_rename_keeps_id_and_checks_collisions(conn: Connection) -> None:
    carol = users.create_user(conn, ACCOUNT, "carol")
    users.create_user(conn, ACCOUNT, "dave")
    with pytest.raises(AlreadyExists):
        users.update_user(conn, ACCOUNT, "carol", new_name="DAVE")
    renamed = users.update_user(conn, ACCOUNT, "carol", new_name="Carol", new_path="/x/")
    assert (renamed.user_id, renamed.name, renamed.path) == (carol.user_id, "Carol", "/x/")


def test_list_users_pages_by_name_with_path_prefix(conn: Connection) -> None:
    for name in ["delta", "Alpha", "charlie", "bravo", "echo"]:
        users.create_user(conn, ACCOUNT, name, "/eng/" if name != "echo" else "/ops/")
    first = users.list_users(conn, ACCOUNT, max_items=2)
    assert [u.name for u in first.items] == ["Alpha", "bravo"] and first.is_truncated
    second = users.list_users(conn, ACCOUNT, marker=first.marker, max_items=2)
    third = users.list_users(conn, ACCOUNT, marker=second.marker, max_items=2)
    assert [u.name for u in second.items + third.items] == ["charlie", "delta", "echo"]
    assert third.marker is None
    assert [u.name for u in users.list_users(conn, ACCOUNT, path_prefix="/ops/").items] == ["echo"]
    assert users.list_users(conn, ACCOUNT, path_prefix="/ENG/").items == ()  # paths are case-sensitive
    with pytest.raises(InvalidMarker):
        users.list_users(conn, ACCOUNT, marker="not a marker")


def test_delete_user_conflicts_in_aws_order(conn: Connection) -> None:
    users.create_user(conn, ACCOUNT, "erin")
    groups.create_group(conn, ACCOUNT, "devs")
    groups.add_user_to_group(conn, ACCOUNT, "devs", "erin")
    login_profiles.create_login_profile(conn, ACCOUNT, "erin", hash_password("pw"))
    with pytest.raises(DeleteConflict) as caught:
        users.delete_user(conn, ACCOUNT, "erin")
    assert caught.value.blocker == "login_profile"
    login_profiles.delete_login_profile(conn, ACCOUNT, "erin")
    with pytest.raises(DeleteConflict) as caught:
        users.delete_user(conn, ACCOUNT, "erin")
    assert caught.value.blocker == "groups"
    groups.remove_user_from_group(conn, ACCOUNT, "devs", "erin")
    users.delete_user(conn, ACCOUNT, "erin")
    with pytest.raises(NotFound):
        users.get_user(conn, ACCOUNT, "erin")


def test_user_with_access_keys_cannot_be_deleted(store: Store, conn: Connection) -> None:
    users.create_user(conn, ACCOUNT, "frank")
    access_keys.create_access_key(conn, store.secret_box, ACCOUNT, "frank")
    with pytest.raises(DeleteConflict) as caught:
        users.delete_user(conn, ACCOUNT, "frank")
    assert caught.value.blocker == "access_keys"


def test_groups_membership_and_limits(conn: Connection) -> None:
    group = groups.create_group(conn, ACCOUNT, "Admins")
    assert group.group_id.startswith("AGPA")
    with pytest.raises(AlreadyExists):
        groups.create_group(conn, ACCOUNT, "ADMINS")
    users.create_user(conn, ACCOUNT, "gina")
    users.create_user(conn, ACCOUNT, "hank")
    groups.add_user_to_group(conn, ACCOUNT, "admins", "gina")
    groups.add_user_to_group(conn, ACCOUNT, "Admins", "GINA")  # idempotent
    groups.add_user_to_group(conn, ACCOUNT, "Admins", "hank")
    assert [u.name for u in groups.list_group_members(conn, ACCOUNT, "Admins").items] == ["gina", "hank"]
    with pytest.raises(DeleteConflict) as caught:
        groups.delete_group(conn, ACCOUNT, "Admins")
    assert caught.value.blocker == "members"
    with pytest.raises(NotFound):
        groups.remove_user_from_group(conn, ACCOUNT, "Admins", "nobody")
    for index in range(MAX_GROUPS_PER_USER - 1):
        groups.create_group(conn, ACCOUNT, f"g{index}")
        groups.add_user_to_group(conn, ACCOUNT, f"g{index}", "gina")
    groups.create_group(conn, ACCOUNT, "one-too-many")
    with pytest.raises(LimitExceeded) as limit:
        groups.add_user_to_group(conn, ACCOUNT, "one-too-many", "gina")
    assert (limit.value.quota, limit.value.limit) == ("GroupsPerUser", 10)
    assert len(groups.list_groups_for_user(conn, ACCOUNT, "gina", max_items=100).items) == 10


def test_group_rename_and_delete(conn: Connection) -> None:
    groups.create_group(conn, ACCOUNT, "ops", "/a/")
    renamed = groups.update_group(conn, ACCOUNT, "ops", new_name="Ops2", new_path="/b/")
    assert (renamed.name, renamed.path, renamed.arn) == ("Ops2", "/b/", f"arn:aws:iam::{ACCOUNT}:group/b/Ops2")
    assert [g.name for g in groups.list_groups(conn, ACCOUNT, path_prefix="/b").items] == ["Ops2"]
    groups.delete_group(conn, ACCOUNT, "ops2")
    with pytest.raises(NotFound):
        groups.get_group(conn, ACCOUNT, "Ops2")
