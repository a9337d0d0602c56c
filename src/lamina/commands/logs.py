"""``lamina logs FUNCTION``: a function's log events from the data directory, as ``aws logs tail`` prints them.

Reads the store of a data directory (never creates one, like ``lamina audit``), so it works while
the server runs and after it has stopped. ``--follow`` polls the store for new events until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from lamina.commands.audit import since
from lamina.commands.data_dir import add_data_dir_argument, open_existing
from lamina.store import Store
from lamina.store.repositories import log_events
from lamina.store.repositories.log_events import LogEvent, LogGroup

POLL_SECONDS = 1.0
_BATCH = 1000


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("logs", help="print a function's logs (its /aws/lambda/FUNCTION log group)",
                                 description="A function's log events, oldest first, as `aws logs tail` prints them. "
                                             "Reads the data directory (it never creates one); says which on stderr.")
    parser.add_argument("function", help="the function's name")
    add_data_dir_argument(parser)
    parser.add_argument("--since", metavar="WHEN", type=since, default=None,
                        help="only events after WHEN: a duration such as 30s, 10m, 2h, 1d, or an ISO 8601 time "
                             "(default 10m, as aws logs tail)")
    parser.add_argument("--follow", action="store_true", help="keep printing new events until Ctrl-C")
    parser.add_argument("--account-id", help="the function's account, when several accounts have one of that name")
    parser.add_argument("--region", help="the function's region, when it exists in several")
    parser.set_defaults(run=run)


def _group(store: Store, args: argparse.Namespace) -> LogGroup | None:
    """The function's group, or None after saying why on stderr."""
    name = f"/aws/lambda/{args.function}"
    with store.transaction(read_only=True) as conn:
        found = [group for group in log_events.groups_named(conn, name)
                 if args.account_id in (None, group.account_id) and args.region in (None, group.region)]
    if len(found) == 1:
        return found[0]
    if not found:
        print(f"lamina logs: no logs for {args.function} (no log group {name}); has it run yet?", file=sys.stderr)
    else:
        places = ", ".join(f"account {group.account_id} region {group.region}" for group in found)
        print(f"lamina logs: {name} exists in {places}; pass --account-id and --region", file=sys.stderr)
    return None


def _print(event: LogEvent) -> None:
    moment = datetime.fromtimestamp(event.timestamp_ms / 1000, UTC).isoformat(timespec="microseconds")
    print(f"{moment} {event.stream_name} {event.message.rstrip()}", flush=True)


def _read_from(store: Store, group: LogGroup, start_ms: int, after: tuple[int, int] | None) -> tuple[int, int] | None:
    """Print every event after ``after`` (from ``start_ms``); the position of the last one printed."""
    while True:
        with store.transaction(read_only=True) as conn:
            current = log_events.get_group(conn, group.account_id, group.region, group.name)
            found, _ = log_events.filter_events(conn, current, lambda message: True, start_ms=start_ms, after=after,
                                                limit=_BATCH)
        for event in found:
            _print(event)
            after = (event.timestamp_ms, event.event_id)
        if len(found) < _BATCH:
            return after


def run(args: argparse.Namespace) -> int:
    store = open_existing(args.data_dir, "lamina logs")
    if store is None:
        return 1
    try:
        group = _group(store, args)
        if group is None:
            return 1
        start = args.since or datetime.now(UTC) - timedelta(minutes=10)
        start_ms = int(start.timestamp() * 1000)
        after = _read_from(store, group, start_ms, None)
        while args.follow:
            time.sleep(POLL_SECONDS)
            after = _read_from(store, group, start_ms, after)
    except KeyboardInterrupt:
        return 0
    finally:
        store.close()
    return 0
