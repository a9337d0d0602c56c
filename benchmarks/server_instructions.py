"""Instructions per signed, authorized GetFunction in the whole served process: uvicorn, the app and
the audit thread, counted by valgrind's callgrind only while the requests arrive.

    .venv/bin/python benchmarks/server_instructions.py [--requests 2000]

Unlike req/s, an instruction count barely moves with the machine's load: it compares two versions
of the code where throughput cannot (run each with ``PYTHONPATH=<checkout>/src``). Needs valgrind
(Debian's ``valgrind``); ``PYTHONHASHSEED`` is fixed so dict layouts match between runs. The server
runs about fifty times slower under callgrind, so a run takes a few minutes.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api import Target, run_phase
from lambda_api import function_name, populate, role_arn

KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], capture_output=True, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="GetFunctions counted (default 2000)")
    args = parser.parse_args()
    port, out = _free_port(), Path(tempfile.mkdtemp(prefix="lamina-callgrind-"))
    env = dict(os.environ, LAMINA_ROOT_ACCESS_KEY_ID=KEY, LAMINA_ROOT_SECRET_ACCESS_KEY=SECRET, PYTHONHASHSEED="0")
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/callgrind.out",
         sys.executable, "-m", "lamina.cli", "serve", "--port", str(port), "--data-dir", str(out / "data"),
         "--sandbox", "none", "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_lamina/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        target = Target("lamina", port, KEY, SECRET, server.pid)
        populate(target, 0, 1, role_arn(target))
        payload = target.signed_request("lambda", "GET", f"/2015-03-31/functions/{function_name(0)}")
        run_phase(target, "warm-up", 8, 5.0, 2000, payload=payload)
        _control("-z", str(server.pid))
        _control("-i", "on", str(server.pid))
        phase = run_phase(target, "GetFunction", 8, 600.0, args.requests, payload=payload)
        _control("-i", "off", str(server.pid))
        _control("-d", str(server.pid))
    finally:
        server.terminate()
        server.wait()
    total = sum(int(line.split()[1]) for dump in out.glob("callgrind.out*") for line in dump.read_text().splitlines()
                if line.startswith("totals:"))
    counted = phase.requests + args.requests // 10  # run_phase warms up with a tenth before timing
    print(f"{counted} GetFunction requests, errors {dict(phase.errors) or '-'}: "
          f"{total / counted / 1e3:,.0f} k instructions per request")
    return 0 if not phase.errors else 1


if __name__ == "__main__":
    sys.exit(main())
