"""``lamina audit``: the gate's decisions, newest first (who, what, on what, when, from where, why)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from lamina.commands.data_dir import add_data_dir_argument, open_existing
from lamina.store.repositories import accounts, audit
from lamina.store.repositories.audit import AuditEvent

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PAGE = 500
_GRANTED = ("Allow", "Success")
"""Decisions that are no denial: the gate's Allow and a console sign-in's Success."""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("audit", help="show the authorization decisions Lamina made",
                                 description="Every decision of the authorization gate, newest first. "
                                             "Reads the data directory (it never creates one); says which on stderr.")
    add_data_dir_argument(parser)
    parser.add_argument("--denied", action="store_true", help="only denials")
    parser.add_argument("--principal", metavar="ARN", help="only this caller")
    parser.add_argument("--since", metavar="WHEN", type=since,
                        help="only events after WHEN: an ISO 8601 time or a duration such as 30s, 15m, 2h, 1d")
    parser.add_argument("--limit", type=_positive, default=100, help="at most this many events (default 100)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(run=run)


def since(text: str) -> datetime:
    """``--since``: a duration back from now or an ISO 8601 time (UTC when it has no offset)."""
    if text[-1:] in _UNITS and text[:-1].isdigit():
        return datetime.now(UTC) - timedelta(seconds=int(text[:-1]) * _UNITS[text[-1]])
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a duration (30s, 15m, 2h, 1d) nor an ISO 8601 time (2026-11-30T08:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _matching(conn: Connection, account_id: str, args: argparse.Namespace) -> Iterator[AuditEvent]:
    """One account's events that pass the filters, newest first, paging only as far as needed."""
    marker = None
    while True:
        page = audit.list_events(conn, account_id, marker=marker, max_items=_PAGE)
        recent = [e for e in page.items if args.since is None or e.time >= args.since]
        yield from (e for e in recent if not (args.denied and e.decision in _GRANTED)
                    and not (args.principal and e.principal_arn != args.principal))
        if page.marker is None or not recent:  # a page wholly before --since: the rest is older still
            return
        marker = page.marker


def run(args: argparse.Namespace) -> int:
    store = open_existing(args.data_dir, "lamina audit")
    if store is None:
        return 1
    try:
        with store.transaction(read_only=True) as conn:
            events = []
            for account in accounts.list_accounts(conn):
                for count, event in enumerate(_matching(conn, account.account_id, args)):
                    if count == args.limit:
                        break
                    events.append(event)
    finally:
        store.close()
    events.sort(key=lambda e: (e.time, e.event_id or 0), reverse=True)
    for event in events[:args.limit]:
        _print(event, as_json=args.json)
    return 0


def _print(event: AuditEvent, *, as_json: bool) -> None:
    record: dict[str, Any] = {"time": event.time.isoformat(), "principal": event.principal_arn,
                              "action": event.action, "resource": event.resource, "source_ip": event.source_ip,
                              "decision": event.decision, "statements": list(event.statements)}
    if as_json:
        print(json.dumps(record))
        return
    why = "; ".join(f"{s['effect']} {s['type']} {s['policy']} {s['statement']}" for s in event.statements)
    print(f"{record['time']} {event.decision:12} {event.principal_arn} {event.action} {event.resource}"
          f" from {event.source_ip or '-'}{'  [' + why + ']' if why else ''}")
