"""``lamina audit``: the gate's decisions, newest first (who, what, on what, when, from where, why)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from lamina.store import open_store
from lamina.store.repositories import accounts, audit


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("audit", help="show the authorization decisions Lamina made",
                                 description="Every decision of the authorization gate, newest first.")
    parser.add_argument("--data-dir", default=".lamina", help="the server's data directory (default .lamina)")
    parser.add_argument("--denied", action="store_true", help="only denials")
    parser.add_argument("--principal", metavar="ARN", help="only this caller")
    parser.add_argument("--since", metavar="WHEN",
                        help="only events after WHEN: an ISO 8601 time or a duration such as 15m, 2h, 1d")
    parser.add_argument("--limit", type=int, default=100, help="at most this many events (default 100)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(run=run)


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text[-1] in units and text[:-1].isdigit():
        return datetime.now(UTC) - timedelta(seconds=int(text[:-1]) * units[text[-1]])
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run(args: argparse.Namespace) -> int:
    since = _since(args.since)
    store = open_store(args.data_dir)
    shown = 0
    with store.transaction(read_only=True) as conn:
        events = [event for account in accounts.list_accounts(conn)
                  for event in audit.list_events(conn, account.account_id, max_items=1000).items]
    events.sort(key=lambda e: (e.time, e.event_id or 0), reverse=True)
    for event in events:
        if (args.denied and event.decision == "Allow") or (args.principal and event.principal_arn != args.principal):
            continue
        if since is not None and event.time < since:
            continue
        if shown >= args.limit:
            break
        shown += 1
        record: dict[str, Any] = {"time": event.time.isoformat(), "principal": event.principal_arn,
                                  "action": event.action, "resource": event.resource, "source_ip": event.source_ip,
                                  "decision": event.decision, "statements": list(event.statements)}
        if args.json:
            print(json.dumps(record))
        else:
            why = "; ".join(f"{s['effect']} {s['type']} {s['policy']} {s['statement']}" for s in event.statements)
            print(f"{record['time']} {event.decision:12} {event.principal_arn} {event.action} {event.resource}"
                  f" from {event.source_ip or '-'}{'  [' + why + ']' if why else ''}")
    return 0
