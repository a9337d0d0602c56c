"""Lamina's policy engine against its peers, in one run: speed, ratios, and every outcome checked.

    make bench                                   # .venv, .bench-venv and tools/iam-simulate ready
    .venv/bin/python benchmarks/policy_engine.py [--quick] [--json out.json] [--scenarios S1,S4] [--no-peers]

Every engine reads the same expanded scenario file (benchmarks/scenarios.py) and is timed inside
its own process by the same rule (benchmarks/harness.py, tools/iam-simulate/bench.mjs): warm-up,
then the median of several runs of many decisions. Lamina runs here; the peers run as
subprocesses: @cloud-copilot/iam-simulate under Node.js (twice: validating the policies on every
call as its documented API does, and with them validated once), moto and principalmapper under
.bench-venv. Each engine's outcomes are checked against the expected ones and against Lamina's.
The machine's speed swings, so the figures that matter are the ratios within one run.

Exit status: 1 when Lamina gets an outcome wrong, else 0 (timing targets are reported, not enforced).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lamina_driver
import scenarios as scenario_data
from harness import DEFAULT_SPEC, Built, Json, measure, run_all

REPO = Path(__file__).resolve().parent.parent
PEERS_PY = REPO / ".bench-venv" / "bin" / "python"
IAM_SIMULATE = REPO / "tools" / "iam-simulate"
FULL_SPEC: Json = {"decisions": 2000, "max_seconds": 1.0, "runs": 5, "warmup": 1}
QUICK_SPEC: Json = {"decisions": 200, "max_seconds": 0.1, "runs": 3, "warmup": 1}
S3_SMALL, S3_LARGE = "S3-N10", "S3-N10000"


@dataclass(frozen=True)
class Peer:
    key: str
    label: str
    target: float | None  # Lamina must be at least this many times faster (None: not a target)
    command: list[str]
    needs: Path


def peers() -> list[Peer]:
    node = shutil.which("node") or "node"
    bench = str(IAM_SIMULATE / "bench.mjs")
    drivers = REPO / "benchmarks" / "peers"
    modules = IAM_SIMULATE / "node_modules"
    return [
        Peer("iam-simulate", "iam-simulate", 1.0, [node, bench], modules),
        Peer("iam-simulate-once", "iam-simulate (validated once)", 1.0, [node, bench], modules),
        Peer("moto", "moto", 20.0, [str(PEERS_PY), str(drivers / "moto_driver.py")], PEERS_PY),
        Peer("principalmapper", "principalmapper", 10.0,
             [str(PEERS_PY), str(drivers / "pmapper_driver.py")], PEERS_PY),
    ]


def run_peer(peer: Peer, expanded: Path, spec: Json) -> Json:
    """The peer's JSON result, or {"error": why} when it could not run."""
    if peer.key.startswith("iam-simulate") and shutil.which("node") is None:
        return {"error": "node is not installed"}
    if not peer.needs.exists():
        return {"error": f"{peer.needs.relative_to(REPO)} is missing (run `make bench`)"}
    peer_spec = {**spec, "prevalidate": peer.key == "iam-simulate-once"}
    proc = subprocess.run([*peer.command, str(expanded), json.dumps(peer_spec)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-600:]}"}
    return json.loads(proc.stdout)


def disagreements(result: Json, scenarios: Json, lamina: Json) -> list[str]:
    """One line per request where the engine differs from the expected outcome or from Lamina."""
    lines = []
    for name, res in result.get("scenarios", {}).items():
        if "na" in res:
            continue
        lamina_outcomes = lamina["scenarios"].get(name, {}).get("outcomes", {})
        found = []
        for request in scenarios[name]["requests"]:
            got = res["outcomes"].get(request["id"])
            ours = lamina_outcomes.get(request["id"])
            if got != request["expected"] or (ours is not None and got != ours):
                found.append(f"{name} {request['id']}: {got}, expected {request['expected']}, "
                             f"Lamina {ours} ({request['why']})")
        if res.get("note") and found:  # not comparable: count, do not list
            found = [f"{name}: {len(found)} of {len(scenarios[name]['requests'])} differ (n/c)"]
        lines += found
        if res.get("sha256") != lamina["scenarios"].get(name, {}).get("sha256"):
            lines.append(f"{name}: read a different policy set (sha256 {res.get('sha256')})")
    return lines


