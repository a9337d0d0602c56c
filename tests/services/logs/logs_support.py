"""A data directory seeded with a function's logs (as invocations leave them) before a server starts
over it: the logs persisted across a restart, read back through CloudWatch Logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from lamina.function_logs import FunctionLogs
from lamina.pytest_plugin import DEFAULT_ACCOUNT, DEFAULT_REGION
from lamina.store import open_store
from lamina.store.repositories import accounts

GROUP = "/aws/lambda/my-function"
STREAMS = ("2026/11/30/[$LATEST]0a1b2c3d4e5f60718293a4b5c6d7e8f9",
           "2026/11/30/[$LATEST]ffeeddccbbaa99887766554433221100")
NOW = datetime.now(UTC).replace(microsecond=0)


def invocation(request_id: str, *lines: str) -> str:
    """The log text of one invocation, as Lambda writes it."""
    body = "".join(f"{line}\n" for line in lines)
    return (f"START RequestId: {request_id} Version: $LATEST\n{body}END RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: 1.52 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
            "Max Memory Used: 38 MB\t\n")


def seed(data_dir: Path) -> list[tuple[str, str, datetime]]:
    """Two streams, three invocations a minute apart; (stream, request id, time) of each."""
    store = open_store(data_dir)
    with store.transaction() as conn:
        accounts.create_account(conn, DEFAULT_ACCOUNT)
    logs = FunctionLogs(store, background=False)
    made = []
    for index, (stream, lines) in enumerate([(STREAMS[0], ("hello from the first call",)),
                                             (STREAMS[1], ("[ERROR] Task failed: boom", "Traceback follows")),
                                             (STREAMS[0], ("hello again", "a WARN line"))]):
        request_id = f"00000000-0000-0000-0000-00000000000{index}"
        at = NOW - timedelta(minutes=3 - index)
        logs.record(DEFAULT_ACCOUNT, DEFAULT_REGION, GROUP, stream, invocation(request_id, *lines), at)
        made.append((stream, request_id, at))
    logs.close()
    store.close()
    return made
