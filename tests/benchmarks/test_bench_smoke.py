"""Smoke test of the benchmark's Lamina side: ``policy_engine.py --quick`` on S1, outcomes only."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "policy_engine.py"


def _scenarios_module() -> ModuleType:
    """benchmarks/scenarios.py, the loader the benchmark itself uses."""
    spec = importlib.util.spec_from_file_location("bench_scenarios", REPO / "benchmarks" / "scenarios.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_bench_on_s1_gets_every_expected_outcome(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--no-peers", "--scenarios", "S1", "--json", str(out)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    expected = {r["id"]: r["expected"] for r in _scenarios_module().load()["S1"]["requests"]}
    result = json.loads(out.read_text())["lamina"]["scenarios"]["S1"]
    assert len(expected) == 20
    assert result["outcomes"] == expected
    assert result["us_per_decision"] > 0
