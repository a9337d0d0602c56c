"""Case files: policies, requests and expected outcomes, run against the library, the CLI and tests.

The format is the engine benchmark's (``benchmarks/data/scenarios.json``): a
scenario holds ``identity_policies`` (``[{"name", "policy"}]``) and optionally ``boundary``,
``session_policies``, ``scps`` (a list of levels, each a list of ``{"name", "policy"}``) and
``rcps``; each of its ``requests`` has ``id``, ``principal`` (an ARN), ``action``, ``resource``,
``context``, optional ``resource_account``, ``resource_policy``, ``trust_policy``, ``role_arn``,
and ``expected`` (``Allow`` / ``ExplicitDeny`` / ``ImplicitDeny``). A file is one scenario or a
mapping of scenario names to scenarios.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamina.policy import Policy, PolicyKind, PolicySet, Principal, Request, parse_policy


@dataclass(frozen=True)
class Case:
    """One request of a scenario, ready to evaluate."""

    case_id: str
    request: Request
    policies: PolicySet
    expected: str | None
    why: str = ""


def _named(items: list[dict[str, Any]], kind: PolicyKind = PolicyKind.IDENTITY) -> list[Policy]:
    return [parse_policy(item["policy"], kind, item.get("name", f"policy{i}")) for i, item in enumerate(items)]


def scenario_cases(name: str, scenario: Mapping[str, Any]) -> Iterator[Case]:
    """The cases of one scenario (its policies are parsed once and shared)."""
    identity = _named(scenario.get("identity_policies", []))
    boundary = _named([scenario["boundary"]])[0] if scenario.get("boundary") else None
    session = _named(scenario["session_policies"]) if "session_policies" in scenario else None
    scps = [_named(level) for level in scenario["scps"]] if "scps" in scenario else None
    rcps = [_named(level) for level in scenario["rcps"]] if "rcps" in scenario else None
    for number, item in enumerate(scenario.get("requests", [])):
        resource_policy = None
        if item.get("resource_policy"):
            resource_policy = parse_policy(item["resource_policy"], PolicyKind.RESOURCE, "resource-policy")
        elif item.get("trust_policy"):
            resource_policy = parse_policy(item["trust_policy"], PolicyKind.TRUST, "trust-policy")
        request = Request(Principal.from_arn(item["principal"], item.get("role_arn")), item["action"],
                          item["resource"], item.get("context", {}), item.get("resource_account"))
        yield Case(item.get("id", f"{name}-{number + 1}"), request,
                   PolicySet(identity, boundary, session, scps, rcps, resource_policy),
                   item.get("expected"), item.get("why", ""))


def load_cases(path: str | Path) -> list[Case]:
    """Every case of a case file (one scenario, or named scenarios)."""
    data = json.loads(Path(path).read_text())
    if "requests" in data:
        return list(scenario_cases(Path(path).stem, data))
    return [case for name, scenario in data.items() if isinstance(scenario, dict) and "requests" in scenario
            for case in scenario_cases(name, scenario)]
