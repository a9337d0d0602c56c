"""A user's credentials other than access keys and passwords: X.509 signing certificates (at
most 2, the root may hold them too), SSH public keys (at most 5) and service-specific
credentials (at most 2 per service).

Each belongs to its user by unique id, so a re-created namesake inherits nothing; each is found
by (user, id): an id that belongs to another user is NotFound, as in AWS. A service password is
kept as its SHA-256 only (``secret_digest``): it is shown once, at creation or reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, func, select

from .. import ids
from ..errors import LimitExceeded, NotFound
from ..schema import accounts, service_specific_credentials, signing_certificates, ssh_public_keys, users
from ._common import now
from .accounts import require_account
from .users import get_user

MAX_SIGNING_CERTIFICATES = 2
MAX_SSH_KEYS = 5
MAX_SERVICE_CREDENTIALS = 2


@dataclass(frozen=True)
class SigningCertificateRow:
    certificate_id: str
    user_name: str | None  # None: the account's root
    body: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class SshKeyRow:
    key_id: str
    user_name: str
    body: str
    fingerprint: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class ServiceCredentialRow:
    credential_id: str
    user_name: str
    service_name: str
    service_user_name: str
    status: str
    created_at: datetime
    expires_at: datetime | None


def _owner(conn: Connection, account_id: str, user_name: str | None, *, lock: bool = False) -> str | None:
    """The user's unique id (None: root), the row locked for a quota check when ``lock``."""
    if user_name is None:
        require_account(conn, account_id)
        if lock:
            conn.execute(select(accounts.c.account_id).where(accounts.c.account_id == account_id).with_for_update())
        return None
    user = get_user(conn, account_id, user_name)
    if lock:
        conn.execute(select(users.c.user_id).where(users.c.user_id == user.user_id).with_for_update())
    return user.user_id


def _owned_by(table: Table, account_id: str, user_id: str | None) -> tuple[Any, Any]:
    owner = table.c.user_id.is_(None) if user_id is None else table.c.user_id == user_id
    return table.c.account_id == account_id, owner


