"""The durable store for IAM, STS and Lambda state: SQLAlchemy Core over SQLite or PostgreSQL.

    store = open_store(data_dir)            # or a database URL
    with store.transaction() as conn:       # commit on exit, roll back on error
        users.create_user(conn, account_id, "alice")

Repositories (``lamina.store.repositories``) are plain functions per aggregate that raise the
typed errors below. Imports nothing else of Lamina. See docs/store.md.
"""

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

__all__ = [
    "AlreadyExists",
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
    "open_store",
]
