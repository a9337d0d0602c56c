"""Lambda reads as the account grows: signed, authorized GetFunction and ListFunctions with 1, 1,000
and 10,000 functions in the account, against Lamina and moto's server in the same run.

    .venv/bin/python benchmarks/lambda_api.py [--functions 1,1000,10000] [--duration 3] [--json]

The load generator, targets and phases are ``benchmarks/api.py``'s (raw keep-alive HTTP/1.1,
requests signed ahead of time, 8 connections back to back). Both servers get the same functions,
created through their own API with boto3 (a role trusting lambda.amazonaws.com, a 200-byte zip),
growing from one size to the next; each size measures GetFunction of the first function (present
at every size) and ListFunctions' first page, each phase once both servers have gone quiet (moto
keeps a core busy for a while after functions are created). Lamina authenticates and authorizes every request;
moto checks neither. Targets: GetFunction at least 10x moto's throughput at every size, and
Lamina's GetFunction at the largest size within 1.2x of its figure at the smallest.

Each figure is the median of ``--rounds`` phases (default 3) in which the two servers take turns,
the first to go changing from round to round: on a shared machine the speed of the machine itself
drifts by a third within a minute, and one phase each would compare the two at different moments.
Every round's figure is printed, and kept in ``--json``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from api import LOOPBACK, REGION, Phase, Target, lamina_target, moto_target, read_response, report, run_phase

CONNECTIONS = 8
RATIO_TARGET = 10.0
GROWTH_TARGET = 1.2
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
    "Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def function_name(index: int) -> str:
    return f"bench-fn-{index:05d}"


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def client(target: Target, service: str) -> Any:
    return boto3.client(service, endpoint_url=f"http://{LOOPBACK}:{target.port}", region_name=REGION,
                        aws_access_key_id=target.access_key_id, aws_secret_access_key=target.secret_access_key,
                        config=Config(max_pool_connections=16, retries={"max_attempts": 5, "mode": "standard"}))


def role_arn(target: Target) -> str:
    iam = client(target, "iam")
    try:
        return str(iam.create_role(RoleName="bench-lambda", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"])
    except iam.exceptions.EntityAlreadyExistsException:
        return str(iam.get_role(RoleName="bench-lambda")["Role"]["Arn"])


def populate(target: Target, start: int, stop: int, role: str) -> None:
    """Functions ``start`` to ``stop - 1``, created through the target's own API."""
    lam, code = client(target, "lambda"), tiny_zip()

    def create(index: int) -> None:
        lam.create_function(FunctionName=function_name(index), Runtime="python3.12", Role=role,
                            Handler="index.handler", Code={"ZipFile": code})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(start, stop)))


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux ``/proc``; 0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(targets: list[Target], quiet: float = 0.05, longest: float = 30.0) -> None:
    """Wait (at most ``longest`` seconds) until no server uses more than ``quiet`` of a core: what
    a server still does after the functions were created (moto keeps busy for a while) must not
    be charged to whichever server is measured next."""
    deadline = time.monotonic() + longest
    pids = [t.pid for t in targets if t.pid is not None]
    while time.monotonic() < deadline:
        before = [cpu_seconds(pid) for pid in pids]
        time.sleep(0.5)
        if all(cpu_seconds(pid) - used <= quiet * 0.5 for pid, used in zip(pids, before, strict=True)):
            return


def requests_for(target: Target) -> dict[str, bytes]:
    return {
        "lambda:GetFunction": target.signed_request("lambda", "GET", f"/2015-03-31/functions/{function_name(0)}"),
        "lambda:ListFunctions": target.signed_request("lambda", "GET", "/2015-03-31/functions/"),
    }


