"""The durable store for IAM, STS and Lambda state: SQLAlchemy Core over SQLite or PostgreSQL.

    store = open_store(data_dir)            # or a database URL
    with store.transaction() as conn:       # commit on exit, roll back on error
        users.create_user(conn, account_id, "alice")

Repositories (``lamina.store.repositories``) are plain functions per aggregate that raise the
typed errors below. Services receive a ``Connection`` from ``transaction()`` and hand it to
repositories; they name its type from here, never from SQLAlchemy, and build no SQL. ``now`` is
the store's clock (aware UTC, whole seconds), for the times services compute. Imports nothing of
Lamina above it (``lamina.arn`` is a leaf). See docs/store.md.
"""

from sqlalchemy import Connection

from .crypto import SecretBox
from .engine import Store, open_store
from .errors import (
    AlreadyExists,
    DeleteConflict,
    InvalidMarker,
    LimitExceeded,
    NotFound,
    PreconditionFailed,
    SchemaMismatch,
    StoreError,
)
from .repositories import Page
from .repositories._common import now

__all__ = [
    "AlreadyExists",
    "Connection",
    "DeleteConflict",
    "InvalidMarker",
    "LimitExceeded",
    "NotFound",
    "Page",
    "PreconditionFailed",
    "SchemaMismatch",
    "SecretBox",
    "Store",
    "StoreError",
    "now",
    "open_store",
]
