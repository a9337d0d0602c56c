"""AssumeRole and GetSessionToken in-process: the handlers' rules and the sessions they store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from lamina.auth.credentials import Caller, resolve_access_key, root_caller
from lamina.context import RequestContext
from lamina.policy import PolicyKind
from lamina.protocols import ServiceError
from lamina.services import declaration
from lamina.services.sts.assume_role import assume_role
from lamina.services.sts.session_token import get_session_token
from lamina.store import Store, open_store
from lamina.store.repositories import accounts, inline_policies, roles, sessions, users

ACCT = "123456789012"
OTHER = "210987654321"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
ROLE_ARN = f"arn:aws:iam::{ACCT}:role/ci/deployer"
ASSUMER = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"}]})
USER = Caller(ACCT, f"arn:aws:iam::{ACCT}:user/builder", "IAMUser", "AIDABUILDER", "AKIABUILDER",
              user_name="builder")
"""Roles are assumed by an IAM user whose identity policy allows it: AWS refuses the root user."""
ROOT = root_caller(ACCT, "AKIAROOT")


@pytest.fixture
def store() -> Store:
    store = open_store("sqlite://")
    with store.transaction() as conn:
        accounts.create_account(conn, ACCT)
        accounts.create_account(conn, OTHER)
        roles.create_role(conn, ACCT, "deployer", TRUST, path="/ci/", max_session_duration=7200)
        roles.create_role(conn, OTHER, "auditor", TRUST)
        users.create_user(conn, ACCT, "builder")
        inline_policies.put_inline_policy(conn, ACCT, "user", "builder", "assume", ASSUMER)
    return store


def ctx(params: dict[str, Any], caller: Caller | None = None) -> RequestContext:
    return RequestContext("r", "POST", "/", "", [], b"", caller=caller or USER,
                          region="us-east-1", operation="AssumeRole", params=params)


def assume(store: Store, caller: Caller | None = None, **params: Any) -> dict[str, Any]:
    return assume_role(ctx({"RoleArn": ROLE_ARN, "RoleSessionName": "s1", **params}, caller), store)


def error_of(call: Any) -> ServiceError:
    with pytest.raises(ServiceError) as raised:
        call()
    return raised.value


def session_caller_of(store: Store, result: dict[str, Any]) -> Caller:
    creds = result["Credentials"]
    found = resolve_access_key(store, creds["AccessKeyId"])
    assert found is not None and found.secret == creds["SecretAccessKey"]
    return found.accept(creds["SessionToken"], datetime.now(UTC))


def test_assume_role_issues_a_role_session(store: Store) -> None:
    result = assume(store)
    creds, user = result["Credentials"], result["AssumedRoleUser"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert 3590 <= (creds["Expiration"] - datetime.now(UTC)).total_seconds() <= 3600
    assert user["Arn"] == f"arn:aws:sts::{ACCT}:assumed-role/deployer/s1"
    assert user["AssumedRoleId"].startswith("AROA") and user["AssumedRoleId"].endswith(":s1")
    assert "PackedPolicySize" not in result
    caller = session_caller_of(store, result)
    assert (caller.arn, caller.role_arn, caller.principal_type) == (user["Arn"], ROLE_ARN, "AssumedRole")


def test_root_may_not_assume_a_role(store: Store) -> None:
    refusal = ("AccessDenied", 403, "Roles may not be assumed by root accounts.")
    error = error_of(lambda: assume(store, ROOT))
    assert (error.code, error.status, error.message) == refusal
    root_session = session_caller_of(store, get_session_token(ctx({}, ROOT), store))
    again = error_of(lambda: assume(store, root_session))  # the root's session credentials are still the root
    assert (again.code, again.status, again.message) == refusal


def test_cross_account_role_is_found_in_its_account(store: Store) -> None:
    result = assume_role(ctx({"RoleArn": f"arn:aws:iam::{OTHER}:role/auditor", "RoleSessionName": "x"}), store)
    assert result["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{OTHER}:assumed-role/auditor/x"


def test_duration_is_bounded_by_the_role(store: Store) -> None:
    assert assume(store, DurationSeconds=7200)["Credentials"]["Expiration"]
    error = error_of(lambda: assume(store, DurationSeconds=7201))
    assert (error.code, error.message) == (
        "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")


def test_role_chaining_is_limited_to_one_hour(store: Store) -> None:
    chained = session_caller_of(store, assume(store))
    error = error_of(lambda: assume(store, chained, DurationSeconds=3601))
    assert error.code == "ValidationError" and "role chaining" in error.message
    assert assume(store, chained, RoleSessionName="s2")["AssumedRoleUser"]["Arn"].endswith("/deployer/s2")


def test_session_policy_is_parsed_and_stored(store: Store) -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:Get*",
                                                                  "Resource": "*"}]})
    arns = [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    result = assume(store, Policy=policy, PolicyArns=arns)
    assert 0 < result["PackedPolicySize"] <= 100
    with store.transaction(read_only=True) as conn:
        spec = sessions.get_session(conn, result["Credentials"]["AccessKeyId"]).spec
    assert spec.session_policies == (policy,)
    assert spec.session_policy_arns == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)
    assert error_of(lambda: assume(store, Policy="{not json")).code == "MalformedPolicyDocument"


def test_tags_and_transitive_keys(store: Store) -> None:
    result = assume(store, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "prod"}],
                    TransitiveTagKeys=["team"])
    assert "PackedPolicySize" in result
    duplicate = error_of(lambda: assume(store, Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]))
    assert (duplicate.code, duplicate.message) == (
        "InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    stray = error_of(lambda: assume(store, Tags=[{"Key": "a", "Value": "1"}], TransitiveTagKeys=["b"]))
    assert stray.message == "The specified transitive tag key must be included in the requested tags."
    chained = session_caller_of(store, result)
    inherited = assume(store, chained, RoleSessionName="s2")
    with store.transaction(read_only=True) as conn:
        spec = sessions.get_session(conn, inherited["Credentials"]["AccessKeyId"]).spec
    assert dict(spec.tags) == {"team": "a"} and spec.transitive_tag_keys == ("team",)
    conflict = error_of(lambda: assume(store, chained, RoleSessionName="s3", Tags=[{"Key": "TEAM", "Value": "b"}]))
    assert conflict.code == "InvalidParameterValue" and "conflicts with a transitive tag key" in conflict.message


def test_malformed_role_arn_is_a_validation_error(store: Store) -> None:
    error = error_of(lambda: assume(store, RoleArn="nothing-valid-in-here"))
    assert (error.code, error.message) == ("ValidationError", "nothing-valid-in-here is invalid")


def test_declaration_uses_the_trust_policy_and_sts_keys(store: Store) -> None:
    declared = declaration("sts", "AssumeRole")
    assert declared is not None and declared.actions == ("sts:AssumeRole",)
    assert declared.more_actions is not None
    assert declared.resource_policy is not None and declared.context is not None
    request = ctx({"RoleArn": ROLE_ARN, "RoleSessionName": "s1", "ExternalId": "xyz",
                   "Tags": [{"Key": "team", "Value": "a"}]})
    trust = declared.resource_policy(request, store)
    assert trust is not None and trust.kind is PolicyKind.TRUST and "1 statement" in repr(trust)
    assert list(declared.more_actions(request)) == ["sts:TagSession"]
    transitive_only = ctx({"RoleArn": ROLE_ARN, "RoleSessionName": "s1", "TransitiveTagKeys": ["team"]})
    assert list(declared.more_actions(transitive_only)) == ["sts:TagSession"]
    assert list(declared.more_actions(ctx({"RoleArn": ROLE_ARN, "RoleSessionName": "s1"}))) == []
    keys = declared.context(request, store)
    assert keys["sts:ExternalId"] == "xyz" and keys["sts:RoleSessionName"] == "s1"
    assert keys["aws:RequestTag/team"] == "a" and keys["aws:TagKeys"] == ["team"]
    missing = ctx({"RoleArn": f"arn:aws:iam::{ACCT}:role/nope", "RoleSessionName": "s1"})
    nothing = declared.resource_policy(missing, store)
    assert nothing is not None and "0 statements" in repr(nothing)
    wrong_path = ctx({"RoleArn": f"arn:aws:iam::{ACCT}:role/deployer", "RoleSessionName": "s1"})
    assert "0 statements" in repr(declared.resource_policy(wrong_path, store))


def test_get_session_token_for_root_and_refused_for_sessions(store: Store) -> None:
    result = get_session_token(ctx({"DurationSeconds": 7200}, ROOT), store)
    creds = result["Credentials"]
    assert (creds["Expiration"] - datetime.now(UTC)).total_seconds() <= 3600  # the root's cap
    caller = session_caller_of(store, result)
    assert (caller.arn, caller.principal_type, caller.temporary) == (f"arn:aws:iam::{ACCT}:root", "Root", True)
    error = error_of(lambda: get_session_token(ctx({}, caller), store))
    assert (error.code, error.status, error.message) == (
        "AccessDenied", 403, "Cannot call GetSessionToken with session credentials")
    role_session = session_caller_of(store, assume(store))
    assert error_of(lambda: get_session_token(ctx({}, role_session), store)).code == "AccessDenied"


def test_get_session_token_for_a_user_acts_as_the_user(store: Store) -> None:
    with store.transaction() as conn:
        alice = users.create_user(conn, ACCT, "alice")
    user = Caller(ACCT, alice.arn, "IAMUser", alice.user_id, "AKIAUSER", user_name="alice")
    result = get_session_token(ctx({}, user), store)
    assert (result["Credentials"]["Expiration"] - datetime.now(UTC)).total_seconds() > 43000
    caller = session_caller_of(store, result)
    assert (caller.arn, caller.user_id, caller.user_name) == (user.arn, alice.user_id, "alice")
    assert caller.principal_type == "IAMUser" and caller.temporary


def test_source_identity_is_returned_and_carried_through_chaining(store: Store) -> None:
    result = assume(store, SourceIdentity="alice@example.com")
    assert result["SourceIdentity"] == "alice@example.com"
    chained = assume(store, session_caller_of(store, result), RoleSessionName="s2")
    assert chained["SourceIdentity"] == "alice@example.com"
    assert "SourceIdentity" not in assume(store)
