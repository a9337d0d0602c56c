"""Resource policies evaluated with their principals bound to unique ids; policies gathered by unique id."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from lamina.auth.credentials import Caller
from lamina.authorization import caller_policies
from lamina.authorization.bound_principals import evaluation_form, resource_policy
from lamina.policy import PolicyKind, PolicySet, Principal, PrincipalType, Request, evaluate
from lamina.store import Store, open_store
from lamina.store.repositories import accounts, inline_policies, named_principals, roles, users

ACCOUNT = "111122223333"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
CAROL = f"arn:aws:iam::{ACCOUNT}:user/carol"
GONE = {BOB: "AIDAOLDBOBOLDBOBOLDBO"}


def statements(document: dict[str, object]) -> list[dict[str, object]]:
    found = json.loads(evaluation_form(json.dumps(document), GONE))["Statement"]
    assert isinstance(found, list)
    return found


def test_a_gone_principal_is_dropped_and_the_rest_kept() -> None:
    kept = statements({"Statement": [{"Effect": "Allow", "Principal": {"AWS": [BOB, CAROL]}, "Action": "a:b"}]})
    assert kept == [{"Effect": "Allow", "Principal": {"AWS": [CAROL]}, "Action": "a:b"}]


def test_a_principal_naming_only_gone_principals_applies_to_no_action_in_its_place() -> None:
    found = statements({"Statement": [
        {"Sid": "Old", "Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "sts:AssumeRole",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Effect": "Allow", "Principal": {"AWS": CAROL}, "Action": "sts:AssumeRole"}]})
    assert found[0] == {"Sid": "Old", "Effect": "Allow", "Principal": "*", "NotAction": "*"}
    assert found[1]["Principal"] == {"AWS": [CAROL]}


def test_other_principal_kinds_stay_when_the_aws_ones_are_gone() -> None:
    found = statements({"Statement": [{"Effect": "Allow", "Principal": {"AWS": BOB, "Service": "lambda.amazonaws.com"},
                                       "Action": "sts:AssumeRole"}]})
    assert found[0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_a_not_principal_excepting_only_gone_principals_applies_to_everyone() -> None:
    found = statements({"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": BOB}, "Action": "*",
                                       "Resource": "*"}]})
    assert found == [{"Effect": "Deny", "Action": "*", "Resource": "*", "Principal": "*"}]


def test_a_renamed_principal_is_matched_under_its_new_arn() -> None:
    text = json.dumps({"Statement": {"Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "a:b"}})
    found = json.loads(evaluation_form(text, {BOB: CAROL}))["Statement"]
    assert found["Principal"] == {"AWS": [CAROL]}


@pytest.fixture
def store() -> Iterator[Store]:
    opened = open_store("sqlite://")
    with opened.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
    yield opened
    opened.close()


def _user_caller(user: users.UserRow) -> Caller:
    return Caller(ACCOUNT, user.arn, "IAMUser", user.user_id, "AKIAKEY", user_name=user.name)


def test_a_trust_policy_trusts_the_bound_user_not_its_namesake(store: Store) -> None:
    with store.transaction() as conn:
        bob = users.create_user(conn, ACCOUNT, "bob")
        role = roles.create_role(conn, ACCOUNT, "target", json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "sts:AssumeRole"}]}))

    def allowed() -> bool:
        with store.transaction(read_only=True) as conn:
            trust = resource_policy(conn, named_principals.OWNER_ROLE_TRUST, role.role_id, role.assume_role_policy,
                                    PolicyKind.TRUST, "trust")
        request = Request(Principal(BOB, PrincipalType.USER, ACCOUNT), "sts:AssumeRole", role.arn)
        return evaluate(request, PolicySet(resource=trust)).allowed

    assert allowed()
    with store.transaction() as conn:
        users.delete_user(conn, ACCOUNT, "bob")
        assert users.create_user(conn, ACCOUNT, "bob").user_id != bob.user_id
    assert not allowed()


def test_policies_are_gathered_by_unique_id_not_by_name(store: Store) -> None:
    allow_all = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                                    "Resource": "*"}]})
    with store.transaction() as conn:
        old = users.create_user(conn, ACCOUNT, "bob")
    stale = _user_caller(old)
    assert caller_policies(store, stale).identity == ()
    with store.transaction() as conn:
        users.delete_user(conn, ACCOUNT, "bob")
        new = users.create_user(conn, ACCOUNT, "bob")
        inline_policies.put_inline_policy(conn, ACCOUNT, "user", "bob", "all", allow_all)
    assert caller_policies(store, stale).identity == ()  # same name and key, but not the same user
    assert len(caller_policies(store, _user_caller(new)).identity) == 1
