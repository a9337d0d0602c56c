"""Smoke test of benchmarks/api.py on Lamina alone, and of its HTTP response reader."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "api.py"


def _api() -> ModuleType:
    """benchmarks/api.py as a module (registered first: its dataclasses look their module up)."""
    if "bench_api" in sys.modules:
        return sys.modules["bench_api"]
    spec = importlib.util.spec_from_file_location("bench_api", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_api"] = module
    spec.loader.exec_module(module)
    return module


def _read(raw: bytes) -> tuple[int, bool, bytes]:
    async def go() -> tuple[int, bool, bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw + b"NEXT")
        reader.feed_eof()
        status, close = await _api().read_response(reader)
        return status, close, await reader.read()
    return asyncio.run(go())


@pytest.mark.parametrize(("raw", "status", "close", "rest"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", 200, False, b"NEXT"),
    (b"HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno", 403, True, b"NEXT"),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 200, True, b"NEXT"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200, False, b"NEXT"),
])
def test_read_response_consumes_exactly_one_answer(raw: bytes, status: int, close: bool, rest: bytes) -> None:
    assert _read(raw) == (status, close, rest)


def test_quick_run_against_lamina_measures_signed_calls() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--targets", "lamina", "--duration", "0.3", "--concurrency", "2",
         "--max-requests", "200", "--moderate-rate", "100", "--json"], capture_output=True, text=True, check=False,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    phases = {p["operation"]: p for p in report["phases"] if p["rate"] is None}
    paced = [p for p in report["phases"] if p["rate"] is not None]
    assert "sts:GetCallerIdentity" in phases
    assert {p["operation"] for p in paced} == set(phases) and all(p["rate"] == 100 for p in paced)
    for phase in phases.values():
        assert phase["target"] == "lamina" and phase["concurrency"] == 2
        assert 0 < phase["requests"] <= 200 and phase["errors"] == {}
        assert phase["p50_ms"] <= phase["p99_ms"]
