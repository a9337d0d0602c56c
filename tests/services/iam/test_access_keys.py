"""Access keys in-process: Create/List/Update/DeleteAccessKey and GetAccessKeyLastUsed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from identity_support import ACCT, ROOT, call, declared, fails, new_store, served, user_caller

from lamina.pytest_plugin import LaminaServer
from lamina.store import Store
from lamina.store.repositories import access_keys


@pytest.fixture
def store() -> Iterator[Store]:
    st = new_store()
    call(st, "CreateUser", UserName="alice")
    yield st


def test_create_returns_the_secret_once(store: Store) -> None:
    key = call(store, "CreateAccessKey", UserName="alice")["AccessKey"]
    assert key["UserName"] == "alice" and key["Status"] == "Active"
    assert key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20
    assert len(key["SecretAccessKey"]) == 40 and isinstance(key["CreateDate"], datetime)
    listed = call(store, "ListAccessKeys", UserName="alice")
    assert listed == {
        "AccessKeyMetadata": [{k: v for k, v in key.items() if k != "SecretAccessKey"}],
        "IsTruncated": False,
    }


def test_third_key_is_limit_exceeded_even_when_inactive(store: Store) -> None:
    first = call(store, "CreateAccessKey", UserName="alice")["AccessKey"]["AccessKeyId"]
    call(store, "UpdateAccessKey", UserName="alice", AccessKeyId=first, Status="Inactive")
    call(store, "CreateAccessKey", UserName="alice")
    fails(store, "CreateAccessKey", "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", UserName="alice")


def test_without_user_name_root_manages_its_own_keys(store: Store) -> None:
    key = call(store, "CreateAccessKey")["AccessKey"]
    assert "UserName" not in key
    assert [k["AccessKeyId"] for k in call(store, "ListAccessKeys")["AccessKeyMetadata"]] == [key["AccessKeyId"]]
    assert call(store, "ListAccessKeys", UserName="alice")["AccessKeyMetadata"] == []
    call(store, "UpdateAccessKey", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert call(store, "ListAccessKeys")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    call(store, "DeleteAccessKey", AccessKeyId=key["AccessKeyId"])
    assert call(store, "ListAccessKeys")["AccessKeyMetadata"] == []


def test_without_user_name_a_user_manages_its_own_keys(store: Store) -> None:
    key = call(store, "CreateAccessKey", user_caller("alice"))["AccessKey"]
    assert key["UserName"] == "alice"
    assert call(store, "ListAccessKeys", user_caller("alice"))["AccessKeyMetadata"][0]["UserName"] == "alice"


def test_update_and_delete(store: Store) -> None:
    key_id = call(store, "CreateAccessKey", UserName="alice")["AccessKey"]["AccessKeyId"]
    assert call(store, "UpdateAccessKey", UserName="alice", AccessKeyId=key_id, Status="Inactive") == {}
    assert call(store, "ListAccessKeys", UserName="alice")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    assert call(store, "DeleteAccessKey", UserName="alice", AccessKeyId=key_id) == {}
    fails(
        store,
        "DeleteAccessKey",
        "NoSuchEntity",
        f"The Access Key with id {key_id} cannot be found.",
        UserName="alice",
        AccessKeyId=key_id,
    )


def test_key_errors(store: Store) -> None:
    call(store, "CreateUser", UserName="bob")
    bobs = call(store, "CreateAccessKey", UserName="bob")["AccessKey"]["AccessKeyId"]
    fails(
        store,
        "UpdateAccessKey",
        "NoSuchEntity",
        f"The Access Key with id {bobs} cannot be found.",
        UserName="alice",
        AccessKeyId=bobs,
        Status="Inactive",
    )
    fails(
        store, "DeleteAccessKey", "NoSuchEntity", f"The Access Key with id {bobs} cannot be found.", AccessKeyId=bobs
    )  # root's own keys do not include bob's
    fails(
        store,
        "UpdateAccessKey",
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
        UserName="nobody",
        AccessKeyId=bobs,
        Status="Active",
    )
    fails(store, "CreateAccessKey", "NoSuchEntity", "The user with name nobody cannot be found.", UserName="nobody")
    fails(store, "ListAccessKeys", "NoSuchEntity", "The user with name nobody cannot be found.", UserName="nobody")


def test_last_used(store: Store) -> None:
    key_id = call(store, "CreateAccessKey", UserName="alice")["AccessKey"]["AccessKeyId"]
    assert call(store, "GetAccessKeyLastUsed", AccessKeyId=key_id) == {
        "UserName": "alice",
        "AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"},
    }
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with store.transaction() as conn:
        access_keys.record_key_use(conn, key_id, when, "iam", "us-east-1")
    assert call(store, "GetAccessKeyLastUsed", AccessKeyId=key_id)["AccessKeyLastUsed"] == {
        "ServiceName": "iam",
        "Region": "us-east-1",
        "LastUsedDate": when,
    }
    fails(
        store,
        "GetAccessKeyLastUsed",
        "NoSuchEntity",
        "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.",
        AccessKeyId="AKIAAAAAAAAAAAAAAAAA",
    )


def test_declarations(store: Store) -> None:
    alice = f"arn:aws:iam::{ACCT}:user/alice"
    for operation in ("CreateAccessKey", "ListAccessKeys", "UpdateAccessKey", "DeleteAccessKey"):
        assert declared(operation, store=store, UserName="alice") == ([alice], "user alice", {})
        assert declared(operation, store=store)[0] == [ROOT.arn]
        assert declared(operation, user_caller("alice"), store=store)[:2] == ([alice], "user alice")
    key_id = call(store, "CreateAccessKey", UserName="alice")["AccessKey"]["AccessKeyId"]
    root_key = call(store, "CreateAccessKey")["AccessKey"]["AccessKeyId"]
    assert declared("GetAccessKeyLastUsed", store=store, AccessKeyId=key_id)[0] == [alice]
    assert declared("GetAccessKeyLastUsed", store=store, AccessKeyId=root_key)[0] == [ROOT.arn]
    assert declared("GetAccessKeyLastUsed", store=store, AccessKeyId="AKIAUNKNOWN")[0] == ["*"]


# --- through the server, with boto3 as root ---------------------------------------------------


@pytest.fixture(scope="module")
def lamina_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    yield from served(tmp_path_factory)


def test_keys_groups_and_passwords_through_the_server(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    iam.create_user(UserName="kim")
    key = iam.create_access_key(UserName="kim")["AccessKey"]
    assert len(key["SecretAccessKey"]) == 40
    listed = iam.list_access_keys(UserName="kim")["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in listed] == [(key["AccessKeyId"], "Active")]
    assert "SecretAccessKey" not in listed[0]
    iam.create_access_key(UserName="kim")
    with pytest.raises(ClientError) as raised:
        iam.create_access_key(UserName="kim")
    assert raised.value.response["Error"]["Message"] == "Cannot exceed quota for AccessKeysPerUser: 2"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert used["UserName"] == "kim" and used["AccessKeyLastUsed"]["ServiceName"] == "N/A"

    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="kim")
    assert [u["UserName"] for u in iam.get_group(GroupName="devs")["Users"]] == ["kim"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="kim")["Groups"]] == ["devs"]

    with pytest.raises(ClientError) as raised:
        iam.get_account_password_policy()
    assert raised.value.response["Error"]["Message"] == (
        f"The Password Policy with domain name {lamina_server.account_id} cannot be found."
    )
    iam.update_account_password_policy(MinimumPasswordLength=10, RequireNumbers=True)
    assert iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 10
    with pytest.raises(ClientError) as raised:
        iam.create_login_profile(UserName="kim", Password="NoDigitsHere!")
    assert raised.value.response["Error"]["Code"] == "PasswordPolicyViolation"
    profile = iam.create_login_profile(UserName="kim", Password="Digits1234", PasswordResetRequired=True)
    assert profile["LoginProfile"]["PasswordResetRequired"] is True
    with pytest.raises(ClientError) as raised:
        iam.delete_user(UserName="kim")
    assert raised.value.response["Error"]["Message"] == "Cannot delete entity, must delete login profile first."


def test_a_users_own_key_without_policies_is_denied(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    iam.create_user(UserName="nopolicy")
    key = iam.create_access_key(UserName="nopolicy")["AccessKey"]
    own = lamina_server.client(
        "iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    with pytest.raises(ClientError) as raised:
        own.get_user()
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    assert raised.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{lamina_server.account_id}:user/nopolicy is not authorized to perform: iam:GetUser "
        "on resource: user nopolicy because no identity-based policy allows the iam:GetUser action"
    )
