"""Opening the store: one URL or data directory in, a ``Store`` with transactions out.

``open_store("/var/lib/lamina")`` uses ``sqlite:///<dir>/lamina.db`` and ``<dir>/secret.key``;
``open_store("postgresql+psycopg://…", key_file=…)`` uses PostgreSQL with the same tables.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, func, select
from sqlalchemy.pool import StaticPool

from . import dialect, migrations, schema
from .crypto import KEY_FILE_NAME, SecretBox

DB_FILE_NAME = "lamina.db"
CACHE_SECONDS = 1.0
"""How long another process's write may go unseen by this one's read cache (AWS's own IAM is
eventually consistent for seconds); this process's own writes clear the cache at once."""

T = TypeVar("T")


class ReadCache:
    """Values computed from the store, dropped on this process's writes and after a short TTL."""

    def __init__(self) -> None:
        self._values: dict[Hashable, tuple[int, float, Any]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        found = self._values.get(key)
        if found is not None and found[0] == self._generation and found[1] > now:
            value: T = found[2]
            return value
        generation = self._generation
        value = compute()
        if len(self._values) > 10_000:
            self._values.clear()
        self._values[key] = (generation, now + CACHE_SECONDS, value)
        return value

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1


@dataclass(frozen=True)
class Store:
    """The engine and the node key; repositories get connections from ``transaction()``."""

    engine: Engine
    secret_box: SecretBox
    cache: ReadCache = field(default_factory=ReadCache, compare=False, repr=False)
    """Hot reads (access keys, a caller's policies) memoised; see ``cached``."""

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, memoised until this process writes or ``CACHE_SECONDS`` pass."""
        return self.cache.get(key, compute)

    @contextmanager
    def transaction(self, *, read_only: bool = False, changes_state: bool = True) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back when it raises.

        Write transactions take SQLite's write lock up front (``BEGIN IMMEDIATE``), so a
        read-check-then-write (the 2-key quota, unique names) cannot interleave with another
        writer; pass ``read_only=True`` for pure reads, which then never wait for writers.
        A write clears the read cache unless ``changes_state`` is False (the audit trail).
        """
        with self.engine.connect() as conn:
            if read_only:
                conn = conn.execution_options(**{dialect.READ_ONLY: True})
            with conn.begin():
                yield conn
        if not read_only and changes_state:  # after the commit: later reads must see this write
            self.cache.invalidate()

    def close(self) -> None:
        self.engine.dispose()


def open_store(target: str | Path, *, key_file: Path | None = None) -> Store:
    """Open (creating when new) the store at a data directory or database URL.

    A directory gets ``lamina.db`` and ``secret.key`` inside it. A URL needs ``key_file``,
    except ``sqlite://`` (in memory), which gets a throwaway key for tests.
    """
    url, default_key = _resolve(target)
    key_path = key_file or default_key
    if key_path is None and url != "sqlite://":
        raise ValueError("a database URL needs key_file: secrets must outlive the process")
    box = SecretBox.from_key_file(key_path) if key_path else SecretBox.ephemeral()
    if url == "sqlite://":
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(url, pool_pre_ping=True)
    dialect.configure(engine)
    _create_schema(engine)
    return Store(engine=engine, secret_box=box)


def _resolve(target: str | Path) -> tuple[str, Path | None]:
    text = str(target)
    if "://" in text:
        if text == "sqlite://":
            return text, None
        if text.startswith("sqlite:///"):
            return text, Path(text.removeprefix("sqlite:///")).parent / KEY_FILE_NAME
        return text, None
    data_dir = Path(target).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / DB_FILE_NAME
    if not database.exists():  # owner-only, like the key: it holds password hashes and sealed secrets
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return f"sqlite:///{database}", data_dir / KEY_FILE_NAME


def _create_schema(engine: Engine) -> None:
    # create_all until a migrations tool arrives; schema_version says which steps an older store needs.
    with engine.begin() as conn:
        schema.metadata.create_all(conn)
        found = conn.execute(select(func.max(schema.schema_version.c.version))).scalar()
        if found is None:
            conn.execute(schema.schema_version.insert().values(version=schema.SCHEMA_VERSION))
        elif found != schema.SCHEMA_VERSION:
            migrations.migrate(conn, found)
