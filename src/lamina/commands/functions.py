"""``lamina functions link|unlink``: run a function's $LATEST from a local directory, edit, invoke again.

The link is kept in the data directory's store, so the running server (which reads the store)
picks it up within a second; each invocation then runs the directory's current files. Published
versions keep their own code. Only the node whose disk holds the directory can run it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lamina.commands.data_dir import add_data_dir_argument, open_existing
from lamina.settings import Settings
from lamina.store import NotFound
from lamina.store.repositories import lambda_code_links


def add_parser(commands: Any) -> None:
    defaults = Settings()
    parser = commands.add_parser("functions", help="Lamina's own function commands (link a local directory)")
    verbs = parser.add_subparsers(dest="functions_command", required=True)
    link = verbs.add_parser("link", help="run FUNCTION's $LATEST from DIRECTORY's current files",
                            description="Every invocation of FUNCTION's $LATEST runs the files in DIRECTORY as they "
                                        "are at that moment: edit, then invoke again, with no deploy. The deployed "
                                        "zip stays the function's code for the API (GetFunction, versions).")
    link.add_argument("function", metavar="FUNCTION", help="the function's name")
    link.add_argument("directory", metavar="DIRECTORY", type=Path, help="the directory holding the handler")
    unlink = verbs.add_parser("unlink", help="run FUNCTION's deployed code again")
    unlink.add_argument("function", metavar="FUNCTION", help="the function's name")
    for verb in (link, unlink):
        add_data_dir_argument(verb)
        verb.add_argument("--account-id", default=defaults.account_id,
                          help=f"the function's account (default {defaults.account_id})")
        verb.add_argument("--region", default=defaults.region,
                          help=f"the function's region (default {defaults.region})")
    link.set_defaults(run=run_link)
    unlink.set_defaults(run=run_unlink)


def run_link(args: argparse.Namespace) -> int:
    directory = args.directory.resolve()
    if not directory.is_dir():
        print(f"lamina functions link: {directory} is not a directory", file=sys.stderr)
        return 2
    store = open_existing(args.data_dir, "lamina functions link")
    if store is None:
        return 1
    try:
        with store.transaction() as conn:
            lambda_code_links.link(conn, args.account_id, args.region, args.function, str(directory))
    except NotFound:
        print(f"lamina functions link: no function {args.function} in account {args.account_id}, {args.region}",
              file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{args.function} ($LATEST) now runs {directory}")
    return 0


def run_unlink(args: argparse.Namespace) -> int:
    store = open_existing(args.data_dir, "lamina functions unlink")
    if store is None:
        return 1
    try:
        with store.transaction() as conn:
            had = lambda_code_links.unlink(conn, args.account_id, args.region, args.function)
    except NotFound:
        print(f"lamina functions unlink: no function {args.function} in account {args.account_id}, {args.region}",
              file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{args.function} ($LATEST) runs its deployed code" + ("" if had else " (it was not linked)"))
    return 0
