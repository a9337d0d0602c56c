"""One tag context for every IAM operation that carries tags: the user operations, the role and
policy operations, and those declared from the catalog used three builders that disagreed on
``aws:TagKeys``; now each gives the Service Authorization Reference's keys for the same request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lamina.auth.credentials import root_caller
from lamina.context import RequestContext
from lamina.policy import ContextValue
from lamina.services import declaration
from lamina.store import Store, open_store
from lamina.store.repositories import accounts

ACCT = "123456789012"
TAGGING = {"UserName": "u", "RoleName": "r", "PolicyArn": f"arn:aws:iam::{ACCT}:policy/p",
           "InstanceProfileName": "i", "PolicyName": "p", "PolicyDocument": "{}", "AssumeRolePolicyDocument": "{}"}
"""Names each operation needs beside its tags; none of them is a tag key."""

TAG = ("TagUser", "TagRole", "TagPolicy", "TagInstanceProfile")
CREATE = ("CreateUser", "CreateRole", "CreatePolicy", "CreateInstanceProfile")
UNTAG = ("UntagUser", "UntagRole", "UntagPolicy", "UntagInstanceProfile")
"""Users (users.py), roles and policies (the former _role_policy_common), instance profiles (the catalog)."""


@pytest.fixture
def store() -> Iterator[Store]:
    st = open_store("sqlite://")
    with st.transaction() as conn:
        accounts.create_account(conn, ACCT)
    yield st


def _keys(operation: str, params: dict[str, Any], store: Store) -> dict[str, ContextValue]:
    found = declaration("iam", operation)
    assert found is not None and found.context is not None, operation
    ctx = RequestContext("r", "POST", "/", "", (), b"", service="iam", operation=operation)
    ctx.caller, ctx.params = root_caller(ACCT, "AKIAROOT"), {**TAGGING, **params}
    return dict(found.context(ctx, store))


@pytest.mark.parametrize("operation", TAG + CREATE)
def test_tags_give_request_tags_and_their_keys(operation: str, store: Store) -> None:
    tags = [{"Key": "team", "Value": "blue"}, {"Key": "Env", "Value": "prod"}]
    assert _keys(operation, {"Tags": tags}, store) == {
        "aws:RequestTag/team": "blue", "aws:RequestTag/Env": "prod", "aws:TagKeys": ["team", "Env"]}


@pytest.mark.parametrize("operation", TAG)
def test_a_key_given_twice_is_listed_once(operation: str, store: Store) -> None:
    tags = [{"Key": "team", "Value": "blue"}, {"Key": "team", "Value": "red"}]
    assert _keys(operation, {"Tags": tags}, store) == {"aws:RequestTag/team": "red", "aws:TagKeys": ["team"]}


@pytest.mark.parametrize("operation", UNTAG)
def test_untag_lists_the_removed_keys_and_no_request_tags(operation: str, store: Store) -> None:
    assert _keys(operation, {"TagKeys": ["team", "Env"]}, store) == {"aws:TagKeys": ["team", "Env"]}


@pytest.mark.parametrize("operation", UNTAG + CREATE)
def test_no_keys_means_no_tag_keys(operation: str, store: Store) -> None:
    """Deliberate: UntagUser with an empty TagKeys used to send ``aws:TagKeys: []`` where UntagRole
    sent nothing; now none does, so ``Null`` and ``ForAllValues`` read every one the same way."""
    assert _keys(operation, {"TagKeys": []}, store) == {}
