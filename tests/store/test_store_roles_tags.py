"""Roles, tags and permissions boundaries."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from lamina.store import AlreadyExists, LimitExceeded, NotFound
from lamina.store.repositories import roles, tags, users

ACCOUNT = "111122223333"  # the conftest account

TRUST = '{"Version":"2012-10-17","Statement":[]}'
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/Boundary"


def test_role_lifecycle(conn: Connection) -> None:
    role = roles.create_role(conn, ACCOUNT, "Deployer", TRUST, path="/ci/", description="d")
    assert role.role_id.startswith("AROA") and role.max_session_duration == 3600
    assert role.arn == f"arn:aws:iam::{ACCOUNT}:role/ci/Deployer"
    with pytest.raises(AlreadyExists):
        roles.create_role(conn, ACCOUNT, "deployer", TRUST)
    updated = roles.update_role(conn, ACCOUNT, "DEPLOYER", max_session_duration=7200)
    assert (updated.max_session_duration, updated.description) == (7200, "d")
    assert roles.update_assume_role_policy(conn, ACCOUNT, "Deployer", "{}").assume_role_policy == "{}"
    assert roles.set_role_permissions_boundary(conn, ACCOUNT, "Deployer", BOUNDARY).permissions_boundary == BOUNDARY
    assert roles.get_role_by_id(conn, role.role_id).permissions_boundary == BOUNDARY
    assert [r.name for r in roles.list_roles(conn, ACCOUNT, path_prefix="/ci/").items] == ["Deployer"]
    roles.delete_role(conn, ACCOUNT, "Deployer")
    with pytest.raises(NotFound):
        roles.get_role(conn, ACCOUNT, "Deployer")


def test_user_permissions_boundary(conn: Connection) -> None:
    users.create_user(conn, ACCOUNT, "ann")
    assert users.set_user_permissions_boundary(conn, ACCOUNT, "ann", BOUNDARY).permissions_boundary == BOUNDARY
    assert users.set_user_permissions_boundary(conn, ACCOUNT, "ann", None).permissions_boundary is None


def test_tag_keys_are_case_insensitive(conn: Connection) -> None:
    user = users.create_user(conn, ACCOUNT, "ann")
    tags.tag_resource(conn, ACCOUNT, "user", user.user_id, {"Team": "a", "env": "prod"})
    tags.tag_resource(conn, ACCOUNT, "user", user.user_id, {"TEAM": "b"})
    assert tags.all_tags(conn, "user", user.user_id) == {"env": "prod", "TEAM": "b"}
    page = tags.list_tags(conn, "user", user.user_id, max_items=1)
    assert [t.key for t in page.items] == ["env"] and page.is_truncated
    tags.untag_resource(conn, "user", user.user_id, ["team", "missing"])
    assert tags.all_tags(conn, "user", user.user_id) == {"env": "prod"}


def test_fifty_tags_at_most(conn: Connection) -> None:
    role = roles.create_role(conn, ACCOUNT, "r", TRUST)
    tags.tag_resource(conn, ACCOUNT, "role", role.role_id, {f"k{i}": "v" for i in range(50)})
    tags.tag_resource(conn, ACCOUNT, "role", role.role_id, {"K0": "replaced"})  # a replacement, not a 51st
    with pytest.raises(LimitExceeded) as caught:
        tags.tag_resource(conn, ACCOUNT, "role", role.role_id, {"new": "v"})
    assert caught.value.limit == 50
    assert tags.count_tags(conn, "role", role.role_id) == 50


def test_tags_go_with_their_user_and_do_not_follow_the_name(conn: Connection) -> None:
    user = users.create_user(conn, ACCOUNT, "ann")
    tags.tag_resource(conn, ACCOUNT, "user", user.user_id, {"a": "1"})
    users.delete_user(conn, ACCOUNT, "ann")
    again = users.create_user(conn, ACCOUNT, "ann")
    assert tags.all_tags(conn, "user", again.user_id) == {}
    assert tags.count_tags(conn, "user", user.user_id) == 0
