"""Login profiles and the account password policy, in-process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from identity_support import ACCT, call, declared, fails, new_store, user_caller

from lamina.store import Store
from lamina.store.repositories import login_profiles

STRONG = "Str0ng!pass"


@pytest.fixture
def store() -> Iterator[Store]:
    st = new_store()
    call(st, "CreateUser", UserName="alice")
    yield st


def test_login_profile_lifecycle(store: Store) -> None:
    profile = call(store, "CreateLoginProfile", UserName="alice", Password=STRONG, PasswordResetRequired=True)
    assert profile["LoginProfile"]["UserName"] == "alice"
    assert profile["LoginProfile"]["PasswordResetRequired"] is True
    assert isinstance(profile["LoginProfile"]["CreateDate"], datetime)
    assert call(store, "GetLoginProfile", UserName="alice") == profile
    with store.transaction(read_only=True) as conn:
        assert login_profiles.check_password(conn, ACCT, "alice", STRONG)
    assert call(store, "UpdateLoginProfile", UserName="alice", Password="An0ther!pw", PasswordResetRequired=False) == {}
    assert call(store, "GetLoginProfile", UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
    with store.transaction(read_only=True) as conn:
        assert login_profiles.check_password(conn, ACCT, "alice", "An0ther!pw")
    assert call(store, "DeleteLoginProfile", UserName="alice") == {}
    fails(store, "GetLoginProfile", "NoSuchEntity", "Login Profile for User alice cannot be found.", UserName="alice")


def test_login_profile_errors(store: Store) -> None:
    call(store, "CreateLoginProfile", UserName="alice", Password=STRONG)
    fails(
        store,
        "CreateLoginProfile",
        "EntityAlreadyExists",
        "Login Profile for user alice already exists.",
        UserName="alice",
        Password=STRONG,
    )
    for operation in ("CreateLoginProfile", "GetLoginProfile", "UpdateLoginProfile", "DeleteLoginProfile"):
        fails(
            store, operation, "NoSuchEntity", "The user with name bob cannot be found.", UserName="bob", Password=STRONG
        )
    call(store, "CreateUser", UserName="carol")
    fails(
        store,
        "UpdateLoginProfile",
        "NoSuchEntity",
        "Login Profile for User carol cannot be found.",
        UserName="carol",
        Password=STRONG,
    )
    fails(
        store, "DeleteLoginProfile", "NoSuchEntity", "Login Profile for User carol cannot be found.", UserName="carol"
    )


def test_own_login_profile_without_user_name(store: Store) -> None:
    call(store, "CreateLoginProfile", user_caller("alice"), Password=STRONG)
    assert call(store, "GetLoginProfile", user_caller("alice"))["LoginProfile"]["UserName"] == "alice"


@pytest.mark.parametrize("weak", ["short1A", "alllowercase", "lower1234", "UPPER!!!"])
def test_default_policy_needs_eight_characters_and_three_kinds(store: Store, weak: str) -> None:
    fails(store, "CreateLoginProfile", "PasswordPolicyViolation", UserName="alice", Password=weak)
    fails(store, "GetLoginProfile", "NoSuchEntity", UserName="alice")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!", "Password should have a minimum length of 10"),
        ("abcdefgh1!x", "Password should have at least one uppercase letter"),
        ("ABCDEFGH1!X", "Password should have at least one lowercase letter"),
        ("Abcdefghij!", "Password should have at least one number"),
        ("Abcdefghij1", "Password should have at least one symbol"),
    ],
)
def test_account_policy_is_enforced(store: Store, password: str, message: str) -> None:
    call(
        store,
        "UpdateAccountPasswordPolicy",
        MinimumPasswordLength=10,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
    )
    fails(store, "CreateLoginProfile", "PasswordPolicyViolation", message, UserName="alice", Password=password)
    call(store, "CreateLoginProfile", UserName="alice", Password="Abcdefgh1!x")
    fails(store, "UpdateLoginProfile", "PasswordPolicyViolation", message, UserName="alice", Password=password)


def test_a_lax_account_policy_replaces_the_default(store: Store) -> None:
    call(store, "UpdateAccountPasswordPolicy", MinimumPasswordLength=6)
    call(store, "CreateLoginProfile", UserName="alice", Password="simple")


def test_password_policy_lifecycle(store: Store) -> None:
    missing = f"The Password Policy with domain name {ACCT} cannot be found."
    fails(store, "GetAccountPasswordPolicy", "NoSuchEntity", missing)
    fails(store, "DeleteAccountPasswordPolicy", "NoSuchEntity", missing)
    call(store, "UpdateAccountPasswordPolicy", MinimumPasswordLength=12, RequireNumbers=True)
    assert call(store, "GetAccountPasswordPolicy")["PasswordPolicy"] == {
        "MinimumPasswordLength": 12,
        "RequireSymbols": False,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False,
        "ExpirePasswords": False,
        "MaxPasswordAge": None,
        "PasswordReusePrevention": None,
    }
    call(store, "UpdateAccountPasswordPolicy", MaxPasswordAge=90, PasswordReusePrevention=5, HardExpiry=True)
    policy = call(store, "GetAccountPasswordPolicy")["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 6  # replaced, not merged
    assert policy["ExpirePasswords"] is True and policy["MaxPasswordAge"] == 90
    assert policy["PasswordReusePrevention"] == 5 and policy["HardExpiry"] is True
    assert call(store, "DeleteAccountPasswordPolicy") == {}
    fails(store, "GetAccountPasswordPolicy", "NoSuchEntity", missing)


def test_declarations(store: Store) -> None:
    for operation in ("CreateLoginProfile", "GetLoginProfile", "UpdateLoginProfile", "DeleteLoginProfile"):
        assert declared(operation, store=store, UserName="alice") == (
            [f"arn:aws:iam::{ACCT}:user/alice"],
            "user alice",
            {},
        )
    for operation in ("UpdateAccountPasswordPolicy", "GetAccountPasswordPolicy", "DeleteAccountPasswordPolicy"):
        assert declared(operation)[0] == ["*"]
