"""The account's root access key at ``lamina serve`` and the credentials file that holds its secret.

The first start of a data directory creates the account and a root access key: the one in
LAMINA_ROOT_ACCESS_KEY_ID / LAMINA_ROOT_SECRET_ACCESS_KEY when both are set, else a generated one.
Its secret goes to ``<data-dir>/root-credentials.csv`` (mode 0600, AWS's download layout), the one
place it can be read again: the store keeps it encrypted and never shows it.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from lamina.settings import Settings
from lamina.store import LimitExceeded, NotFound, Store
from lamina.store.repositories import access_keys, accounts

ENV_KEY_ID = "LAMINA_ROOT_ACCESS_KEY_ID"
ENV_SECRET = "LAMINA_ROOT_SECRET_ACCESS_KEY"
CREDENTIALS_FILE = "root-credentials.csv"
_HEADER = "Access key ID,Secret access key"


@dataclass(frozen=True)
class RootKey:
    """The root access key to show; ``secret`` only when this start created the key."""

    access_key_id: str
    secret: str | None


def credentials_path(settings: Settings) -> Path:
    """Absolute, so that a line pasted into another shell, in another directory, still finds it."""
    return (settings.data_dir / CREDENTIALS_FILE).resolve()


def env_problem(env: dict[str, str]) -> str | None:
    """Why the LAMINA_ROOT_* variables cannot be used, checked before anything is created."""
    if bool(env.get(ENV_KEY_ID)) != bool(env.get(ENV_SECRET)):
        return f"set both {ENV_KEY_ID} and {ENV_SECRET}, or neither"
    return None


def ensure_root_key(store: Store, settings: Settings, env: dict[str, str]) -> RootKey:
    """The account and its root key, created (and the secret saved) when this data dir lacks them."""
    problem = env_problem(env)
    if problem:
        raise ValueError(problem)
    wanted = (env.get(ENV_KEY_ID, ""), env.get(ENV_SECRET, ""))
    with store.transaction() as conn:
        try:
            accounts.get_account(conn, settings.account_id)
        except NotFound:
            accounts.create_account(conn, settings.account_id)
        active = [k.access_key_id for k in access_keys.list_access_keys(conn, settings.account_id, None)
                  if k.status == "Active"]
        if wanted[0] and wanted[0] in active:
            return RootKey(wanted[0], None)
        if active and not wanted[0]:
            saved = saved_key_id(credentials_path(settings))
            return RootKey(saved if saved in active else active[0], None)
        try:
            issued = access_keys.create_access_key(
                conn, store.secret_box, settings.account_id, None, issued=wanted if wanted[0] else None
            )
        except LimitExceeded:
            raise ValueError(f"the root user already has 2 access keys; {ENV_KEY_ID} is not one of them") from None
    write_credentials(credentials_path(settings), issued.key.access_key_id, issued.secret)
    return RootKey(issued.key.access_key_id, issued.secret)


def write_credentials(path: Path, access_key_id: str, secret: str) -> None:
    """AWS's root-key download layout, readable by the owner only (created 0600, never widened)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
        file.write(f"{_HEADER}\r\n{access_key_id},{secret}\r\n")


def saved_key_id(path: Path) -> str | None:
    """The key id the credentials file holds, or None when there is no readable file of that layout."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    if len(lines) < 2 or lines[0] != _HEADER or "," not in lines[1]:
        return None
    return lines[1].split(",", 1)[0]


def secret_from_file(path: Path) -> str:
    """A shell expression for the secret in ``path``: the second field of its second line, CR removed."""
    return f"\"$(sed -n 2p {shlex.quote(str(path))} | cut -d, -f2 | tr -d '\\r')\""