def _count(conn: Connection, table: Table, *where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _query(table: Table) -> Any:
    return select(table, users.c.name.label("user_name")).outerjoin(users, users.c.user_id == table.c.user_id)


# --- signing certificates ---------------------------------------------------------------------


def _signing(row: Row[Any]) -> SigningCertificateRow:
    return SigningCertificateRow(row.certificate_id, row.user_name, row.body, row.status, row.created_at)


def upload_signing_certificate(conn: Connection, account_id: str, user_name: str | None,
                               body: str) -> SigningCertificateRow:
    """An Active certificate; the third is LimitExceeded, the same body twice DuplicateCertificate's."""
    user_id = _owner(conn, account_id, user_name, lock=True)
    owned = _owned_by(signing_certificates, account_id, user_id)
    if _count(conn, signing_certificates, *owned) >= MAX_SIGNING_CERTIFICATES:
        raise LimitExceeded("user", user_name or account_id, "CertificatesPerUser", MAX_SIGNING_CERTIFICATES)
    row = SigningCertificateRow(ids.signing_certificate_id(), user_name, body, "Active", now())
    conn.execute(signing_certificates.insert().values(certificate_id=row.certificate_id, account_id=account_id,
                                                      user_id=user_id, body=body, status="Active",
                                                      created_at=row.created_at))
    return row


def signing_certificate_bodies(conn: Connection, account_id: str) -> set[str]:
    """Every signing certificate body of the account (AWS refuses one uploaded twice)."""
    query = select(signing_certificates.c.body).where(signing_certificates.c.account_id == account_id)
    return {row.body for row in conn.execute(query)}


def list_signing_certificates(conn: Connection, account_id: str, user_name: str | None) -> list[SigningCertificateRow]:
    user_id = _owner(conn, account_id, user_name)
    query = _query(signing_certificates).where(*_owned_by(signing_certificates, account_id, user_id))
    return [_signing(row) for row in conn.execute(query.order_by(signing_certificates.c.created_at,
                                                                 signing_certificates.c.certificate_id))]


def _signing_where(conn: Connection, account_id: str, user_name: str | None, certificate_id: str) -> tuple[Any, ...]:
    user_id = _owner(conn, account_id, user_name)
    where = (*_owned_by(signing_certificates, account_id, user_id),
             signing_certificates.c.certificate_id == certificate_id)
    if conn.execute(select(signing_certificates.c.certificate_id).where(*where)).first() is None:
        raise NotFound("signing_certificate", certificate_id)
    return where


def update_signing_certificate(conn: Connection, account_id: str, user_name: str | None, certificate_id: str,
                               status: str) -> None:
    where = _signing_where(conn, account_id, user_name, certificate_id)
    conn.execute(signing_certificates.update().where(*where).values(status=status))


def delete_signing_certificate(conn: Connection, account_id: str, user_name: str | None, certificate_id: str) -> None:
    where = _signing_where(conn, account_id, user_name, certificate_id)
    conn.execute(signing_certificates.delete().where(*where))


# --- SSH public keys --------------------------------------------------------------------------


def _ssh(row: Row[Any]) -> SshKeyRow:
    return SshKeyRow(row.key_id, row.user_name, row.body, row.fingerprint, row.status, row.created_at)


def upload_ssh_key(conn: Connection, account_id: str, user_name: str, body: str, fingerprint: str) -> SshKeyRow:
    """An Active key; the sixth is LimitExceeded."""
    user_id = _owner(conn, account_id, user_name, lock=True)
    if _count(conn, ssh_public_keys, ssh_public_keys.c.user_id == user_id) >= MAX_SSH_KEYS:
        raise LimitExceeded("user", user_name, "SSHPublicKeysPerUser", MAX_SSH_KEYS)
    found = get_user(conn, account_id, user_name)
    row = SshKeyRow(ids.unique_id(ids.SSH_PUBLIC_KEY), found.name, body, fingerprint, "Active", now())
    conn.execute(ssh_public_keys.insert().values(key_id=row.key_id, account_id=account_id, user_id=user_id, body=body,
                                                 fingerprint=fingerprint, status="Active", created_at=row.created_at))
    return row


def ssh_key_fingerprints(conn: Connection, account_id: str, user_name: str) -> set[str]:
    """The fingerprints of the user's keys (AWS refuses the same key twice)."""
    user_id = _owner(conn, account_id, user_name)
    query = select(ssh_public_keys.c.fingerprint).where(ssh_public_keys.c.user_id == user_id)
    return {row.fingerprint for row in conn.execute(query)}


def list_ssh_keys(conn: Connection, account_id: str, user_name: str | None) -> list[SshKeyRow]:
    """One user's keys, or every user's of the account when ``user_name`` is None."""
    query = _query(ssh_public_keys).where(ssh_public_keys.c.account_id == account_id)
    if user_name is not None:
        query = query.where(ssh_public_keys.c.user_id == _owner(conn, account_id, user_name))
    return [_ssh(row) for row in conn.execute(query.order_by(ssh_public_keys.c.created_at, ssh_public_keys.c.key_id))]


def get_ssh_key(conn: Connection, account_id: str, user_name: str, key_id: str) -> SshKeyRow:
    user_id = _owner(conn, account_id, user_name)
    row = conn.execute(_query(ssh_public_keys).where(ssh_public_keys.c.user_id == user_id,
                                                     ssh_public_keys.c.key_id == key_id)).first()
    if row is None:
        raise NotFound("ssh_public_key", key_id)
    return _ssh(row)


def update_ssh_key(conn: Connection, account_id: str, user_name: str, key_id: str, status: str) -> None:
    get_ssh_key(conn, account_id, user_name, key_id)
    conn.execute(ssh_public_keys.update().where(ssh_public_keys.c.key_id == key_id).values(status=status))


def delete_ssh_key(conn: Connection, account_id: str, user_name: str, key_id: str) -> None:
    get_ssh_key(conn, account_id, user_name, key_id)
    conn.execute(ssh_public_keys.delete().where(ssh_public_keys.c.key_id == key_id))


# --- service-specific credentials -------------------------------------------------------------


def _service(row: Row[Any]) -> ServiceCredentialRow:
    return ServiceCredentialRow(row.credential_id, row.user_name, row.service_name, row.service_user_name, row.status,
                                row.created_at, row.expires_at)


def create_service_credential(conn: Connection, account_id: str, user_name: str, service_name: str,
                              service_user_name: str, secret_digest: str,
                              expires_at: datetime | None = None) -> ServiceCredentialRow:
    """An Active credential; a third for the same service is LimitExceeded."""
    user_id = _owner(conn, account_id, user_name, lock=True)
    same = (service_specific_credentials.c.user_id == user_id,
            service_specific_credentials.c.service_name == service_name)
    if _count(conn, service_specific_credentials, *same) >= MAX_SERVICE_CREDENTIALS:
        raise LimitExceeded("user", user_name, "ServiceSpecificCredentialsPerUserPerService", MAX_SERVICE_CREDENTIALS)
    name = get_user(conn, account_id, user_name).name
    row = ServiceCredentialRow(ids.unique_id(ids.SERVICE_CREDENTIAL), name, service_name, service_user_name,
                               "Active", now(), expires_at)
    conn.execute(service_specific_credentials.insert().values(
        credential_id=row.credential_id, account_id=account_id, user_id=user_id, service_name=service_name,
        service_user_name=service_user_name, secret_digest=secret_digest, status="Active", expires_at=expires_at,
        created_at=row.created_at))
    return row


def list_service_credentials(conn: Connection, account_id: str, user_name: str | None,
                             service_name: str | None = None) -> list[ServiceCredentialRow]:
    """One user's credentials (every user's when ``user_name`` is None), of one service when named."""
    table = service_specific_credentials
    query = _query(table).where(table.c.account_id == account_id)
    if user_name is not None:
        query = query.where(table.c.user_id == _owner(conn, account_id, user_name))
    if service_name is not None:
        query = query.where(table.c.service_name == service_name)
    return [_service(row) for row in conn.execute(query.order_by(table.c.created_at, table.c.credential_id))]


def get_service_credential(conn: Connection, account_id: str, user_name: str,
                           credential_id: str) -> ServiceCredentialRow:
    table = service_specific_credentials
    user_id = _owner(conn, account_id, user_name)
    row = conn.execute(_query(table).where(table.c.user_id == user_id, table.c.credential_id == credential_id)).first()
    if row is None:
        raise NotFound("service_specific_credential", credential_id)
    return _service(row)


def update_service_credential(conn: Connection, account_id: str, user_name: str, credential_id: str, *,
                              status: str | None = None, secret_digest: str | None = None) -> ServiceCredentialRow:
    """A new status and/or secret; returns the credential as it now is."""
    get_service_credential(conn, account_id, user_name, credential_id)
    changes = {k: v for k, v in (("status", status), ("secret_digest", secret_digest)) if v is not None}
    table = service_specific_credentials
    conn.execute(table.update().where(table.c.credential_id == credential_id).values(**changes))
    return get_service_credential(conn, account_id, user_name, credential_id)


def delete_service_credential(conn: Connection, account_id: str, user_name: str, credential_id: str) -> None:
    get_service_credential(conn, account_id, user_name, credential_id)
    table = service_specific_credentials
    conn.execute(table.delete().where(table.c.credential_id == credential_id))
