"""Managed policies and versions, attachments, inline policies."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from lamina.store import AlreadyExists, DeleteConflict, LimitExceeded, NotFound
from lamina.store.repositories import attachments, groups, inline_policies, policies, roles, users

ACCOUNT = "111122223333"  # the conftest account

DOC = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
ARN = f"arn:aws:iam::{ACCOUNT}:policy/app/Read"


def test_create_policy_starts_at_v1_default(conn: Connection) -> None:
    policy = policies.create_policy(conn, ACCOUNT, "Read", DOC, path="/app/", description="d")
    assert (policy.arn, policy.default_version_id) == (ARN, "v1")
    assert policy.policy_id.startswith("ANPA")
    assert policies.get_policy(conn, ARN) == policy
    with pytest.raises(AlreadyExists):
        policies.create_policy(conn, ACCOUNT, "READ", DOC)  # unique per account, whatever the path
    version = policies.get_policy_version(conn, ARN, "v1")
    assert (version.document, version.is_default) == (DOC, True)


def test_five_versions_and_exactly_one_default(conn: Connection) -> None:
    policies.create_policy(conn, ACCOUNT, "Read", DOC, path="/app/")
    for number in range(2, 6):
        policies.create_policy_version(conn, ARN, f"doc{number}", set_as_default=number == 4)
    with pytest.raises(LimitExceeded) as caught:
        policies.create_policy_version(conn, ARN, "doc6")
    assert (caught.value.quota, caught.value.limit) == ("VersionsPerPolicy", 5)
    versions = policies.list_policy_versions(conn, ARN)
    assert [v.version_id for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v.version_id for v in versions if v.is_default] == ["v4"]
    assert policies.get_policy(conn, ARN).default_version_id == "v4"
    with pytest.raises(DeleteConflict) as conflict:
        policies.delete_policy_version(conn, ARN, "v4")
    assert conflict.value.blocker == "default_version"
    policies.delete_policy_version(conn, ARN, "v2")
    assert policies.create_policy_version(conn, ARN, "doc6").version_id == "v6"  # ids are never reused
    policies.set_default_policy_version(conn, ARN, "v1")
    assert [v.version_id for v in policies.list_policy_versions(conn, ARN) if v.is_default] == ["v1"]


@pytest.mark.parametrize("version_id", ["v9", "v0", "1", "v01", "x"])
def test_unknown_versions(conn: Connection, version_id: str) -> None:
    policies.create_policy(conn, ACCOUNT, "Read", DOC, path="/app/")
    with pytest.raises(NotFound):
        policies.get_policy_version(conn, ARN, version_id)


def test_delete_policy_needs_detached_and_single_version(conn: Connection) -> None:
    policies.create_policy(conn, ACCOUNT, "Read", DOC, path="/app/")
    users.create_user(conn, ACCOUNT, "ann")
    attachments.attach_policy(conn, ACCOUNT, "user", "ann", ARN)
    policies.create_policy_version(conn, ARN, "doc2")
    with pytest.raises(DeleteConflict) as caught:
        policies.delete_policy(conn, ARN)
    assert caught.value.blocker == "attachments"
    attachments.detach_policy(conn, ACCOUNT, "user", "ann", ARN)
    with pytest.raises(DeleteConflict) as caught:
        policies.delete_policy(conn, ARN)
    assert caught.value.blocker == "versions"
    policies.delete_policy_version(conn, ARN, "v2")
    policies.delete_policy(conn, ARN)
    with pytest.raises(NotFound):
        policies.get_policy(conn, ARN)


def test_list_policies_by_name(conn: Connection) -> None:
    for name in ["b", "A", "c"]:
        policies.create_policy(conn, ACCOUNT, name, DOC)
    page = policies.list_policies(conn, ACCOUNT, max_items=2)
    rest = policies.list_policies(conn, ACCOUNT, marker=page.marker)
    assert [p.name for p in page.items + rest.items] == ["A", "b", "c"]


def test_attachments(conn: Connection) -> None:
    users.create_user(conn, ACCOUNT, "ann")
    groups.create_group(conn, ACCOUNT, "g")
    role = roles.create_role(conn, ACCOUNT, "r", DOC)
    arns = [policies.create_policy(conn, ACCOUNT, f"p{i:02}", DOC).arn for i in range(11)]
    for arn in arns[:10]:
        attachments.attach_policy(conn, ACCOUNT, "user", "ANN", arn)
    attachments.attach_policy(conn, ACCOUNT, "user", "ann", arns[0])  # idempotent
    with pytest.raises(LimitExceeded) as caught:
        attachments.attach_policy(conn, ACCOUNT, "user", "ann", arns[10])
    assert caught.value.quota == "PoliciesPerUser"
    attachments.attach_policy(conn, ACCOUNT, "group", "g", arns[0])
    attachments.attach_policy(conn, ACCOUNT, "role", "r", arns[0])
    page = attachments.list_attached_policies(conn, ACCOUNT, "user", "ann", max_items=4)
    assert [a.name for a in page.items] == ["p00", "p01", "p02", "p03"] and page.is_truncated
    assert attachments.count_attachments(conn, arns[0]) == 3
    assert attachments.attached_policy_arns(conn, "role", role.role_id) == [arns[0]]
    entities = attachments.list_entities_for_policy(conn, arns[0])
    assert [(e.kind, e.name) for e in entities] == [("group", "g"), ("role", "r"), ("user", "ann")]
    with pytest.raises(NotFound):
        attachments.attach_policy(conn, ACCOUNT, "user", "ann", f"arn:aws:iam::{ACCOUNT}:policy/missing")
    with pytest.raises(NotFound):
        attachments.detach_policy(conn, ACCOUNT, "group", "g", arns[5])
    with pytest.raises(DeleteConflict) as conflict:
        roles.delete_role(conn, ACCOUNT, "r")
    assert conflict.value.blocker == "attached_policies"


def test_inline_policies(conn: Connection) -> None:
    role = roles.create_role(conn, ACCOUNT, "r", DOC)
    inline_policies.put_inline_policy(conn, ACCOUNT, "role", "R", "one", "doc1")
    inline_policies.put_inline_policy(conn, ACCOUNT, "role", "r", "one", "doc1b")  # put replaces
    inline_policies.put_inline_policy(conn, ACCOUNT, "role", "r", "two", "doc2")
    assert inline_policies.get_inline_policy(conn, ACCOUNT, "role", "r", "one") == "doc1b"
    assert inline_policies.list_inline_policy_names(conn, ACCOUNT, "role", "r").items == ("one", "two")
    assert inline_policies.inline_documents(conn, "role", role.role_id) == {"one": "doc1b", "two": "doc2"}
    with pytest.raises(DeleteConflict):
        roles.delete_role(conn, ACCOUNT, "r")
    inline_policies.delete_inline_policy(conn, ACCOUNT, "role", "r", "one")
    inline_policies.delete_inline_policy(conn, ACCOUNT, "role", "r", "two")
    with pytest.raises(NotFound):
        inline_policies.get_inline_policy(conn, ACCOUNT, "role", "r", "one")
    with pytest.raises(NotFound):
        inline_policies.put_inline_policy(conn, ACCOUNT, "user", "nobody", "x", "doc")
    roles.delete_role(conn, ACCOUNT, "r")
