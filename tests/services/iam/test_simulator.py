"""The policy simulator in-process: decisions from the engine, statements by position, context keys."""

from __future__ import annotations

import json
import pickle
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import pytest

from lamina.auth.credentials import root_caller
from lamina.authorization.policies import for_role, for_user
from lamina.context import RequestContext
from lamina.policy import parse_policy
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


def simulate_principal(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The handler's result, with its offloaded work run right here."""
    return dict(simulator.simulate_principal_policy(ctx, store).run_inline() or {})


def simulate_custom(ctx: RequestContext, store: Store) -> dict[str, Any]:
    return dict(simulator.simulate_custom_policy(ctx, store).run_inline() or {})


def _ctx(**params: Any) -> RequestContext:
    ctx = RequestContext("r", "POST", "/", "", (), b"")
    ctx.caller = root_caller(ACCT, "AKIAROOT")
    ctx.params = params
    return ctx


def test_principal_policy_reports_decisions_and_statement_positions(store: Store) -> None:
    out = simulate_principal(_ctx(
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
    out = simulate_principal(_ctx(
        PolicySourceArn=f"arn:aws:iam::{ACCT}:user/eng/alice", ActionNames=["s3:PutObject"],
        ResourceArns=["arn:aws:s3:::secret/x", "arn:aws:s3:::open/x"]), store)
    secret, open_ = out["EvaluationResults"]
    assert secret["EvalDecision"] == "explicitDeny"
    assert secret["MatchedStatements"][0]["SourcePolicyType"] == "user"
    assert secret["MatchedStatements"][0]["StartPosition"] == {"Line": 4, "Column": 6}
    assert secret["MissingContextValues"] == ["aws:PrincipalTag/team"]
    assert open_["EvalDecision"] == "allowed"
    tagged = simulate_principal(_ctx(
        PolicySourceArn=f"arn:aws:iam::{ACCT}:user/alice", ActionNames=["s3:PutObject"],
        ResourceArns=["arn:aws:s3:::secret/x"], ContextEntries=[
            {"ContextKeyName": "aws:PrincipalTag/team", "ContextKeyValues": ["ops"], "ContextKeyType": "string"}]),
        store)
    assert tagged["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert tagged["EvaluationResults"][0]["MissingContextValues"] == []


def test_boundary_input_limits_the_principal(store: Store) -> None:
    boundary = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    out = simulate_principal(_ctx(
        PolicySourceArn=f"arn:aws:iam::{ACCT}:role/worker", ActionNames=["s3:PutObject"],
        PermissionsBoundaryPolicyInputList=[boundary]), store)
    result = out["EvaluationResults"][0]
    assert result["EvalDecision"] == "implicitDeny"
    assert result["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    assert result["EvalResourceName"] == "*" and "EvalDecisionDetails" not in result


def test_unknown_principal_is_no_such_entity(store: Store) -> None:
    with pytest.raises(ServiceError) as err:
        simulate_principal(_ctx(
            PolicySourceArn=f"arn:aws:iam::{ACCT}:user/nobody", ActionNames=["s3:PutObject"]), store)
    assert err.value.code == "NoSuchEntity"


def test_custom_policy_with_resource_policy_and_pagination(store: Store) -> None:
    allow = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})
    deny = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "sqs:DeleteQueue", "Resource": "*"}]})
    ctx = _ctx(PolicyInputList=[allow], ResourcePolicy=deny, ActionNames=["sqs:SendMessage", "sqs:DeleteQueue"],
               MaxItems=1)
    first = simulate_custom(ctx, store)
    assert first["IsTruncated"] is True and first["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert first["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    ctx.params["Marker"] = first["Marker"]
    second = simulate_custom(ctx, store)
    assert second["IsTruncated"] is False and second["EvaluationResults"][0]["EvalDecision"] == "explicitDeny"


def test_malformed_input_policy(store: Store) -> None:
    with pytest.raises(ServiceError) as err:
        simulate_custom(_ctx(PolicyInputList=["{nope"], ActionNames=["s3:GetObject"]), store)
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
    assert [parse_policy(p.text).document for p in found] == [p.document for p in gate.identity]
    assert boundary is None and gate.boundary is None


# -- the offloaded work -------------------------------------------------------------------------


def test_the_work_and_its_arguments_pickle(store: Store) -> None:
    """The server runs the work in another process: function and arguments cross as pickles."""
    offload = simulator.simulate_principal_policy(_ctx(
        PolicySourceArn=f"arn:aws:iam::{ACCT}:user/eng/alice", ActionNames=["s3:PutObject"],
        ResourceArns=["arn:aws:s3:::secret/x"], ContextEntries=[
            {"ContextKeyName": "aws:PrincipalTag/team", "ContextKeyValues": ["ops"], "ContextKeyType": "string"}],
        PolicyInputList=[PUT]), store)
    work, args = pickle.loads(pickle.dumps(offload.work)), pickle.loads(pickle.dumps(offload.args))
    assert work is simulator.simulate and args == offload.args
    assert offload.finish(work(*args)) == offload.run_inline()
    assert offload.run_inline()["EvaluationResults"][0]["EvalDecision"] == "allowed"  # type: ignore[index]


def test_past_the_time_budget_the_simulation_is_invalid_input(store: Store,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulator, "SIMULATION_BUDGET_SECONDS", 0.0)
    offload = simulator.simulate_custom_policy(_ctx(PolicyInputList=[PUT], ActionNames=["s3:PutObject"]), store)
    with pytest.raises(ServiceError) as err:
        offload.run_inline()
    assert err.value.code == "InvalidInput"
    assert "time budget of 0 seconds" in err.value.message and "MaxItems" in err.value.message
    assert pickle.loads(pickle.dumps(err.value)).code == "InvalidInput"


def test_only_the_requested_page_is_computed(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    decided: list[str] = []
    evaluate = simulator.evaluate
    monkeypatch.setattr(simulator, "evaluate", lambda request, policies: (
        decided.append(request.action), evaluate(request, policies))[1])
    out = simulate_custom(_ctx(PolicyInputList=[PUT], ActionNames=[f"s3:Action{i}" for i in range(10)],
                               MaxItems=3, Marker="6"), store)
    assert decided == ["s3:Action6", "s3:Action7", "s3:Action8"]
    assert out["IsTruncated"] is True and out["Marker"] == "9"


def _calls(run: Callable[[], object]) -> int:
    """Functions called (Python and built-in) by ``run()``: work that does not depend on the machine."""
    count = 0

    def hook(_frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal count
        count += event in ("call", "c_call")

    sys.setprofile(hook)
    try:
        run()
    finally:
        sys.setprofile(None)
    return count


def _every_statement_matches(n: int, seed: int) -> Callable[[], object]:
    """A custom policy of ``n`` statements that all match, so every one is reported with its position."""
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{seed}x{i}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"} for i in range(n)]},
        indent=1)
    job = simulator.Simulation(
        identity=(simulator.PolicyText("PolicyInputList.1", "IAM Policy", text),), boundary=None,
        resource_policy=None, principal=simulator.PrincipalFacts(f"arn:aws:iam::{ACCT}:user/a", "User", ACCT),
        actions=("s3:GetObject", "s3:PutObject"), resources=(), context={}, resource_owner=None, start=0, size=100)
    return lambda: simulator.simulate(job, 60.0)


def test_simulation_work_grows_linearly_with_statements() -> None:
    """Counted in calls: about 2 when the statements double (a scan of the text per matched
    statement made it about 4: 2,000 statements took 23 s)."""
    _every_statement_matches(10, 1)()
    assert _calls(_every_statement_matches(800, 3)) / _calls(_every_statement_matches(400, 2)) < 2.3


@pytest.mark.parametrize("marker", ["²", "9" * 5000, "x"])
def test_a_marker_this_simulator_did_not_write_starts_at_the_beginning(store: Store, marker: str) -> None:
    out = simulate_custom(_ctx(PolicyInputList=[PUT], ActionNames=["s3:PutObject", "s3:GetObject"],
                               Marker=marker), store)
    assert [r["EvalActionName"] for r in out["EvaluationResults"]] == ["s3:PutObject", "s3:GetObject"]
