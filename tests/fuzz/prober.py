"""Polls a Lamina server's health endpoint from its own process while a test attacks the server.

Usage: ``python prober.py HEALTH_URL STOP_FILE`` — polls every 10 ms until STOP_FILE exists, then
prints one JSON line: how many probes, how many failed, and the slowest answer in milliseconds.
A separate process so that the test's own work never delays a probe.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit


def main(url: str, stop: Path) -> None:
    parts = urlsplit(url)
    probes, failures, slowest = 0, 0, 0.0
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    while not stop.exists():
        started = time.perf_counter()
        try:
            connection.request("GET", parts.path)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        slowest = max(slowest, (time.perf_counter() - started) * 1000)
        probes, failures = probes + 1, failures + (not ok)
        time.sleep(0.01)
    print(json.dumps({"probes": probes, "failures": failures, "slowest_ms": round(slowest, 2)}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
