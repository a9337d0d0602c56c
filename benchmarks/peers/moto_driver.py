"""Peer driver: moto's IAM policy evaluator (``moto.iam.access_control.IAMPolicy``).

Runs under ``.bench-venv`` (benchmarks/requirements-peers.txt), never under Lamina's own venv.
It decides a request the way moto's own request authorizer does for an IAM user
(``IAMRequestBase.check_action_permitted``): each identity policy's ``is_action_permitted(action,
resource)``; the first DENIED is an explicit deny, any PERMITTED allows, else an implicit deny.
moto passes no condition values there, and its condition code knows only StringEquals, so
conditions do not restrict anything: S2 runs but is marked not comparable.

Each policy is parsed once (``IAMPolicy.__init__`` loads the JSON); only the decisions are timed.

    .bench-venv/bin/python benchmarks/peers/moto_driver.py EXPANDED.json [SPEC_JSON]
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moto.iam.access_control import IAMPolicy, PermissionResult

from harness import Built, Case, Json, NotExpressible, principal_kind, run_driver

NOT_COMPARABLE = {
    "S2": "n/c: moto evaluates only StringEquals and passes no condition values for identity policies",
}


def _decider(policies: list[IAMPolicy], action: str, resource: str) -> tuple[object, object]:
    def decide() -> str:
        permitted = False
        for policy in policies:
            result = policy.is_action_permitted(action, resource)
            if result == PermissionResult.DENIED:
                return "ExplicitDeny"
            if result == PermissionResult.PERMITTED:
                permitted = True
        return "Allow" if permitted else "ImplicitDeny"

    return decide, decide


def build(scenario: Json) -> Built | NotExpressible:
    if scenario.get("boundary") or scenario.get("session_policy"):
        return NotExpressible("moto's access control has no permissions boundaries or session policies")
    requests = scenario["requests"]
    if any(request.get("resource_policy") for request in requests):
        return NotExpressible("moto's access control evaluates no resource-based policies")
    if any(principal_kind(request["principal"]) != "user" for request in requests):
        return NotExpressible("moto's access control here decides for IAM users only")
    policies = [IAMPolicy(json.dumps(named["policy"])) for named in scenario["identity_policies"]]
    cases = []
    for request in requests:
        decide, outcome = _decider(policies, request["action"], request["resource"])
        cases.append(Case(request["id"], decide, outcome))  # type: ignore[arg-type]
    return Built(cases, NOT_COMPARABLE.get(scenario["name"]))


if __name__ == "__main__":
    run_driver("moto", version("moto"), "IAMPolicy.is_action_permitted, policies parsed once", build)