def measure(targets: list[Target], sizes: list[int], seconds: float, rounds: int) -> list[Phase]:
    phases: list[Phase] = []
    roles = {t.name: role_arn(t) for t in targets}
    made = 0
    for size in sizes:
        for target in targets:
            populate(target, made, size, roles[target.name])
        made = size
        for operation in ("lambda:GetFunction", "lambda:ListFunctions"):
            for turn in range(rounds):
                for target in targets[turn % 2:] + targets[:turn % 2]:  # who goes first alternates
                    settle(targets)
                    payload = requests_for(target)[operation]
                    phase = run_phase(target, operation, CONNECTIONS, seconds, 10**9, payload=payload)
                    phase.operation = f"{operation} @{size}"
                    phases.append(phase)
    return phases


def medians(phases: list[Phase]) -> dict[tuple[str, str], float]:
    """(target, operation) → the median req/s of its rounds."""
    rounds: dict[tuple[str, str], list[float]] = {}
    for phase in phases:
        rounds.setdefault((phase.target, phase.operation), []).append(phase.rps)
    return {key: statistics.median(figures) for key, figures in rounds.items()}


def verdicts(phases: list[Phase], sizes: list[int]) -> list[tuple[str, bool, str]]:
    rps = medians(phases)

    def get_function(target: str, size: int) -> float:
        return rps.get((target, f"lambda:GetFunction @{size}"), 0.0)

    results = []
    for size in sizes:
        ours, theirs = get_function("lamina", size), get_function("moto", size)
        if theirs:
            results.append((f"GetFunction with {size} functions >= {RATIO_TARGET:g}x moto",
                            ours >= RATIO_TARGET * theirs, f"{ours:.0f} vs {theirs:.0f} req/s = {ours / theirs:.2f}x"))
    first, last = get_function("lamina", sizes[0]), get_function("lamina", sizes[-1])
    if first and last:
        results.append((f"Lamina GetFunction at {sizes[-1]} within {GROWTH_TARGET:g}x of at {sizes[0]}",
                        first <= GROWTH_TARGET * last, f"{first:.0f} vs {last:.0f} req/s = {first / last:.2f}x"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--functions", default="1,1000,10000", help="account sizes, growing (default 1,1000,10000)")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per timed phase (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="phases per figure, taking turns (default 3)")
    parser.add_argument("--targets", default="lamina,moto", help="lamina, moto or both (default both)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = parser.parse_args(argv)
    sizes = sorted(int(n) for n in args.functions.split(","))
    factories = {"lamina": lamina_target, "moto": moto_target}
    with tempfile.TemporaryDirectory(prefix="lamina-bench-lambda-") as tmp, ExitStack() as stack:
        names = [n.strip() for n in args.targets.split(",") if n.strip()]
        targets = [stack.enter_context(factories[name](Path(tmp))) for name in names]
        for target in targets:
            status = probe_get(target)
            if status not in (200, 404):
                print(f"{target.name} answers ListFunctions with {status}: Lambda is not served there")
                return 2
        phases = measure(targets, sizes, args.duration, args.rounds)
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f} on {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    print(f"{'target':8} {'operation':30} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  errors")
    for p in phases:
        print(f"{p.target:8} {p.operation:30} {p.requests:9d} {p.rps:9.1f} {p.percentile_ms(0.5):8.2f} "
              f"{p.percentile_ms(0.99):8.2f}  {dict(p.errors) or '-'}")
    print(f"median of {args.rounds} rounds:")
    for (target, operation), rps in medians(phases).items():
        print(f"{target:8} {operation:30} {'':9} {rps:9.1f}")
    return report(phases, verdicts(phases, sizes), as_json=args.json)


def probe_get(target: Target) -> int:
    """The status of one signed ListFunctions (200 where Lambda is served)."""
    payload = target.signed_request("lambda", "GET", "/2015-03-31/functions/")

    async def once() -> int:
        reader, writer = await asyncio.open_connection(LOOPBACK, target.port)
        writer.write(payload)
        status, _ = await read_response(reader)
        writer.close()
        return status
    return asyncio.run(once())


if __name__ == "__main__":
    sys.exit(main())
