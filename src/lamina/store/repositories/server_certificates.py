"""IAM server certificates: account-wide, named (case-insensitively), listed by name.

The private key is SecretBox ciphertext bound to the certificate id and never leaves the store:
no function here returns it. Tags live in the tags table under the kind ``server_cert``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from .. import ids
from ..crypto import SecretBox
from ..errors import AlreadyExists, NotFound
from ..schema import server_certificates
from . import tags
from ._common import DEFAULT_MAX_ITEMS, Page, iam_arn, now, paginate, path_starts_with
from .accounts import require_account

TAG_KIND = "server_cert"


@dataclass(frozen=True)
class ServerCertificateRow:
    certificate_id: str
    account_id: str
    name: str
    path: str
    body: str
    chain: str | None
    expires_at: datetime
    created_at: datetime

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "server-certificate", self.path, self.name)


def _row(row: Row[Any]) -> ServerCertificateRow:
    return ServerCertificateRow(row.certificate_id, row.account_id, row.name, row.path, row.body, row.chain,
                                row.expires_at, row.created_at)


def _where(account_id: str, name: str) -> tuple[Any, Any]:
    return server_certificates.c.account_id == account_id, server_certificates.c.name_lower == name.lower()


def upload(conn: Connection, box: SecretBox, account_id: str, name: str, path: str, body: str, chain: str | None,
           private_key: str, expires_at: datetime) -> ServerCertificateRow:
    """A new certificate; a name taken (in any case) is AlreadyExists."""
    require_account(conn, account_id)
    if conn.execute(select(server_certificates.c.certificate_id).where(*_where(account_id, name))).first():
        raise AlreadyExists("server_certificate", name)
    row = ServerCertificateRow(ids.unique_id(ids.SERVER_CERTIFICATE), account_id, name, path, body, chain,
                               expires_at, now())
    conn.execute(server_certificates.insert().values(
        certificate_id=row.certificate_id, account_id=account_id, name=name, name_lower=name.lower(), path=path,
        body=body, chain=chain, private_key=box.encrypt(private_key, context=row.certificate_id),
        expires_at=expires_at, created_at=row.created_at))
    return row


def get(conn: Connection, account_id: str, name: str) -> ServerCertificateRow:
    row = conn.execute(select(server_certificates).where(*_where(account_id, name))).first()
    if row is None:
        raise NotFound("server_certificate", name)
    return _row(row)


def list_certificates(conn: Connection, account_id: str, *, path_prefix: str = "/", marker: str | None = None,
                      max_items: int = DEFAULT_MAX_ITEMS) -> Page[ServerCertificateRow]:
    query = select(server_certificates).where(server_certificates.c.account_id == account_id,
                                              path_starts_with(server_certificates.c.path, path_prefix))
    return paginate(conn, query, server_certificates.c.name_lower, _row, marker=marker, max_items=max_items)


def update(conn: Connection, account_id: str, name: str, *, new_name: str | None = None,
           new_path: str | None = None) -> ServerCertificateRow:
    """Rename and/or move; a new name held by another certificate is AlreadyExists."""
    found = get(conn, account_id, name)
    changes: dict[str, str] = {}
    if new_name is not None and new_name != found.name:
        if new_name.lower() != found.name.lower() and conn.execute(
                select(server_certificates.c.certificate_id).where(*_where(account_id, new_name))).first():
            raise AlreadyExists("server_certificate", new_name)
        changes |= {"name": new_name, "name_lower": new_name.lower()}
    if new_path is not None:
        changes["path"] = new_path
    if changes:
        conn.execute(server_certificates.update()
                     .where(server_certificates.c.certificate_id == found.certificate_id).values(**changes))
    return get(conn, account_id, new_name or name)


def delete(conn: Connection, account_id: str, name: str) -> None:
    found = get(conn, account_id, name)
    tags.delete_all_tags(conn, TAG_KIND, found.certificate_id)
    conn.execute(server_certificates.delete().where(server_certificates.c.certificate_id == found.certificate_id))
