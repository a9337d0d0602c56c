"""The instance profile, service-linked role deletion and account summary repositories, and the
step that brings a version 6 store to version 7."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text, update

from lamina.store import AlreadyExists, DeleteConflict, LimitExceeded, NotFound, open_store
from lamina.store.repositories import (
    account_summary,
    accounts,
    instance_profiles,
    roles,
    service_linked_roles,
)
from lamina.store.schema import SCHEMA_VERSION, schema_version

ACCOUNT = "111122223333"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
NEW_TABLES = ("instance_profile_roles", "instance_profiles", "service_linked_role_deletions")


@pytest.fixture
def conn() -> Iterator[Connection]:
    store = open_store("sqlite://")
    with store.transaction() as connection:
        accounts.create_account(connection, ACCOUNT)
        yield connection


def test_profiles_hold_one_role_and_block_its_deletion(conn: Connection) -> None:
    profile = instance_profiles.create_instance_profile(conn, ACCOUNT, "web", path="/a/")
    assert profile.arn == f"arn:aws:iam::{ACCOUNT}:instance-profile/a/web"
    with pytest.raises(AlreadyExists):
        instance_profiles.create_instance_profile(conn, ACCOUNT, "WEB")
    roles.create_role(conn, ACCOUNT, "r1", TRUST)
    roles.create_role(conn, ACCOUNT, "r2", TRUST)
    instance_profiles.add_role(conn, ACCOUNT, "web", "r1")
    with pytest.raises(LimitExceeded) as raised:
        instance_profiles.add_role(conn, ACCOUNT, "web", "r2")
    assert (raised.value.quota, raised.value.limit) == ("InstanceSessionsPerInstanceProfile", 1)
    with pytest.raises(DeleteConflict) as conflict:
        roles.delete_role(conn, ACCOUNT, "r1")
    assert conflict.value.blocker == "instance_profiles"
    with pytest.raises(DeleteConflict):
        instance_profiles.delete_instance_profile(conn, ACCOUNT, "web")
    assert [p.name for p in instance_profiles.list_instance_profiles_for_role(conn, ACCOUNT, "r1").items] == ["web"]
    instance_profiles.remove_role(conn, ACCOUNT, "web", "r1")
    with pytest.raises(NotFound):
        instance_profiles.remove_role(conn, ACCOUNT, "web", "r1")
    roles.delete_role(conn, ACCOUNT, "r1")
    instance_profiles.delete_instance_profile(conn, ACCOUNT, "web")
    with pytest.raises(NotFound):
        instance_profiles.get_instance_profile(conn, ACCOUNT, "web")


def test_deletion_tasks_and_counts(conn: Connection) -> None:
    reason = {"Reason": "in use", "RoleUsageList": [{"Region": "us-east-1", "Resources": ["arn"]}]}
    service_linked_roles.record_deletion(conn, ACCOUNT, "task/aws-service-role/s/R/1", "R", "FAILED", reason)
    found = service_linked_roles.get_deletion(conn, ACCOUNT, "task/aws-service-role/s/R/1")
    assert (found.status, found.reason) == ("FAILED", reason)
    with pytest.raises(NotFound):
        service_linked_roles.get_deletion(conn, "999999999999", "task/aws-service-role/s/R/1")
    assert service_linked_roles.functions_using_role(conn, ACCOUNT, "arn:aws:iam::1:role/x") == {}
    before = account_summary.entity_counts(conn, ACCOUNT)
    instance_profiles.create_instance_profile(conn, ACCOUNT, "p")
    roles.create_role(conn, ACCOUNT, "r", TRUST)
    after = account_summary.entity_counts(conn, ACCOUNT)
    assert after["InstanceProfiles"] == before["InstanceProfiles"] + 1 and after["Roles"] == before["Roles"] + 1


def test_a_version_6_store_gets_the_new_tables(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        for table in NEW_TABLES:  # what version 6 looked like
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(update(schema_version).values(version=6))
    store.close()
    store = open_store(tmp_path)
    with store.transaction() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
        accounts.create_account(conn, ACCOUNT)
        instance_profiles.create_instance_profile(conn, ACCOUNT, "after-migration")
    store.close()
