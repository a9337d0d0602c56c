"""``lamina serve``: open the store, make sure the account and its root key exist, start the server.

The first start of a data directory creates the account and a root access key: the one in
LAMINA_ROOT_ACCESS_KEY_ID / LAMINA_ROOT_SECRET_ACCESS_KEY when both are set, else a generated
one. Its secret is printed once and saved as ``<data-dir>/root-credentials.csv`` (mode 0600,
AWS's download format); later starts show only the key id. The secret never reaches a log.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from lamina.settings import Settings
from lamina.store import LimitExceeded, NotFound, Store, open_store
from lamina.store.repositories import access_keys, accounts

ENV_KEY_ID = "LAMINA_ROOT_ACCESS_KEY_ID"
ENV_SECRET = "LAMINA_ROOT_SECRET_ACCESS_KEY"
CREDENTIALS_FILE = "root-credentials.csv"


@dataclass(frozen=True)
class RootKey:
    """The root access key the banner shows; ``secret`` only when it was created by this start."""

    access_key_id: str
    secret: str | None


def add_parser(commands: Any) -> None:
    """Register ``serve`` under the top-level ``lamina`` subcommands."""
    defaults = Settings()
    parser = commands.add_parser(
        "serve", help="start Lamina (IAM and STS APIs on one port)",
        description="Serve the AWS APIs on one port. The first start of a data directory creates the account "
                    f"and its root access key ({ENV_KEY_ID}/{ENV_SECRET} if set, else generated) and saves the "
                    f"secret in <data-dir>/{CREDENTIALS_FILE}.")
    parser.add_argument("--host", default=defaults.host, help=f"interface to listen on (default {defaults.host})")
    parser.add_argument("--port", type=int, default=defaults.port, help=f"port (default {defaults.port})")
    parser.add_argument("--data-dir", type=Path, default=defaults.data_dir,
                        help=f"the store's directory (default {defaults.data_dir})")
    parser.add_argument("--account-id", default=defaults.account_id,
                        help=f"the account created on first start (default {defaults.account_id})")
    parser.add_argument("--region", default=defaults.region, help=f"the region (default {defaults.region})")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    settings = Settings(args.host, args.port, args.data_dir, args.account_id, args.region)
    if not (len(settings.account_id) == 12 and settings.account_id.isdigit()):
        print(f"lamina serve: --account-id must be 12 digits, not {settings.account_id!r}", file=sys.stderr)
        return 2
    store = open_store(settings.data_dir)
    try:
        root = ensure_root_key(store, settings, dict(os.environ))
    except ValueError as error:
        print(f"lamina serve: {error}", file=sys.stderr)
        return 2
    print(banner(settings, root), file=out, flush=True)
    _serve(store, settings)
    return 0


def ensure_root_key(store: Store, settings: Settings, env: dict[str, str]) -> RootKey:
    """The account and its root key, created (and the secret saved) when this data dir lacks them."""
    wanted = (env.get(ENV_KEY_ID, ""), env.get(ENV_SECRET, ""))
    if bool(wanted[0]) != bool(wanted[1]):
        raise ValueError(f"set both {ENV_KEY_ID} and {ENV_SECRET}, or neither")
    with store.transaction() as conn:
        try:
            accounts.get_account(conn, settings.account_id)
        except NotFound:
            accounts.create_account(conn, settings.account_id)
        existing = [k for k in access_keys.list_access_keys(conn, settings.account_id, None) if k.status == "Active"]
        if wanted[0] and any(k.access_key_id == wanted[0] for k in existing):
            return RootKey(wanted[0], None)
        if existing and not wanted[0]:
            return RootKey(existing[0].access_key_id, None)
        try:
            issued = access_keys.create_access_key(
                conn, store.secret_box, settings.account_id, None, issued=wanted if wanted[0] else None
            )
        except LimitExceeded:
            raise ValueError(f"the root user already has 2 access keys; {ENV_KEY_ID} is not one of them") from None
    _write_credentials(settings.data_dir / CREDENTIALS_FILE, issued.key.access_key_id, issued.secret)
    return RootKey(issued.key.access_key_id, issued.secret)


def _write_credentials(path: Path, access_key_id: str, secret: str) -> None:
    """AWS's root-key download layout, readable by the owner only (created 0600, never widened)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
        file.write(f"Access key ID,Secret access key\r\n{access_key_id},{secret}\r\n")


def banner(settings: Settings, root: RootKey) -> str:
    """What to paste into a shell; the secret appears only on the start that created it."""
    exports = f"export AWS_ENDPOINT_URL={settings.endpoint} AWS_ACCESS_KEY_ID={root.access_key_id}"
    if root.secret is not None:
        exports += f" AWS_SECRET_ACCESS_KEY={root.secret}"
        note = f"Root access key created; its secret is shown once and saved in {settings.data_dir / CREDENTIALS_FILE}."
    else:
        note = f"Root access key {root.access_key_id}; its secret is in {settings.data_dir / CREDENTIALS_FILE}."
    return "\n".join([
        f"Lamina listening on {settings.endpoint} (account {settings.account_id}, region {settings.region})",
        note,
        f"  {exports} AWS_DEFAULT_REGION={settings.region}",
    ])


def _serve(store: Store, settings: Settings) -> None:
    import uvicorn  # imported here: the other commands should not pay for the server's start-up

    from lamina.server import create_app
    from lamina.wire import LaminaHttpProtocol

    app = create_app(store, settings)
    gc.freeze()  # the start-up objects (models, catalog) never need collecting: shorter GC pauses
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", http=LaminaHttpProtocol,
                    access_log=False)  # request lines would log presigned query strings (signatures, tokens)
    finally:
        store.close()
