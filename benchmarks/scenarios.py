"""The benchmark's scenarios: the reference set (S1-S4, benchmarks/data/), S3 expanded, and Lamina's own S5.

Every engine driver reads the *expanded* file this module writes, so all engines see the same
policies byte for byte. Each expanded scenario is flat::

    {"title": ..., "identity_policies": [{"name", "policy"}], "boundary": doc | null,
     "session_policy": doc | null,
     "requests": [{"id", "principal", "role_arn"?, "action", "resource", "resource_account",
                   "context", "resource_policy"?, "expected", "why"}]}

S3 is expanded by the rule its own entry states (``S3.rule``), for each size N, into ``S3-N10`` ... ``S3-N10000``.
``policy_set_sha256`` fingerprints a scenario's policies (compact JSON, key order kept), which the
Node.js driver prints too, to show both sides read the same set.

    python benchmarks/scenarios.py [--write expanded.json]

Standard library only: the peer drivers run this under another virtualenv.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_REFERENCE = HERE / "data" / "scenarios.json"
EXTRA = HERE / "scenarios_extra.json"
S3_BASE = "S1"
PAD_POLICIES = 10

Json = dict[str, Any]


def reference_path() -> Path:
    """scenarios.json: ``$LAMINA_SCENARIOS`` if set, else the copy kept in benchmarks/data/."""
    override = os.environ.get("LAMINA_SCENARIOS")
    return Path(override) if override else DEFAULT_REFERENCE


def _substitute(value: Any, index: str) -> Any:
    """A deep copy of ``value`` with every ``{i}`` in every string replaced by ``index``."""
    if isinstance(value, str):
        return value.replace("{i}", index)
    if isinstance(value, list):
        return [_substitute(item, index) for item in value]
    if isinstance(value, dict):
        return {_substitute(k, index): _substitute(v, index) for k, v in value.items()}
    return copy.deepcopy(value)


def pad_statement(template: Json, i: int) -> Json:
    """Statement ``i`` of the S3 padding: ``templates[i % 20]``, ``{i}`` -> ``%05d``, Sid first."""
    index = f"{i:05d}"
    return {"Sid": f"Pad{index}", **_substitute(template, index)}


def expand_s3(base_policies: list[Json], templates: list[Json], size: int) -> list[Json]:
    """S1's policies with ``size`` padding statements, each before policy ``i % 10``'s own ones."""
    pads: list[list[Json]] = [[] for _ in base_policies]
    for i in range(size):
        pads[i % PAD_POLICIES].append(pad_statement(templates[i % len(templates)], i))
    expanded = []
    for number, named in enumerate(base_policies):
        policy = copy.deepcopy(named["policy"])
        statements = policy["Statement"]
        own = statements if isinstance(statements, list) else [statements]
        policy["Statement"] = pads[number] + own
        expanded.append({"name": named["name"], "policy": policy})
    return expanded


def _flat(scenario: Json) -> Json:
    return {
        "title": scenario["title"],
        "identity_policies": scenario["identity_policies"],
        "boundary": scenario.get("boundary"),
        "session_policy": scenario.get("session_policy"),
        "requests": scenario["requests"],
    }


def load(reference: Path | None = None) -> dict[str, Json]:
    """All scenarios, expanded and flat, in benchmark order: S1, S2, S3-N..., S4, S5."""
    raw = json.loads((reference or reference_path()).read_text())
    extra = json.loads(EXTRA.read_text())
    out: dict[str, Json] = {"S1": _flat(raw["S1"]), "S2": _flat(raw["S2"])}
    s3 = raw["S3"]
    base = raw[s3.get("base", S3_BASE)]
    for size in s3["sizes"]:
        out[f"S3-N{size}"] = {
            **_flat(base),
            "title": f"{s3['title']} (N={size})",
            "identity_policies": expand_s3(base["identity_policies"], s3["templates"], size),
        }
    out["S4"] = _flat(raw["S4"])
    for name, scenario in extra.items():
        if name != "comment":
            out[name] = _flat(scenario)
    return out


def policy_set_sha256(scenario: Json) -> str:
    """sha256 of the scenario's identity policies as compact JSON (key order kept, UTF-8)."""
    text = json.dumps(scenario["identity_policies"], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def statement_count(scenario: Json) -> int:
    total = 0
    for named in scenario["identity_policies"]:
        statements = named["policy"]["Statement"]
        total += len(statements) if isinstance(statements, list) else 1
    return total


def write(path: Path, scenarios: dict[str, Json]) -> None:
    path.write_text(json.dumps(scenarios, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="write the expanded scenarios to this file")
    args = parser.parse_args()
    scenarios = load()
    print(f"reference: {reference_path()}")
    for name, scenario in scenarios.items():
        print(
            f"{name:10} {statement_count(scenario):6} statements {len(scenario['requests']):3} requests"
            f"  sha256 {policy_set_sha256(scenario)}"
        )
    if args.write:
        write(args.write, scenarios)


if __name__ == "__main__":
    main()
