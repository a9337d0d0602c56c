"""Lamina under attack: does one hostile caller take the service away from everyone else?

    .venv/bin/python benchmarks/hostile.py [--duration 5] [--json]

One run, one ``lamina serve`` on a loopback port, three measurements:

1. **Idle**: signed ``iam:GetUser`` back to back over 8 keep-alive connections (the load generator
   of ``benchmarks/api.py``): requests/s and p99.
2. **Under attack**: the same, while an attacker process sends, over 4 connections of its own, the
   worst requests a read-only caller can: ``SimulateCustomPolicy`` with the backtracking wildcard
   (``user/*a*a*a*a*a*a*a*a*a*a*b`` against a user name of 40 ``a``s) in as many statements as
   fit in one document (1,201 of them in 131,072 characters, AWS's limit), times 100 actions and
   100 resources. Targets: at least 80% of the
   idle throughput, p99 under 20 ms.
3. **Oversized bodies**: 16 connections flood the server for ``--duration`` seconds with bodies
   it must refuse (a declared 256 MB body, a 1 MB unsigned body, a chunked body from a known key
   that grows past the 2 MiB limit); the server's resident memory is sampled every 50 ms. Target:
   flat, i.e. the peak at most 32 MiB above the memory before the flood.

The attacker and the flood run in their own processes, so they never slow the load generator's
event loop; the attack's answers (budget errors, throttling) are counted and printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from api import LOOPBACK, Phase, Target, read_response, run_phase
from lamina.pytest_plugin import LaminaServer, start_server

CONNECTIONS = 8
ATTACK_CONNECTIONS = 4
FLOOD_CONNECTIONS = 16
THROUGHPUT_SHARE_TARGET = 0.80
P99_TARGET_MS = 20.0
FLAT_MEMORY_BYTES = 32 * 1024 * 1024
WILDCARD = "arn:aws:iam::123456789012:user/" + "*a" * 10 + "*b"
VICTIM = "arn:aws:iam::123456789012:user/" + "a" * 40


def worst_simulation() -> str:
    """The heaviest SimulateCustomPolicy form a caller with IAMReadOnlyAccess can send: as many
    wildcard statements as fit in one policy document (131,072 characters), 100 actions, 100 resources."""
    statements: list[dict[str, str]] = []
    while True:
        statement = {"Effect": "Allow", "Action": f"iam:Get{len(statements)}*", "Resource": WILDCARD}
        document = json.dumps({"Version": "2012-10-17", "Statement": [*statements, statement]}, separators=(",", ":"))
        if len(document) > 131_072:
            break
        statements.append(statement)
    statements[-1]["Action"] = "iam:*"
    form: dict[str, str] = {"Action": "SimulateCustomPolicy", "Version": "2010-05-08", "PolicyInputList.member.1":
                            json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))}
    for i in range(1, 101):
        form[f"ActionNames.member.{i}"] = f"iam:GetUser{i}"
        form[f"ResourceArns.member.{i}"] = VICTIM + str(i % 2 or "")
    return urlencode(form)


# -- the attacker (its own process) ---------------------------------------------------------------


def attack(target: Target, seconds: float, answers: Any) -> None:
    """Send the worst simulation back to back over a few connections; count the answers by status."""
    payload = target.signed_form("iam", worst_simulation())
    counts: dict[int, int] = {}

    async def connection() -> None:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            reader, writer = await asyncio.open_connection(LOOPBACK, target.port)
            try:
                while time.perf_counter() < deadline:
                    writer.write(payload)
                    status, close = await read_response(reader)
                    counts[status] = counts.get(status, 0) + 1
                    if close:
                        break
            except (ConnectionError, asyncio.IncompleteReadError):
                counts[0] = counts.get(0, 0) + 1
            finally:
                writer.close()

    async def all_connections() -> None:
        await asyncio.gather(*(connection() for _ in range(ATTACK_CONNECTIONS)))

    asyncio.run(all_connections())
    answers.put(counts)


# -- the flood of oversized bodies (its own process) ----------------------------------------------


def flood_requests(target: Target) -> list[tuple[bytes, int]]:
    """(head, body bytes to stream after it) for each kind of oversized request."""
    host = f"{LOOPBACK}:{target.port}"
    huge = f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n" \
           f"Content-Length: {256 * 1024 * 1024}\r\n\r\n".encode()
    unsigned = f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n" \
               f"Content-Length: {1024 * 1024}\r\n\r\n".encode()
    known = target.signed_form("sts", "Action=GetCallerIdentity&Version=2011-06-15").split(b"\r\n\r\n")[0]
    chunked = known.replace(b"Content-Length: 43", b"Transfer-Encoding: chunked") + b"\r\n\r\n"
    return [(huge, 0), (unsigned, 1024 * 1024), (chunked, 3 * 1024 * 1024)]


def flood(target: Target, seconds: float, answers: Any) -> None:
    kinds = flood_requests(target)
    piece = b"A" * 65536
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    counts: dict[int, int] = {}

    async def one(index: int) -> None:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            head, size = kinds[index % len(kinds)]
            index += 1
            try:
                reader, writer = await asyncio.open_connection(LOOPBACK, target.port)
                writer.write(head)
                sent = 0
                answer = asyncio.ensure_future(read_response(reader))
                while sent < size and not answer.done():
                    writer.write(chunk if b"chunked" in head else piece)
                    await writer.drain()
                    sent += len(piece)
                status, _ = await answer
                counts[status] = counts.get(status, 0) + 1
                writer.close()
            except (ConnectionError, asyncio.IncompleteReadError):
                counts[0] = counts.get(0, 0) + 1

    async def everyone() -> None:
        await asyncio.gather(*(one(i) for i in range(FLOOD_CONNECTIONS)))

    asyncio.run(everyone())
    answers.put(counts)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def sample_memory(pid: int, stop: threading.Event, samples: list[int]) -> None:
    while not stop.is_set():
        samples.append(rss(pid))
        time.sleep(0.05)


def in_process(fn: Any, *args: Any) -> tuple[multiprocessing.Process, Any]:
    answers: Any = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=fn, args=(*args, answers))
    process.start()
    return process, answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement (default 5)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lamina-bench-hostile-") as tmp:
        server = start_server(Path(tmp) / "lamina-data")
        try:
            figures = measure(server, args.duration)
        finally:
            server.stop()
    return report(figures, as_json=args.json)


@dataclass
class Figures:
    idle: Phase
    attacked: Phase
    attack_answers: dict[int, int]
    flood_answers: dict[int, int]
    memory_before: int
    memory_peak: int
    memory_after: int
    cpu_while_attacked: dict[str, float]
    """CPU time per wall second of each process during the attacked phase (1.0 = one core)."""


def measure(server: LaminaServer, seconds: float) -> Figures:
    """The three measurements against one running server."""
    target = Target("lamina", int(server.endpoint_url.rsplit(":", 1)[1]), server.access_key_id,
                    server.secret_access_key)
    idle = run_phase(target, "iam:GetUser", CONNECTIONS, seconds, 10**9)
    attacker, attack_answers = in_process(attack, target, seconds + 2.0)
    time.sleep(1.0)  # the attack is under way (its first simulations are in the worker) before timing
    assert attacker.pid is not None
    started = {"server": cpu_seconds(server.process.pid), "attacker": cpu_seconds(attacker.pid)}
    attacked = run_phase(target, "iam:GetUser", CONNECTIONS, seconds, 10**9)
    cpu = {name: (cpu_seconds(pid) - started[name]) / attacked.seconds
           for name, pid in (("server", server.process.pid), ("attacker", attacker.pid))}
    cpu["load generator"] = attacked.client_cpu
    attack_counts = attack_answers.get()
    attacker.join()
    pid = server.process.pid
    before = rss(pid)
    samples: list[int] = []
    stop = threading.Event()
    sampler = threading.Thread(target=sample_memory, args=(pid, stop, samples))
    sampler.start()
    flooder, flood_answers = in_process(flood, target, seconds)
    flood_counts = flood_answers.get()
    flooder.join()
    stop.set()
    sampler.join()
    return Figures(idle, attacked, attack_counts, flood_counts, before, max(samples, default=before), rss(pid), cpu)


def report(f: Figures, *, as_json: bool) -> int:
    """Print the figures and the verdicts; 0 when every target passes."""
    share = f.attacked.rps / f.idle.rps if f.idle.rps else 0.0
    p99 = f.attacked.percentile_ms(0.99)
    results = [
        (f"GetUser under attack >= {THROUGHPUT_SHARE_TARGET:.0%} of idle throughput", share >= THROUGHPUT_SHARE_TARGET,
         f"{f.attacked.rps:.0f} vs {f.idle.rps:.0f} req/s = {share:.0%}"),
        (f"GetUser p99 under attack < {P99_TARGET_MS:g} ms", p99 < P99_TARGET_MS,
         f"p99 {p99:.2f} ms (idle {f.idle.percentile_ms(0.99):.2f} ms)"),
        (f"memory flat under oversized bodies (peak <= +{FLAT_MEMORY_BYTES >> 20} MiB)",
         f.memory_peak - f.memory_before <= FLAT_MEMORY_BYTES,
         f"before {f.memory_before >> 20} MiB, peak {f.memory_peak >> 20} MiB, after {f.memory_after >> 20} MiB"),
    ]
    for name, phase in (("idle", f.idle), ("attacked", f.attacked)):
        print(f"{name + ':':10}{phase.rps:8.0f} req/s  p50 {phase.percentile_ms(0.5):6.2f} ms  "
              f"p99 {phase.percentile_ms(0.99):6.2f} ms  errors {dict(phase.errors) or '-'}")
    print(f"attacker's answers by HTTP status: {f.attack_answers}")
    print("CPU while attacked (cores): " + ", ".join(f"{k} {v:.2f}" for k, v in f.cpu_while_attacked.items())
          + f" of {os.cpu_count()}")
    print(f"flood's answers by HTTP status: {f.flood_answers}")
    for label, ok, detail in results:
        print(f"{'PASS' if ok else 'FAIL'}  {label}: {detail}")
    if as_json:
        print(json.dumps({"idle": f.idle.summary(), "attacked": f.attacked.summary(), "attack": f.attack_answers,
                          "cpu_while_attacked": f.cpu_while_attacked,
                          "flood": f.flood_answers,
                          "memory": {"before": f.memory_before, "peak": f.memory_peak, "after": f.memory_after},
                          "verdicts": [{"target": label, "pass": ok, "detail": d} for label, ok, d in results]}))
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
