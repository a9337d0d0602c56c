"""Opening the store: one URL or data directory in, a ``Store`` with transactions out.

``open_store("/var/lib/lamina")`` uses ``sqlite:///<dir>/lamina.db`` and ``<dir>/secret.key``;
``open_store("postgresql+psycopg://…", key_file=…)`` uses PostgreSQL with the same tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, func, select
from sqlalchemy.pool import StaticPool

from . import dialect, schema
from .crypto import KEY_FILE_NAME, SecretBox
from .errors import SchemaMismatch

DB_FILE_NAME = "lamina.db"


@dataclass(frozen=True)
class Store:
    """The engine and the node key; repositories get connections from ``transaction()``."""

    engine: Engine
    secret_box: SecretBox

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back when it raises.

        Write transactions take SQLite's write lock up front (``BEGIN IMMEDIATE``), so a
        read-check-then-write (the 2-key quota, unique names) cannot interleave with another
        writer; pass ``read_only=True`` for pure reads, which then never wait for writers.
        """
        with self.engine.connect() as conn:
            if read_only:
                conn = conn.execution_options(**{dialect.READ_ONLY: True})
            with conn.begin():
                yield conn

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
    return f"sqlite:///{data_dir / DB_FILE_NAME}", data_dir / KEY_FILE_NAME


def _create_schema(engine: Engine) -> None:
    # create_all until a migrations tool arrives; schema_version guards against mismatches meanwhile.
    with engine.begin() as conn:
        schema.metadata.create_all(conn)
        found = conn.execute(select(func.max(schema.schema_version.c.version))).scalar()
        if found is None:
            conn.execute(schema.schema_version.insert().values(version=schema.SCHEMA_VERSION))
        elif found != schema.SCHEMA_VERSION:
            raise SchemaMismatch(found, schema.SCHEMA_VERSION)
