"""The compiled engine and the naive reference evaluator must agree, and both must match the corpus.

Two independent readings of docs/evaluation-semantics.md check each other (Cedar's differential
testing): random policies and requests from ``strategies``, plus the hand-written expected outcomes
of the engine benchmark's scenarios S1, S2 and S4.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from reference import reference_evaluate
from strategies import batches

from lamina.policy import Decision, PolicyKind, PolicySet, Principal, PrincipalType, Request, evaluate, parse_policy

SCENARIOS = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "scenarios.json"


def essence(decision: Decision) -> tuple[Any, ...]:
    """What must agree: outcome, reasons as (policy_id, policy_type, statement_index), denied_by."""
    reasons = tuple((r.policy_id, r.policy_type, r.statement_index) for r in decision.reasons)
    return decision.outcome, reasons, decision.denied_by


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_engine_agrees_with_reference(batch: tuple[list[Request], PolicySet]) -> None:
    """Outcome, ordered reasons and denied_by are the same for every random request and policy set."""
    requests, policies = batch
    for request in requests:
        assert essence(evaluate(request, policies)) == essence(reference_evaluate(request, policies)), request


def principal_from_arn(arn: str) -> Principal:
    """The scenarios' callers are IAM users: ``arn:aws:iam::ACCOUNT:user/NAME``."""
    assert ":user/" in arn, arn
    return Principal(arn, PrincipalType.USER, arn.split(":")[4])


def scenario_cases(name: str) -> list[tuple[str, Request, PolicySet, str]]:
    scenario = json.loads(SCENARIOS.read_text())[name]
    identity = [parse_policy(p["policy"], PolicyKind.IDENTITY, policy_id=p["name"])
                for p in scenario["identity_policies"]]
    out = []
    for r in scenario["requests"]:
        resource = None
        if r.get("resource_policy") is not None:
            resource = parse_policy(r["resource_policy"], PolicyKind.RESOURCE, policy_id="resource")
        request = Request(principal_from_arn(r["principal"]), r["action"], r["resource"],
                          r.get("context", {}), r.get("resource_account"))
        out.append((r["id"], request, PolicySet(identity=identity, resource=resource), r["expected"]))
    return out


@pytest.mark.parametrize("name", ["S1", "S2", "S4"])
def test_scenarios_expected_outcomes(name: str) -> None:
    """Both evaluators give every hand-written expected outcome, with the same reasons."""
    wrong = []
    for case_id, request, policies, expected in scenario_cases(name):
        fast, naive = evaluate(request, policies), reference_evaluate(request, policies)
        if fast.outcome.value != expected or naive.outcome.value != expected:
            wrong.append(f"{case_id}: expected {expected}, engine {fast.outcome.value}, "
                         f"reference {naive.outcome.value}")
        elif essence(fast) != essence(naive):
            wrong.append(f"{case_id}: engine {essence(fast)} != reference {essence(naive)}")
    assert not wrong, "\n".join(wrong)
