"""``lamina accounts create|list|set-root-password``: more AWS accounts in one data directory.

Works straight on the store, so it needs no running server and is safe beside one: SQLite in WAL
mode with ``BEGIN IMMEDIATE`` serializes the write with the server's. ``create`` makes the account
and its root access key and prints the secret once (the store keeps it encrypted, never shown again);
it creates the data directory when there is none. ``list`` only reads: it never creates one, and
names the directory it read on stderr. ``set-root-password`` gives an account's root user a console
password (AWS's root signs in with an email address; Lamina's with the account and the root choice on
the sign-in page); the password is read from a prompt or stdin, never from the command line.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from lamina.commands.data_dir import DB_FILE, add_data_dir_argument, open_existing, open_or_say
from lamina.store import AlreadyExists, NotFound
from lamina.store.passwords import hash_password
from lamina.store.repositories import access_keys, accounts, login_profiles

MIN_ROOT_PASSWORD = 8
"""AWS's root password rule starts at 8 characters."""


def add_parser(commands: Any) -> None:
    """Register ``accounts`` (with ``create`` and ``list``) under the top-level subcommands."""
    parser = commands.add_parser("accounts", help="create and list the AWS accounts of a data directory")
    sub = parser.add_subparsers(dest="accounts_command", required=True)

    create = sub.add_parser("create", help="a new account and its root access key (secret printed once)")
    create.add_argument("--account-id", help="the 12-digit id (default: a random unused one)")
    create.add_argument("--json", action="store_true", help="print the account and key as JSON")
    add_data_dir_argument(create)
    create.set_defaults(run=run_create)

    listing = sub.add_parser("list", help="the accounts, their aliases and root key ids")
    listing.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    add_data_dir_argument(listing)
    listing.set_defaults(run=run_list)

    root = sub.add_parser("set-root-password", help="give an account's root user a console password")
    root.add_argument("account_id", help="the 12-digit account id")
    root.add_argument("--password-stdin", action="store_true", help="read the password from stdin, not a prompt")
    add_data_dir_argument(root)
    root.set_defaults(run=run_set_root_password)


def run_create(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    wanted: str | None = args.account_id
    if wanted is not None and not (len(wanted) == 12 and wanted.isdigit()):
        print(f"lamina accounts create: --account-id must be 12 digits, not {wanted!r}", file=sys.stderr)
        return 2
    data_dir: Path = args.data_dir.resolve()
    fresh = "" if (data_dir / DB_FILE).is_file() else "a new data directory, "
    print(f"lamina accounts create: writing to {fresh}{data_dir}", file=sys.stderr)
    store = open_or_say(data_dir, "lamina accounts create")
    if store is None:
        return 1
    try:
        with store.transaction() as conn:
            account = accounts.create_account(conn, wanted)
            issued = access_keys.create_access_key(conn, store.secret_box, account.account_id, None)
    except AlreadyExists:
        print(f"lamina accounts create: account {wanted} already exists", file=sys.stderr)
        return 1
    finally:
        store.close()
    key_id, secret = issued.key.access_key_id, issued.secret
    if args.json:
        print(json.dumps({"AccountId": account.account_id, "AccessKeyId": key_id, "SecretAccessKey": secret}),
              file=out)
    else:
        print(f"Account {account.account_id} created with a root access key; the secret is shown only now.\n"
              f"  export AWS_ACCESS_KEY_ID={key_id} AWS_SECRET_ACCESS_KEY={secret}", file=out)
    return 0


def run_list(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    store = open_existing(args.data_dir, "lamina accounts list")
    if store is None:
        return 1
    try:
        with store.transaction(read_only=True) as conn:
            rows = [(account, [k.access_key_id for k in access_keys.list_access_keys(conn, account.account_id, None)])
                    for account in accounts.list_accounts(conn)]
    finally:
        store.close()
    for account, keys in rows:
        created = account.created_at.isoformat()
        if args.json:
            print(json.dumps({"AccountId": account.account_id, "Alias": account.alias, "CreateDate": created,
                              "RootAccessKeyIds": keys}), file=out)
        else:
            print(f"{account.account_id}  {account.alias or '-'}  {created}  {','.join(keys) or '-'}", file=out)
    return 0


def run_set_root_password(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    """Hash the password (argon2, as IAM users' are) and store it for the account's root user."""
    command = "lamina accounts set-root-password"
    if args.password_stdin:
        password = (stdin or sys.stdin).readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Root password: ")
        if getpass.getpass("Again: ") != password:
            print(f"{command}: the passwords differ", file=sys.stderr)
            return 2
    if len(password) < MIN_ROOT_PASSWORD:
        print(f"{command}: the password needs at least {MIN_ROOT_PASSWORD} characters", file=sys.stderr)
        return 2
    encoded = hash_password(password)  # slow by design: before the write transaction
    store = open_existing(args.data_dir, command)
    if store is None:
        return 1
    try:
        with store.transaction() as conn:
            login_profiles.set_root_password(conn, args.account_id, encoded)
    except NotFound:
        print(f"{command}: no account {args.account_id} in this data directory", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{command}: the root user of {args.account_id} can now sign in to the console", file=sys.stderr)
    return 0