def _cell(result: Json, name: str, lamina_us: float) -> str:
    if "error" in result:
        return "n/a"
    res = result["scenarios"].get(name)
    if res is None or "na" in res:
        return "n/a"
    us = res["us_per_decision"]
    ratio = "n/c" if res.get("note") else f"{us / lamina_us:.1f}x"
    return f"{us:,.1f} ({ratio})"


def table(scenarios: Json, lamina: Json, peer_results: dict[str, Json], labels: dict[str, str]) -> str:
    head = ["scenario", "stmts", "Lamina µs", "Lamina dec/s", "Lamina µs, memo cleared",
            *(labels[k] + " µs (Lamina x faster)" for k in peer_results)]
    rows = [head, ["---"] * len(head)]
    for name, res in lamina["scenarios"].items():
        us = res["us_per_decision"]
        row = [name, str(scenario_data.statement_count(scenarios[name])), f"{us:,.2f}", f"{1e6 / us:,.0f}",
               f"{res['us_per_decision_cold']:,.2f}" if "us_per_decision_cold" in res else "n/a"]
        row += [_cell(result, name, us) for result in peer_results.values()]
        rows.append(row)
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def min_ratio(result: Json, lamina: Json) -> tuple[float, str] | None:
    """The smallest peer/Lamina time ratio over the scenarios the peer expresses comparably."""
    ratios = []
    for name, res in result.get("scenarios", {}).items():
        if "na" in res or res.get("note") or name not in lamina["scenarios"]:
            continue
        ratios.append((res["us_per_decision"] / lamina["scenarios"][name]["us_per_decision"], name))
    return min(ratios) if ratios else None


def targets(lamina: Json, peer_results: dict[str, Json], peer_list: list[Peer], correct: bool) -> list[str]:
    lines = [f"{'PASS' if correct else 'FAIL'}  Lamina's outcomes equal the expected ones"]
    for peer in peer_list:
        result = peer_results.get(peer.key)
        if result is None or peer.target is None:
            continue
        found = min_ratio(result, lamina)
        want = "faster than" if peer.target == 1.0 else f">= {peer.target:g}x"
        if found is None:
            reason = result.get("error", "no comparable scenario")
            lines.append(f"n/a   Lamina {want} {peer.label}: {reason}")
            continue
        ratio, where = found
        ok = ratio > 1.0 if peer.target == 1.0 else ratio >= peer.target
        lines.append(f"{'PASS' if ok else 'FAIL'}  Lamina {want} {peer.label}: worst {ratio:.1f}x ({where})")
    growth = s3_growth(lamina)
    if growth is not None:
        lines.append(f"{'PASS' if growth <= 1.5 else 'FAIL'}  S3 growth t(N=10000)/t(N=10) <= 1.5x: {growth:.2f}x")
    return lines


def s3_growth(lamina: Json) -> float | None:
    """t(N=10000)/t(N=10): the interleaved figure when measured, else the ratio of the two medians."""
    if "s3_growth_interleaved" in lamina:
        return float(lamina["s3_growth_interleaved"])
    runs = lamina["scenarios"]
    if S3_SMALL in runs and S3_LARGE in runs:
        return runs[S3_LARGE]["us_per_decision"] / runs[S3_SMALL]["us_per_decision"]
    return None


def interleaved_growth(scenarios: Json, spec: Json, rounds: int = 7) -> float:
    """Median over rounds of t(N=10000)/t(N=10), the two timed back to back in each round, so that
    the machine's speed swings (up to 2x here) hit both sides of each ratio alike."""
    small = lamina_driver.build(scenarios[S3_SMALL])
    large = lamina_driver.build(scenarios[S3_LARGE])
    assert isinstance(small, Built) and isinstance(large, Built)
    one_run = {**spec, "runs": 1}
    ratios = []
    for _ in range(rounds):
        t_small = measure(small.cases, one_run)[0]
        ratios.append(measure(large.cases, one_run)[0] / t_small)
    return statistics.median(ratios)


