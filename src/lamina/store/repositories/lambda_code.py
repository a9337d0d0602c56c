"""Function code, content-addressed: one blob per SHA-256, shared by every version with those bytes.

The store keys code by the hex digest; Lambda shows ``CodeSha256``, the base64 of the same raw
digest (``CodeRow.code_sha256``). Versions reference blobs by foreign key, so a referenced blob
cannot go; ``prune`` removes the ones no version (of a function or of a layer, deleted layer
versions included: functions keep using them) references any more, skipping those a
concurrent writer is taking (it holds a key-share lock on them until it commits).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, exists, select

from .. import dialect
from ..errors import NotFound
from ..schema import lambda_code, lambda_layer_versions, lambda_versions
from ._common import now
from ._lambda import sha256_base64


@dataclass(frozen=True)
class CodeRow:
    sha256: str  # hex
    size: int
    created_at: datetime

    @property
    def code_sha256(self) -> str:
        """Lambda's ``CodeSha256``: the base64 of the raw digest."""
        return sha256_base64(self.sha256)


def hex_from_code_sha256(code_sha256: str) -> str | None:
    """The hex digest for a ``CodeSha256`` (base64); None when it is not a SHA-256 in base64."""
    try:
        raw = base64.b64decode(code_sha256, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == hashlib.sha256().digest_size else None


def put_code(conn: Connection, data: bytes) -> CodeRow:
    """Store ``data`` under its SHA-256 (a no-op when those bytes are already stored); the row
    stays key-share locked until commit, so a concurrent ``prune`` cannot take it from the caller."""
    sha256 = hashlib.sha256(data).hexdigest()
    for _ in range(2):  # a prune that held the old row may delete it under us: then insert anew
        dialect.insert_or_ignore(conn, lambda_code, {"sha256": sha256, "size": len(data), "zip": data,
                                                     "created_at": now()})
        try:
            return get_code(conn, sha256, lock=True)
        except NotFound:
            continue
    raise NotFound("code", sha256)


def get_code(conn: Connection, sha256: str, *, lock: bool = False) -> CodeRow:
    """The blob's digest, size and age (not its bytes: see ``read_code``); with ``lock``, a
    key-share lock holds the row until commit (what a version about to reference it needs: it
    keeps ``prune`` off and lets other writers share the blob)."""
    query = select(lambda_code.c.sha256, lambda_code.c.size, lambda_code.c.created_at).where(
        lambda_code.c.sha256 == sha256)
    row = conn.execute(query.with_for_update(read=True, key_share=True) if lock else query).first()
    if row is None:
        raise NotFound("code", sha256)
    return CodeRow(row.sha256, row.size, row.created_at)


def read_code(conn: Connection, sha256: str) -> bytes:
    """The zip bytes (for GetFunction's and GetLayerVersion's code location, and the runtime)."""
    found = conn.execute(select(lambda_code.c.zip).where(lambda_code.c.sha256 == sha256)).scalar()
    if found is None:
        raise NotFound("code", sha256)
    return bytes(found)


def prune(conn: Connection, only: Iterable[str] | None = None) -> list[str]:
    """Delete the blobs no version references (among ``only``, when given); their digests, sorted.

    Blobs a writer is taking right now are locked by it and skipped (a later prune gets them if
    that writer fails); the ones left are locked here, then checked again, so no version can come
    to reference a blob between the check and the delete."""
    unreferenced = and_(~exists().where(lambda_versions.c.code_sha256 == lambda_code.c.sha256),
                        ~exists().where(lambda_layer_versions.c.code_sha256 == lambda_code.c.sha256))
    query = select(lambda_code.c.sha256).where(unreferenced)
    if only is not None:
        query = query.where(lambda_code.c.sha256.in_(list(only)))
    locked = list(conn.execute(query.with_for_update(skip_locked=True)).scalars())
    if not locked:
        return []
    gone = sorted(conn.execute(select(lambda_code.c.sha256).where(lambda_code.c.sha256.in_(locked), unreferenced))
                  .scalars())
    conn.execute(lambda_code.delete().where(lambda_code.c.sha256.in_(gone)))
    return gone
