"""API throughput: signed IAM and STS calls against Lamina and moto's server, in one run.

    .venv/bin/python benchmarks/api.py [--concurrency 8,64] [--duration 3] [--max-requests 60000] [--json]

Both servers run on loopback ports of this machine (``lamina serve`` with a temporary data dir;
``moto_server`` from .bench-venv). The load generator is asyncio over raw HTTP/1.1 connections,
each keeping its connection alive when the server allows it (moto's werkzeug answers
``Connection: close``, so its clients reconnect: that is the server's cost, not the client's). Every
request is signed ahead of the timed phase with botocore's SigV4Auth as the root user (the
X-Amz-Date of each phase's start, well inside the 15-minute window), so the timed loop only writes
bytes and reads answers. An operation is measured only when both servers answer it with 200
(IAM operations wait for Lamina's authorization gate). The two do not do the same work: Lamina
looks the key up, verifies the signature and asks the authorization gate; moto accepts any
signature and authorizes nothing (its IAM enforcement is off by default).

Each (operation, concurrency) phase runs ``--duration`` seconds or ``--max-requests`` requests,
whichever ends first, after a short untimed warm-up. Printed per target: requests/s, p50 and p99
latency (connect time included when a server closes connections), errors; then the ratio
Lamina/moto of the best throughput over the concurrency levels, and PASS/FAIL for the targets:
at least 3x moto's throughput, and Lamina's p99 under 10 ms at moderate load: a paced phase of
``--moderate-rate`` requests per second (default 300) over 8 connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lamina.pytest_plugin import start_server

ROOT = Path(__file__).resolve().parents[1]
MOTO_SERVER = ROOT / ".bench-venv" / "bin" / "moto_server"
LOOPBACK = "127.0.0.1"
REGION = "us-east-1"
OPERATIONS: dict[str, tuple[str, str]] = {
    "sts:GetCallerIdentity": ("sts", "Action=GetCallerIdentity&Version=2011-06-15"),
    "iam:GetUser": ("iam", "Action=GetUser&Version=2010-05-08"),
    "iam:ListUsers": ("iam", "Action=ListUsers&Version=2010-05-08"),
}
THROUGHPUT_RATIO_TARGET = 3.0
P99_TARGET_MS = 10.0
MODERATE_CONCURRENCY = 8
MODERATE_RATE = 300.0
"""Requests per second offered, paced, for the latency target: moderate load is a steady rate
well below saturation (about moto's best throughput, a quarter of Lamina's), not connections
that fire back to back, where latency only measures the queue."""


@dataclass(frozen=True)
class Target:
    """A server under test: where it listens and the root key to sign with."""

    name: str
    port: int
    access_key_id: str
    secret_access_key: str
    pid: int | None = None
    """The server's process, when the benchmark started it (to wait for it to go quiet)."""

    def signed(self, operation: str) -> bytes:
        """One complete HTTP/1.1 request for ``operation``, signed now with SigV4 in the headers."""
        return self.signed_form(*OPERATIONS[operation])

    def signed_form(self, service: str, body: str) -> bytes:
        """One complete HTTP/1.1 POST of the Query form ``body`` to ``service``, signed now."""
        return self.signed_request(service, "POST", "/", body,
                                   {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})

    def signed_request(self, service: str, method: str, target: str, body: str = "",
                       headers: dict[str, str] | None = None) -> bytes:
        """One complete HTTP/1.1 request (``target`` is the path and query), signed now for ``service``."""
        host = f"{LOOPBACK}:{self.port}"
        request = AWSRequest(method, f"http://{host}{target}", data=body, headers=headers or {})
        SigV4Auth(Credentials(self.access_key_id, self.secret_access_key), service, REGION).add_auth(request)
        lines = [f"{name}: {value}" for name, value in request.headers.items() if name.lower() != "host"]
        head = "\r\n".join([f"{method} {target} HTTP/1.1", f"Host: {host}", *lines, f"Content-Length: {len(body)}",
                             "", ""])
        return head.encode() + body.encode()


