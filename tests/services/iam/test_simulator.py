"""The policy simulator in-process: decisions from the engine, statements by position, context keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

import lamina.services.iam  # noqa: F401  (registers the handlers)
from lamina.auth.credentials import root_caller
from lamina.authorization.policies import for_role, for_user
from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.iam import simulator
from lamina.store import Store, open_store
from lamina.store.repositories import accounts, attachments, groups, inline_policies, policies, roles, users

ACCT = "123456789012"
PUT = json.dumps({"Version": "2012-10-17",
                  "Statement": {"Sid": "", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}})
DENY_SECRET = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::secret/*",
     "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "ops"}}}]}, indent=2)


@pytest.fixture
def store() -> Iterator[Store]:
    st = open_store("sqlite://")
    with st.transaction() as conn:
        accounts.create_account(conn, ACCT)
        users.create_user(conn, ACCT, "alice", "/eng/")
        groups.create_group(conn, ACCT, "devs")
        groups.add_user_to_group(conn, ACCT, "devs", "alice")
        arn = policies.create_policy(conn, ACCT, "put", PUT).arn
        attachments.attach_policy(conn, ACCT, "group", "devs", arn)
        inline_policies.put_inline_policy(conn, ACCT, "user", "alice", "deny-secret", DENY_SECRET)
        roles.create_role(conn, ACCT, "worker", "{}")
        attachments.attach_policy(conn, ACCT, "role", "worker", arn)
    yield st


def _ctx(**params: Any) -> RequestContext:
    ctx = RequestContext("r", "POST", "/", "", (), b"")
    ctx.caller = root_caller(ACCT, "AKIAROOT")
    ctx.params = params
    return ctx


def test_principal_policy_reports_decisions_and_statement_positions(store: Store) -> None:
    out = simulator.simulate_principal_policy(_ctx(
        PolicySourceArn=f"arn:aws:iam::{ACCT}:role/worker", ActionNames=["s3:PutObject", "s3:GetObjectVersion"],
        ResourceArns=["arn:aws:s3:::bucket"]), store)
    put, get = out["EvaluationResults"]
    assert (put["EvalDecision"], get["EvalDecision"]) == ("allowed", "implicitDeny")
    assert put["MatchedStatements"] == [{"SourcePolicyId": "put", "SourcePolicyType": "IAM Policy",
                                         "StartPosition": {"Line": 1, "Column": 41},
                                         "EndPosition": {"Line": 1, "Column": 113}}]  # AWS's numbers
    assert get["MatchedStatements"] == [] and out["IsTruncated"] is False
    assert put["EvalDecisionDetails"] == {} and put["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    assert put["ResourceSpecificResults"][0]["EvalResourceDecision"] == "allowed"


def test_user_gets_group_policies_and_its_inline_deny(store: Store) -> None:
    out = simulator.simulate_principal_policy(_ctx(
        PolicySourceArn=f"arn:aws:iam::{ACCT}:user/eng/alice", ActionNames=["s3:PutObject"],
        ResourceArns=["arn:aws:s3:::secret/x", "arn:aws:s3:::open/x"]), store)
    secret, open_ = out["EvaluationResults"]
    assert secret["EvalDecision"] == "explicitDeny"
    assert secret["MatchedStatements"][0]["SourcePolicyType"] == "user"
    assert secret["MatchedStatements"][0]["StartPosition"] == {"Line": 4, "Column": 6}
    assert secret["MissingContextValues"] == ["aws:PrincipalTag/team"]
    assert open_["EvalDecision"] == "allowed"
    tagged = simulator.simulate_principal_policy(_ctx(
        PolicySourceArn=f"arn:aws:iam::{ACCT}:user/alice", ActionNames=["s3:PutObject"],
        ResourceArns=["arn:aws:s3:::secret/x"], ContextEntries=[
            {"ContextKeyName": "aws:PrincipalTag/team", "ContextKeyValues": ["ops"], "ContextKeyType": "string"}]),
        store)
    assert tagged["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert tagged["EvaluationResults"][0]["MissingContextValues"] == []


def test_boundary_input_limits_the_principal(store: Store) -> None:
    boundary = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    out = simulator.simulate_principal_policy(_ctx(
        PolicySourceArn=f"arn:aws:iam::{ACCT}:role/worker", ActionNames=["s3:PutObject"],
        PermissionsBoundaryPolicyInputList=[boundary]), store)
    result = out["EvaluationResults"][0]
    assert result["EvalDecision"] == "implicitDeny"
    assert result["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    assert result["EvalResourceName"] == "*" and "EvalDecisionDetails" not in result


def test_unknown_principal_is_no_such_entity(store: Store) -> None:
    with pytest.raises(ServiceError) as err:
        simulator.simulate_principal_policy(_ctx(
            PolicySourceArn=f"arn:aws:iam::{ACCT}:user/nobody", ActionNames=["s3:PutObject"]), store)
    assert err.value.code == "NoSuchEntity"


def test_custom_policy_with_resource_policy_and_pagination(store: Store) -> None:
    allow = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})
    deny = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "sqs:DeleteQueue", "Resource": "*"}]})
    ctx = _ctx(PolicyInputList=[allow], ResourcePolicy=deny, ActionNames=["sqs:SendMessage", "sqs:DeleteQueue"],
               MaxItems=1)
    first = simulator.simulate_custom_policy(ctx, store)
    assert first["IsTruncated"] is True and first["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert first["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    ctx.params["Marker"] = first["Marker"]
    second = simulator.simulate_custom_policy(ctx, store)
    assert second["IsTruncated"] is False and second["EvaluationResults"][0]["EvalDecision"] == "explicitDeny"


def test_malformed_input_policy(store: Store) -> None:
    with pytest.raises(ServiceError) as err:
        simulator.simulate_custom_policy(_ctx(PolicyInputList=["{nope"], ActionNames=["s3:GetObject"]), store)
    assert err.value.code == "MalformedPolicyDocument"


def test_context_keys(store: Store) -> None:
    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*",
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringEquals": {"s3:prefix": "x"}}}]})
    custom = simulator.get_context_keys_for_custom_policy(_ctx(PolicyInputList=[doc]), store)
    assert custom["ContextKeyNames"] == ["aws:SourceIp", "aws:username", "s3:prefix"]
    principal = simulator.get_context_keys_for_principal_policy(
        _ctx(PolicySourceArn=f"arn:aws:iam::{ACCT}:user/alice", PolicyInputList=[doc]), store)
    assert principal["ContextKeyNames"] == ["aws:PrincipalTag/team", "aws:SourceIp", "aws:username", "s3:prefix"]


@pytest.mark.parametrize("arn", [f"arn:aws:iam::{ACCT}:user/eng/alice", f"arn:aws:iam::{ACCT}:role/worker"])
def test_simulator_reads_the_same_policies_as_the_gate(store: Store, arn: str) -> None:
    _, found, boundary = simulator.principal_sources(store, ACCT, arn)
    name = arn.rsplit("/", 1)[-1]
    with store.transaction(read_only=True) as conn:
        gate = for_user(conn, ACCT, name) if ":user/" in arn else for_role(conn, ACCT, name)
    assert [s.policy.document for s in found] == [p.document for p in gate.identity]
    assert boundary is None and gate.boundary is None
