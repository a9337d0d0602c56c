"""The timing loop and output shape every Python engine driver shares (Lamina's and the peers').

A driver turns each expanded scenario into ``Case``s, one per request, or into a sentence saying
why the engine cannot express it. ``run_driver`` then, per scenario: asks every case for its
outcome once, runs ``warmup`` untimed passes, then ``runs`` timed runs, each repeating full passes
over the cases until it has made ``decisions`` decisions or spent ``max_seconds``; the figure is
the median run's µs per decision. bench.mjs (the Node.js driver) follows the same rule.

Output, one JSON object on stdout::

    {"engine": ..., "version": ..., "mode": ...,
     "scenarios": {"S1": {"us_per_decision": 12.3, "runs_us": [...], "outcomes": {"S1-01": "Allow"},
                          "sha256": "...", "note": "..."?},
                   "S4": {"na": "why the engine cannot express it"}}}

Standard library only: peer drivers import it from their own virtualenv.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Json = dict[str, Any]

DEFAULT_SPEC: Json = {"decisions": 2000, "max_seconds": 1.0, "runs": 5, "warmup": 1}


@dataclass(frozen=True, slots=True)
class Case:
    """One request, ready to be decided: ``decide`` is what gets timed; ``outcome`` names its result."""

    request_id: str
    decide: Callable[[], object]
    outcome: Callable[[], str]


@dataclass(frozen=True, slots=True)
class NotExpressible:
    reason: str


@dataclass(frozen=True, slots=True)
class Built:
    cases: Sequence[Case]
    note: str | None = None


Builder = Callable[[Json], Built | NotExpressible]


def measure(cases: Sequence[Case], spec: Json) -> list[float]:
    """µs per decision of each timed run."""
    calls = [case.decide for case in cases]
    for _ in range(int(spec["warmup"])):
        for call in calls:
            call()
    budget_ns = float(spec["max_seconds"]) * 1e9
    target = int(spec["decisions"])
    runs = []
    for _ in range(int(spec["runs"])):
        made = 0
        start = time.perf_counter_ns()
        while True:
            for call in calls:
                call()
            made += len(calls)
            elapsed = time.perf_counter_ns() - start
            if made >= target or elapsed >= budget_ns:
                break
        runs.append(elapsed / 1e3 / made)
    return runs


def run_scenario(build: Builder, scenario: Json, spec: Json, sha256: str) -> Json:
    built = build(scenario)
    if isinstance(built, NotExpressible):
        return {"na": built.reason}
    outcomes = {case.request_id: case.outcome() for case in built.cases}
    runs = measure(built.cases, spec)
    result: Json = {
        "us_per_decision": statistics.median(runs),
        "runs_us": runs,
        "outcomes": outcomes,
        "sha256": sha256,
    }
    if built.note:
        result["note"] = built.note
    return result


def run_all(engine: str, version: str, mode: str, build: Builder, scenarios: Json, spec: Json) -> Json:
    from scenarios import policy_set_sha256  # sibling module (benchmarks/ is on sys.path)

    spec = {**DEFAULT_SPEC, **spec}
    names = spec.get("scenarios") or [name for name in scenarios if name != "comment"]
    out: Json = {"engine": engine, "version": version, "mode": mode, "scenarios": {}}
    for name in names:
        scenario = {**scenarios[name], "name": name}
        out["scenarios"][name] = run_scenario(build, scenario, spec, policy_set_sha256(scenario))
    return out


def run_driver(engine: str, version: str, mode: str, build: Builder, argv: Sequence[str] | None = None) -> None:
    """CLI of every driver: ``DRIVER EXPANDED.json ['{"scenarios": [...], "decisions": ...}']``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        raise SystemExit(f"usage: {sys.argv[0]} EXPANDED_SCENARIOS.json [SPEC_JSON]")
    scenarios = json.loads(Path(args[0]).read_text())
    spec = json.loads(args[1]) if len(args) > 1 else {}
    print(json.dumps(run_all(engine, version, mode, build, scenarios, spec)))


def principal_kind(arn: str) -> str:
    """'user', 'session', 'root' or 'role' from a principal ARN."""
    if ":assumed-role/" in arn:
        return "session"
    if arn.endswith(":root"):
        return "root"
    if ":role/" in arn:
        return "role"
    return "user"