@dataclass
class Phase:
    """One timed phase's figures."""

    target: str
    operation: str
    concurrency: int
    rate: float | None = None
    """The paced offered rate (req/s over all connections); None: back to back."""
    requests: int = 0
    seconds: float = 0.0
    client_cpu: float = 0.0
    """The load generator's own CPU time over the phase's wall time (1.0 = one core busy)."""
    latencies_ns: list[int] = field(default_factory=list, repr=False)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        if not self.latencies_ns:
            return float("nan")
        ordered = sorted(self.latencies_ns)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1e6

    def summary(self) -> dict[str, Any]:
        return {"target": self.target, "operation": self.operation, "concurrency": self.concurrency, "rate": self.rate,
                "requests": self.requests, "seconds": round(self.seconds, 3), "rps": round(self.rps, 1),
                "p50_ms": round(self.percentile_ms(0.50), 3), "p99_ms": round(self.percentile_ms(0.99), 3),
                "client_cpu": round(self.client_cpu, 2), "errors": dict(self.errors)}


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.x response; its status and whether the server closes the connection after it."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    close = head.startswith(b"HTTP/1.0")
    length: int | None = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = value == b"close" or (close and value != b"keep-alive")
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
    if chunked:
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    elif length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
        close = True
    return status, close


async def _connection(port: int, payloads: list[bytes], offset: int, deadline: float, budget: list[int],
                      phase: Phase | None, interval: float | None = None) -> None:
    """One client connection: send, await the answer, repeat (reconnecting when the server closes).

    With ``interval``, sends are paced on a fixed schedule and latency counts from the scheduled
    time, so a slow answer that delays the next send is not hidden (no coordinated omission)."""
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    index = offset
    scheduled = time.perf_counter() + (interval or 0) * (offset % MODERATE_CONCURRENCY) / MODERATE_CONCURRENCY
    while budget[0] > 0 and time.perf_counter() < deadline:
        budget[0] -= 1
        payload = payloads[index % len(payloads)]
        index += 1
        started = time.perf_counter_ns()
        if interval is not None:
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            started = int(scheduled * 1e9)  # from the scheduled time: a late send counts against the server
            scheduled += interval
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(LOOPBACK, port)
            assert reader is not None
            writer.write(payload)
            status, close = await read_response(reader)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            if phase is not None:
                phase.errors[type(error).__name__] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        if phase is not None:
            phase.latencies_ns.append(time.perf_counter_ns() - started)
            phase.requests += 1
            if status != 200:
                phase.errors[f"HTTP {status}"] += 1
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _drive(port: int, payloads: list[bytes], concurrency: int, seconds: float, limit: int,
                 phase: Phase | None, rate: float | None = None) -> float:
    budget = [limit]
    started = time.perf_counter()
    interval = concurrency / rate if rate else None
    await asyncio.gather(*(_connection(port, payloads, i, started + seconds, budget, phase, interval)
                           for i in range(concurrency)))
    return time.perf_counter() - started


