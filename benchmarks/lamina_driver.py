"""Lamina's side of the benchmark: scenarios into ``lamina.policy`` requests, timed like the peers.

Every policy is parsed and compiled once (``parse_policy``); each timed call is one ``evaluate``.

    .venv/bin/python benchmarks/lamina_driver.py EXPANDED.json [SPEC_JSON]
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Built, Case, Json, NotExpressible, run_driver
from lamina.policy import (
    Policy,
    PolicyKind,
    PolicySet,
    Principal,
    Request,
    evaluate,
    parse_policy,
)


def principal_of(request: Json) -> Principal:
    """The caller of a scenario request, typed from its ARN (``role_arn`` for sessions)."""
    return Principal.from_arn(request["principal"], request.get("role_arn"))


def request_of(request: Json) -> Request:
    return Request(
        principal_of(request),
        request["action"],
        request["resource"],
        context=request.get("context", {}),
        resource_account=request.get("resource_account"),
    )


def policy_set_of(scenario: Json, request: Json) -> PolicySet:
    """The scenario's identity, boundary and session policies, plus the request's resource policy."""
    identity = [parse_policy(named["policy"], PolicyKind.IDENTITY, named["name"])
                for named in scenario["identity_policies"]]
    boundary = scenario.get("boundary")
    session = scenario.get("session_policy")
    resource = request.get("resource_policy")
    return PolicySet(
        identity=identity,
        boundary=parse_policy(boundary, PolicyKind.IDENTITY, "boundary") if boundary else None,
        session=[parse_policy(session, PolicyKind.IDENTITY, "session")] if session else None,
        resource=parse_policy(resource, PolicyKind.RESOURCE, "resource") if resource else None,
    )


def _all_policies(policies: PolicySet) -> list[Policy]:
    found = [*policies.identity, *(policies.session or ())]
    return found + [p for p in (policies.boundary, policies.resource) if p is not None]


def _case(lamina_request: Request, policies: PolicySet, request_id: str, cold: bool = False) -> Case:
    every = _all_policies(policies)

    def decide() -> object:
        if cold:  # the first sight of this (action, resource): the memo is emptied before each decision
            for policy in every:
                policy.compiled.clear_memo()
        return evaluate(lamina_request, policies)

    def outcome() -> str:
        return evaluate(lamina_request, policies).outcome.value

    return Case(request_id, decide, outcome)


def build(scenario: Json, cold: bool = False) -> Built | NotExpressible:
    shared = policy_set_of(scenario, {})
    cases = []
    for request in scenario["requests"]:
        policies = policy_set_of(scenario, request) if request.get("resource_policy") else shared
        cases.append(_case(request_of(request), policies, request["id"], cold))
    return Built(cases)


def build_cold(scenario: Json) -> Built | NotExpressible:
    """Each decision as if its (action, resource) were new: the statement memo cleared first."""
    return build(scenario, cold=True)


if __name__ == "__main__":
    run_driver("lamina", version("lamina"), "evaluate, policies compiled once", build)
