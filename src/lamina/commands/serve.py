"""``lamina serve``: take the port, open the store, make sure the root key exists, print how to connect, serve.

The port is bound before anything is announced or written, so a port in use is one clear error
and no new data directory. What is printed, and where (docs/server.md says the same):

* the banner goes to stdout: endpoint, account, region, data directory, root key id and an
  ``export`` line to paste; ``--quiet`` prints no banner and only uvicorn's warnings and errors;
* the root secret appears in it only on the start that created the key, and only when stdout is a
  terminal. Otherwise (a pipe, a file, a service manager's log) the export line reads the secret
  from ``<data-dir>/root-credentials.csv`` when pasted, so no log ever holds it;
* errors go to stderr, with a non-zero exit.
"""

from __future__ import annotations

import argparse
import errno
import gc
import os
import shlex
import socket
import sys
from pathlib import Path
from typing import Any, TextIO

from lamina.commands.data_dir import open_or_say
from lamina.commands.root_key import (
    CREDENTIALS_FILE,
    ENV_KEY_ID,
    ENV_SECRET,
    RootKey,
    credentials_path,
    ensure_root_key,
    env_problem,
    saved_key_id,
    secret_from_file,
)
from lamina.settings import Settings
from lamina.store import Store

__all__ = ["add_parser", "banner", "ensure_root_key", "listen_socket", "run"]

_BACKLOG = 2048  # uvicorn's default


def add_parser(commands: Any) -> None:
    """Register ``serve`` under the top-level ``lamina`` subcommands."""
    defaults = Settings()
    parser = commands.add_parser(
        "serve", help="start Lamina (IAM and STS APIs on one port)",
        description="Serve the AWS APIs on one port. The first start of a data directory creates the account "
                    f"and its root access key ({ENV_KEY_ID}/{ENV_SECRET} if set, else generated) and saves the "
                    f"secret in <data-dir>/{CREDENTIALS_FILE} (mode 0600). The secret is printed only on that "
                    "first start and only to a terminal; otherwise the banner's export line reads it from the file.")
    parser.add_argument("--host", default=defaults.host, help=f"interface to listen on (default {defaults.host})")
    parser.add_argument("--port", type=_port, default=defaults.port,
                        help=f"port (default {defaults.port}; 0 picks a free one, shown in the banner)")
    parser.add_argument("--data-dir", type=Path, default=defaults.data_dir,
                        help=f"the store's directory (default {defaults.data_dir})")
    parser.add_argument("--account-id", default=defaults.account_id,
                        help=f"the account created on first start (default {defaults.account_id})")
    parser.add_argument("--region", default=defaults.region, help=f"the region (default {defaults.region})")
    parser.add_argument("--sandbox", choices=("auto", "bwrap", "none"), default=defaults.sandbox,
                        help="how functions are isolated: bwrap (bubblewrap), none (plain processes), or auto "
                             "(bubblewrap when it works here; the default)")
    parser.add_argument("--event-retry-delays", type=_delays, default=defaults.event_retry_delays,
                        metavar="SECONDS,SECONDS",
                        help="waits before the 2nd and 3rd attempt of a failed Event invocation (default 60,120, "
                             "as AWS)")
    parser.add_argument("--oidc-jwks", type=_issuer_jwks, action="append", default=[], metavar="ISSUER=FILE",
                        help="the signing keys (a JWKS JSON file) of the OIDC issuer ISSUER, used by "
                             "AssumeRoleWithWebIdentity instead of discovering them from the issuer (repeatable)")
    parser.add_argument("--quiet", action="store_true",
                        help="no banner, and only the server's warnings and errors (on stderr)")
    parser.set_defaults(run=run)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return int(text)


def _issuer_jwks(text: str) -> tuple[str, str]:
    issuer, sep, path = text.partition("=")
    if not sep or not issuer.startswith("https://") or not path:
        raise argparse.ArgumentTypeError(f"{text!r} is not ISSUER=FILE with an https:// issuer")
    if not Path(path).is_file():
        raise argparse.ArgumentTypeError(f"{path!r} is not a file")
    return issuer, str(Path(path).resolve())


def _delays(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(","))
    except ValueError:
        delays = ()
    if len(delays) != 2 or any(not 0 <= delay <= 3600 for delay in delays):
        raise argparse.ArgumentTypeError(f"{text!r} is not two waits in seconds, such as 60,120")
    return delays


