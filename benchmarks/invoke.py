"""Functions that run: warm and cold invoke latency, throughput, and the API beside them, in one run.

    .venv/bin/python benchmarks/invoke.py [--calls 300] [--colds 10] [--duration 4] [--json]

One ``lamina serve`` on loopback, one Python function that returns its event. Measured, each next
to what it is compared with on the same machine in the same run:

- warm latency: sequential Invoke through boto3 (median, p99), beside two floors: the same boto3
  call answered by a trivial ASGI endpoint under uvicorn (the loopback HTTP round trip, signing
  and parsing included, with no function behind it) and a direct in-process call of the handler;
- cold start: Invoke right after UpdateFunctionConfiguration (a new revision retires the warm
  environment), round trip through boto3, and the ``Init Duration`` the REPORT line gives;
- throughput: many connections sending signed Invoke requests back to back (raw HTTP/1.1, as
  ``benchmarks/api.py`` drives), several environments in parallel;
- the API under invoke load: GetFunction throughput while invokes run, beside its idle figure.

Targets (issue #8): warm median within 1.5x of the bare round trip; Python cold start under
150 ms; at least 300 warm invokes per second on a 2-core machine; GetFunction under invoke load at
least half its idle throughput.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from api import LOOPBACK, REGION, Phase, Target, _free_port, _stop, _wait_listening, lamina_target, report, run_phase

HANDLER = "def handler(event, context):\n    return event\n"
EVENT = {"hello": "world", "n": 1}
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
    "Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
WARM_RATIO_TARGET = 1.5
COLD_TARGET_MS = 150.0
THROUGHPUT_TARGET = 300.0
UNDER_LOAD_TARGET = 0.5
_INIT = re.compile(r"Init Duration: ([0-9.]+) ms")
BARE_APP = '''
import json
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json"), (b"x-amz-executed-version", b"$LATEST")]})
    await send({"type": "http.response.body", "body": json.dumps({"hello": "world", "n": 1}).encode()})
'''


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
    return buffer.getvalue()


def _client(port: int, key: str, secret: str) -> Any:
    return boto3.client("lambda", endpoint_url=f"http://{LOOPBACK}:{port}", region_name=REGION,
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 0}))


def _timed(call: Callable[[], Any], count: int) -> list[float]:
    """Milliseconds of each of ``count`` sequential calls."""
    found = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        found.append((time.perf_counter() - started) * 1000)
    return found


def _p(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@contextmanager
def bare_endpoint(workdir: Path) -> Iterator[int]:
    """uvicorn serving an ASGI app that answers every request as a tiny Invoke response."""
    (workdir / "bare_app.py").write_text(BARE_APP)
    port = _free_port()
    log = workdir / "bare.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_app:app", "--host", LOOPBACK,
                                    "--port", str(port), "--log-level", "warning", "--no-access-log"],
                                   cwd=workdir, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, process, log)
        yield port
    finally:
        _stop(process)


def invoke_request(target: Target, name: str) -> bytes:
    return target.signed_request("lambda", "POST", f"/2015-03-31/functions/{name}/invocations", json.dumps(EVENT),
                                 {"Content-Type": "application/json"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="sequential calls per latency series (default 300)")
    parser.add_argument("--colds", type=int, default=10, help="cold starts measured (default 10)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per throughput phase (default 4)")
    parser.add_argument("--connections", type=int, default=16, help="connections for throughput (default 16)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {}
    phases: list[Phase] = []
    namespace: dict[str, Any] = {}
    exec(HANDLER, namespace)  # the benchmark's own handler, for the in-process floor
    in_process = _timed(lambda: namespace["handler"](dict(EVENT), None), args.calls * 10)
    figures["in_process_median_ms"] = statistics.median(in_process)
    with tempfile.TemporaryDirectory(prefix="lamina-bench-invoke-") as tmp:
        with bare_endpoint(Path(tmp)) as port:
            bare = _client(port, "AKIDEXAMPLE", "secret")
            bare_calls = _timed(lambda: bare.invoke(FunctionName="f", Payload=json.dumps(EVENT)), args.calls)
        figures["bare_median_ms"], figures["bare_p99_ms"] = statistics.median(bare_calls), _p(bare_calls, 0.99)
        with lamina_target(Path(tmp)) as target:
            client = _client(target.port, target.access_key_id, target.secret_access_key)
            iam = boto3.client("iam", endpoint_url=f"http://{LOOPBACK}:{target.port}", region_name=REGION,
                               aws_access_key_id=target.access_key_id,
                               aws_secret_access_key=target.secret_access_key)
            role = iam.create_role(RoleName="bench-invoke", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
            client.create_function(FunctionName="echo", Runtime=f"python3.{sys.version_info.minor}", Role=role,
                                   Handler="app.handler", Code={"ZipFile": _zip()}, MemorySize=256)
            client.invoke(FunctionName="echo", Payload=json.dumps(EVENT))  # the first environment
            warm = _timed(lambda: client.invoke(FunctionName="echo", Payload=json.dumps(EVENT)), args.calls)
            figures["warm_median_ms"], figures["warm_p99_ms"] = statistics.median(warm), _p(warm, 0.99)

            colds, inits = [], []
            for number in range(args.colds):
                client.update_function_configuration(FunctionName="echo", Environment={"Variables": {
                    "COLD": str(number)}})
                started = time.perf_counter()
                answer = client.invoke(FunctionName="echo", Payload=json.dumps(EVENT), LogType="Tail")
                colds.append((time.perf_counter() - started) * 1000)
                found = _INIT.search(base64.b64decode(answer["LogResult"]).decode())
                if found:
                    inits.append(float(found.group(1)))
            figures["cold_median_ms"] = statistics.median(colds)
            figures["init_duration_median_ms"] = statistics.median(inits) if inits else None

            invoke = invoke_request(target, "echo")
            throughput = run_phase(target, "lambda:Invoke", args.connections, args.duration, 10**9, payload=invoke)
            phases.append(throughput)
            get = target.signed_request("lambda", "GET", "/2015-03-31/functions/echo")
            idle = run_phase(target, "lambda:GetFunction idle", 8, args.duration, 10**9, payload=get)
            load_done = threading.Event()
            loaded: list[Phase] = []

            def invoke_load() -> None:
                while not load_done.is_set():
                    loaded.append(run_phase(target, "lambda:Invoke (load)", 8, 1.0, 10**9, payload=invoke))

            loader = threading.Thread(target=invoke_load, daemon=True)
            loader.start()
            time.sleep(0.5)
            busy = run_phase(target, "lambda:GetFunction under invoke load", 8, args.duration, 10**9, payload=get)
            load_done.set()
            loader.join()
            phases += [idle, busy]
    figures["invoke_rps"] = throughput.rps
    figures["get_function_idle_rps"], figures["get_function_loaded_rps"] = idle.rps, busy.rps
    figures["invokes_during_load_rps"] = statistics.median([p.rps for p in loaded]) if loaded else 0.0
    _print(figures, phases)
    return report(phases, verdicts(figures), as_json=args.json)


def verdicts(figures: dict[str, Any]) -> list[tuple[str, bool, str]]:
    warm, bare = figures["warm_median_ms"], figures["bare_median_ms"]
    cold = figures["cold_median_ms"]
    rps, idle, loaded = figures["invoke_rps"], figures["get_function_idle_rps"], figures["get_function_loaded_rps"]
    return [
        (f"warm invoke median within {WARM_RATIO_TARGET:g}x of the bare boto3 round trip",
         warm <= WARM_RATIO_TARGET * bare, f"{warm:.2f} vs {bare:.2f} ms = {warm / bare:.2f}x"),
        (f"Python cold start under {COLD_TARGET_MS:g} ms", cold < COLD_TARGET_MS,
         f"{cold:.1f} ms round trip (Init Duration {figures['init_duration_median_ms']} ms)"),
        (f"at least {THROUGHPUT_TARGET:g} warm invokes per second", rps >= THROUGHPUT_TARGET, f"{rps:.0f} req/s"),
        (f"GetFunction under invoke load at least {UNDER_LOAD_TARGET:g}x its idle throughput",
         loaded >= UNDER_LOAD_TARGET * idle, f"{loaded:.0f} vs {idle:.0f} req/s = {loaded / idle:.2f}x"),
    ]


def _print(figures: dict[str, Any], phases: list[Phase]) -> None:
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f} on {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    print(f"in-process handler call     median {figures['in_process_median_ms'] * 1000:8.2f} us")
    for label, key in (("bare boto3 round trip", "bare"), ("warm invoke through boto3", "warm")):
        print(f"{label:27} median {figures[f'{key}_median_ms']:8.2f} ms  p99 {figures[f'{key}_p99_ms']:.2f} ms")
    print(f"cold invoke through boto3   median {figures['cold_median_ms']:8.2f} ms  "
          f"(Init Duration median {figures['init_duration_median_ms']} ms)")
    print(f"{'operation':40} {'conns':>5} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  errors")
    for p in phases:
        print(f"{p.operation:40} {p.concurrency:5d} {p.requests:9d} {p.rps:9.1f} {p.percentile_ms(0.5):8.2f} "
              f"{p.percentile_ms(0.99):8.2f}  {dict(p.errors) or '-'}")
    print(f"invokes/s while GetFunction was measured: {figures['invokes_during_load_rps']:.0f}")


if __name__ == "__main__":
    sys.exit(main())
