"""The data directory of the commands that only read it (``audit``, ``accounts list``).

A read must never create a store: run outside the project, it would make an empty ``.lamina``
and print nothing, which looks like "no data" rather than "wrong place". So such a command says
which directory it looked for and fails, and when it does read one, it names it on stderr,
leaving stdout to the data (tables, JSON lines) that scripts read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from lamina.settings import Settings
from lamina.store import Store, open_store

DB_FILE = "lamina.db"


def add_data_dir_argument(parser: argparse.ArgumentParser) -> None:
    """``--data-dir`` with the server's default, the same for every command."""
    default = Settings().data_dir
    parser.add_argument("--data-dir", type=Path, default=default,
                        help=f"the server's data directory (default {default}, in the current directory)")


def open_existing(data_dir: Path, command: str) -> Store | None:
    """The store in ``data_dir``, or None (after saying so on stderr) when there is none."""
    where = data_dir.resolve()
    if not (where / DB_FILE).is_file():
        print(f"{command}: no Lamina data directory at {where} (no {DB_FILE} there); pass --data-dir with the "
              "directory `lamina serve` uses", file=sys.stderr)
        return None
    print(f"{command}: reading {where}", file=sys.stderr)
    return open_or_say(where, command)


def open_or_say(data_dir: Path, command: str) -> Store | None:
    """``open_store``, or None after one line on stderr when the directory or its database is unusable."""
    where = data_dir.resolve()
    try:
        return open_store(where)
    except OSError as error:
        reason = f"{error.strerror}: {error.filename}" if error.strerror and error.filename else str(error)
    except SQLAlchemyError as error:
        reason = f"{getattr(error, 'orig', None) or error} ({where / DB_FILE})"
    print(f"{command}: cannot use the data directory {where}: {reason}", file=sys.stderr)
    return None