def run(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    if not (len(args.account_id) == 12 and args.account_id.isdigit()):
        print(f"lamina serve: --account-id must be 12 digits, not {args.account_id!r}", file=sys.stderr)
        return 2
    if problem := env_problem(dict(os.environ)):
        print(f"lamina serve: {problem}", file=sys.stderr)
        return 2
    try:
        sock = listen_socket(args.host, args.port)
    except OSError as error:
        print(f"lamina serve: {bind_problem(args.host, args.port, error)}", file=sys.stderr)
        return 1
    settings = Settings(args.host, sock.getsockname()[1], args.data_dir, args.account_id, args.region,
                        sandbox=args.sandbox, event_retry_delays=args.event_retry_delays,
                        oidc_jwks=tuple(getattr(args, "oidc_jwks", ())))
    store = open_or_say(settings.data_dir, "lamina serve")
    if store is None:
        sock.close()
        return 1
    try:
        root = ensure_root_key(store, settings, dict(os.environ))
    except ValueError as error:
        print(f"lamina serve: {error}", file=sys.stderr)
        sock.close()
        store.close()
        return 2
    if not args.quiet:
        print(banner(settings, root, terminal=out.isatty()), file=out, flush=True)
    _serve(store, settings, sock, quiet=args.quiet)
    return 0


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``: taken here so that nothing is announced for a port we lack."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart need not wait out TIME_WAIT
        sock.bind((host, port))
        sock.listen(_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def bind_problem(host: str, port: int, error: OSError) -> str:
    """One sentence for a port we cannot take, with what to do about it."""
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use; pass --port with a free port (or stop what listens there)"
    if error.errno == errno.EACCES:
        return f"no permission to listen on port {port} on {host}; pass --port 1024 or above"
    if error.errno == errno.EADDRNOTAVAIL or isinstance(error, socket.gaierror):
        return f"cannot listen on {host}: not an address of this machine; pass --host (for example 127.0.0.1)"
    return f"cannot listen on {host}:{port}: {error.strerror or error}"


def banner(settings: Settings, root: RootKey, *, terminal: bool) -> str:
    """What to paste into a shell; the secret itself only for a new key and a terminal, never for a log."""
    csv = credentials_path(settings)
    key = root.access_key_id
    secret: str | None
    if root.secret is not None and terminal:
        note = f"Root access key {key} created; its secret is shown only now, here, and saved in {csv}."
        secret = shlex.quote(root.secret)
    elif saved_key_id(csv) == key:
        made = "created" if root.secret is not None else "in use"
        note = f"Root access key {key} {made}; its secret is in {csv} (the export line below reads it)."
        secret = secret_from_file(csv)
    else:
        note = (f"Root access key {key}; its secret is not in {csv} any more. Set {ENV_KEY_ID} and {ENV_SECRET} "
                "and restart to add a root key you know.")
        secret = None
    exports = f"export AWS_ENDPOINT_URL={settings.endpoint} AWS_ACCESS_KEY_ID={key}"
    if secret is not None:
        exports += f" AWS_SECRET_ACCESS_KEY={secret}"
    return "\n".join([
        f"Lamina listening on {settings.endpoint} (account {settings.account_id}, region {settings.region}, "
        f"data in {settings.data_dir.resolve()})",
        note,
        "To use it from another shell, paste:",
        f"  {exports} AWS_DEFAULT_REGION={settings.region}",
    ])


def _serve(store: Store, settings: Settings, sock: socket.socket, *, quiet: bool) -> None:
    import uvicorn  # imported here: the other commands should not pay for the server's start-up

    from lamina.server import create_app
    from lamina.wire import LaminaHttpProtocol

    app = create_app(store, settings)
    gc.freeze()  # the start-up objects (models, catalog) never need collecting: shorter GC pauses
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning" if quiet else "info",
                            http=LaminaHttpProtocol,  # AWS-shaped 400s, bounded request heads
                            access_log=False,  # request lines would log presigned query strings (signatures, tokens)
                            proxy_headers=False,  # aws:SourceIp is the peer's address, never a header a caller sets
                            server_header=False)  # AWS's answers name no server software; nor do Lamina's
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        app.close()  # the queued audit events and the workers, even when a signal cut the app's own shutdown short
        store.close()