def run_phase(target: Target, operation: str, concurrency: int, seconds: float, limit: int,
              rate: float | None = None, payload: bytes | None = None) -> Phase:
    """Warm up, then time ``concurrency`` connections sending requests signed for this phase
    (back to back, or paced at ``rate`` requests per second in all); ``payload`` when the
    operation is not one of :data:`OPERATIONS`."""
    payloads = [payload or target.signed(operation)]
    asyncio.run(_drive(target.port, payloads, concurrency, min(0.5, seconds / 4), limit // 10, None))
    phase = Phase(target.name, operation, concurrency, rate=rate)
    cpu = time.process_time()
    phase.seconds = asyncio.run(_drive(target.port, payloads, concurrency, seconds, limit, phase, rate))
    phase.client_cpu = (time.process_time() - cpu) / phase.seconds
    return phase


def probe(target: Target, operation: str) -> int:
    """The HTTP status one signed request for ``operation`` gets."""
    async def once() -> int:
        reader, writer = await asyncio.open_connection(LOOPBACK, target.port)
        writer.write(target.signed(operation))
        status, _ = await read_response(reader)
        writer.close()
        return status
    return asyncio.run(once())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            socket.create_connection((LOOPBACK, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not listen on {port}:\n{log.read_text(errors='replace')}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def lamina_target(workdir: Path) -> Iterator[Target]:
    server = start_server(workdir / "lamina-data")
    try:
        yield Target("lamina", int(server.endpoint_url.rsplit(":", 1)[1]), server.access_key_id,
                     server.secret_access_key, server.process.pid)
    finally:
        server.stop()


@contextmanager
def moto_target(workdir: Path) -> Iterator[Target]:
    if not MOTO_SERVER.exists():
        raise RuntimeError(f"{MOTO_SERVER} is missing: run `make bench-api` (installs .bench-venv)")
    port = _free_port()
    log = workdir / "moto.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([str(MOTO_SERVER), "-H", LOOPBACK, "-p", str(port)], stdout=sink,
                                   stderr=subprocess.STDOUT, cwd=workdir)
    try:
        _wait_listening(port, process, log)
        yield Target("moto", port, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", process.pid)
    finally:
        _stop(process)


def verdicts(phases: list[Phase], operations: list[str]) -> list[tuple[str, bool, str]]:
    """PASS/FAIL per target, per operation: the throughput ratio and Lamina's p99 at moderate load."""
    results: list[tuple[str, bool, str]] = []
    best: Callable[[str, str], float] = lambda name, op: max(  # noqa: E731
        (p.rps for p in phases if p.target == name and p.operation == op), default=0.0)
    for op in operations:
        lamina, moto = best("lamina", op), best("moto", op)
        if moto:
            ratio = lamina / moto
            results.append((f"{op} throughput >= {THROUGHPUT_RATIO_TARGET:g}x moto", ratio >= THROUGHPUT_RATIO_TARGET,
                            f"{lamina:.0f} vs {moto:.0f} req/s = {ratio:.2f}x"))
        for p in phases:
            if p.target == "lamina" and p.operation == op and p.rate is not None:
                p99 = p.percentile_ms(0.99)
                results.append((f"{op} p99 < {P99_TARGET_MS:g} ms at {p.rate:g} req/s over {p.concurrency} connections",
                                p99 < P99_TARGET_MS and not p.errors, f"p99 {p99:.2f} ms, errors {dict(p.errors)}"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", default=f"{MODERATE_CONCURRENCY},64",
                        help="comma-separated connection counts (default 8,64)")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per timed phase (default 3)")
    parser.add_argument("--max-requests", type=int, default=60000, help="requests per timed phase at most")
    parser.add_argument("--targets", default="lamina,moto", help="lamina, moto or both (default both)")
    parser.add_argument("--moderate-rate", type=float, default=MODERATE_RATE,
                        help=f"paced req/s for the latency target (default {MODERATE_RATE:g}; 0 skips it)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.concurrency.split(",")]
    names = [n.strip() for n in args.targets.split(",") if n.strip()]
    factories = {"lamina": lamina_target, "moto": moto_target}
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory(prefix="lamina-bench-api-") as tmp:
        starters = [factories[name](Path(tmp)) for name in names]
        targets = [starter.__enter__() for starter in starters]
        try:
            operations = [op for op in OPERATIONS if all(probe(t, op) == 200 for t in targets)]
            for op in OPERATIONS:
                if op not in operations:
                    print(f"skipped {op}: " + ", ".join(f"{t.name} answers {probe(t, op)}" for t in targets))
            for op in operations:
                for level in levels:
                    for target in targets:
                        phases.append(run_phase(target, op, level, args.duration, args.max_requests))
                lamina = next((t for t in targets if t.name == "lamina"), None)
                if lamina is not None and args.moderate_rate > 0:
                    phases.append(run_phase(lamina, op, MODERATE_CONCURRENCY, args.duration, args.max_requests,
                                            args.moderate_rate))
        finally:
            for starter in reversed(starters):
                starter.__exit__(None, None, None)
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f} on {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    print(f"{'target':8} {'operation':24} {'conns':>5} {'paced':>6} {'requests':>9} {'req/s':>9} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'client':>6}  errors")
    for p in phases:
        s = p.summary()
        paced = f"{p.rate:g}" if p.rate else "-"
        print(f"{p.target:8} {p.operation:24} {p.concurrency:5d} {paced:>6} {p.requests:9d} {s['rps']:9.1f} "
              f"{s['p50_ms']:8.2f} {s['p99_ms']:8.2f} {p.client_cpu:6.0%}  {s['errors'] or '-'}")
    return report(phases, verdicts(phases, operations), as_json=args.json)


def report(phases: list[Phase], results: list[tuple[str, bool, str]], *, as_json: bool) -> int:
    """Print PASS/FAIL per target (and everything as JSON when asked); 0 when every target passes."""
    for label, ok, detail in results:
        print(f"{'PASS' if ok else 'FAIL'}  {label}: {detail}")
    if as_json:
        print(json.dumps({"phases": [p.summary() for p in phases],
                          "verdicts": [{"target": label, "pass": ok, "detail": d} for label, ok, d in results]}))
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