def lamina_correct(lamina: Json, scenarios: Json) -> bool:
    return all(res["outcomes"][r["id"]] == r["expected"]
               for name, res in lamina["scenarios"].items() for r in scenarios[name]["requests"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs (a smoke test)")
    parser.add_argument("--json", type=Path, help="also write every figure and outcome here")
    parser.add_argument("--scenarios", help="comma-separated subset, e.g. S1,S3-N10000")
    parser.add_argument("--no-peers", action="store_true", help="time Lamina alone")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scenarios = scenario_data.load()
    names = args.scenarios.split(",") if args.scenarios else list(scenarios)
    spec = {**(QUICK_SPEC if args.quick else FULL_SPEC), "scenarios": names}
    print(f"scenarios: {scenario_data.reference_path()} + {scenario_data.EXTRA.name}")
    for name in names:
        print(f"  {name:10} sha256 {scenario_data.policy_set_sha256(scenarios[name])}")
    lamina = run_all("lamina", version("lamina"), "evaluate, policies compiled once",
                     lamina_driver.build, scenarios, spec)
    cold = run_all("lamina", version("lamina"), "evaluate, (action, resource) memo cleared before each",
                   lamina_driver.build_cold, scenarios, spec)
    for name, res in cold["scenarios"].items():
        lamina["scenarios"][name]["us_per_decision_cold"] = res["us_per_decision"]
    if S3_SMALL in names and S3_LARGE in names:
        lamina["s3_growth_interleaved"] = interleaved_growth(scenarios, {**DEFAULT_SPEC, **spec})
    peer_list = [] if args.no_peers else peers()
    peer_results: dict[str, Json] = {}
    with tempfile.TemporaryDirectory() as tmp:
        expanded = Path(tmp) / "scenarios.expanded.json"
        scenario_data.write(expanded, {name: scenarios[name] for name in names})
        for peer in peer_list:
            print(f"running {peer.label} ...", flush=True)
            peer_results[peer.key] = run_peer(peer, expanded, spec)
    report(scenarios, lamina, peer_results, peer_list, args.json)
    return 0 if lamina_correct(lamina, scenarios) else 1


def report(scenarios: Json, lamina: Json, peer_results: dict[str, Json], peer_list: list[Peer],
           json_path: Path | None) -> None:
    labels = {peer.key: peer.label for peer in peer_list}
    print()
    print(table(scenarios, lamina, peer_results, labels))
    print("\nn/a: the engine cannot express the scenario; n/c: it runs but is not comparable")
    notes: dict[str, list[str]] = {}
    for key, result in peer_results.items():
        if "error" in result:
            print(f"{labels[key]}: not run: {result['error']}")
            continue
        notes[key] = disagreements(result, scenarios, lamina)
        for name, res in result["scenarios"].items():
            if "na" in res or res.get("note"):
                print(f"{labels[key]} {name}: {res.get('na') or res.get('note')}")
    print("\nDisagreements (peer outcome vs expected and vs Lamina):")
    for key, lines in notes.items():
        print(f"  {labels[key]}: {len(lines)}")
        for line in lines:
            print(f"    {line}")
    own = disagreements(lamina, scenarios, lamina)
    print(f"  Lamina vs expected: {len(own)}")
    for line in own:
        print(f"    {line}")
    growth = s3_growth(lamina)
    if growth is not None:
        print(f"\nS3 growth for Lamina, t(N=10000)/t(N=10), median of back-to-back rounds: {growth:.2f}x")
    print("\nTargets:")
    target_lines = targets(lamina, peer_results, peer_list, lamina_correct(lamina, scenarios))
    for line in target_lines:
        print(f"  {line}")
    if json_path is not None:
        json_path.write_text(json.dumps({
            "lamina": lamina, "peers": peer_results, "disagreements": notes, "targets": target_lines,
            "s3_growth": growth,
        }, indent=1))


if __name__ == "__main__":
    sys.exit(main())
