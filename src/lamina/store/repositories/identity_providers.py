"""IAM's identity providers: OIDC providers (by URL) and SAML providers (by name), keyed by ARN.

AWS names a provider only by its ARN (``arn:aws:iam::ACCT:oidc-provider/HOST/PATH``,
``arn:aws:iam::ACCT:saml-provider/NAME``), so the ARN is the key; its tags are in ``tags`` under
the kinds ``oidc-provider`` and ``saml-provider`` with the ARN as resource id, and go with it.
Outbound web identity federation is an account setting kept beside them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from ..crypto import SecretBox
from ..errors import AlreadyExists, LimitExceeded, NotFound
from ..schema import oidc_providers, outbound_web_identity, saml_providers, tags
from ._common import now
from .accounts import require_account

OIDC_KIND = "oidc-provider"
SAML_KIND = "saml-provider"
MAX_CLIENT_IDS = 100
MAX_PROVIDERS = 100
"""AWS's default quota of each kind of provider per account."""


@dataclass(frozen=True)
class OidcProvider:
    arn: str
    account_id: str
    url: str
    client_ids: tuple[str, ...]
    thumbprints: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class SamlProvider:
    arn: str
    account_id: str
    name: str
    uuid: str
    metadata_document: str
    valid_until: datetime
    created_at: datetime


def _oidc(row: Row[Any]) -> OidcProvider:
    return OidcProvider(row.arn, row.account_id, row.url, tuple(json.loads(row.client_ids)),
                        tuple(json.loads(row.thumbprints)), row.created_at)


def _saml(row: Row[Any]) -> SamlProvider:
    return SamlProvider(row.arn, row.account_id, row.name, row.uuid, row.metadata_document, row.valid_until,
                        row.created_at)


# -- OIDC ----------------------------------------------------------------------------------------


def create_oidc_provider(conn: Connection, account_id: str, arn: str, url: str, client_ids: Sequence[str],
                         thumbprints: Sequence[str]) -> OidcProvider:
    """A new provider; ``AlreadyExists`` (kind ``oidc-provider``, the URL) when the ARN is taken."""
    require_account(conn, account_id)
    if conn.execute(select(oidc_providers.c.arn).where(oidc_providers.c.arn == arn)).first() is not None:
        raise AlreadyExists(OIDC_KIND, url)
    count = len(conn.execute(select(oidc_providers.c.arn).where(oidc_providers.c.account_id == account_id)).all())
    if count >= MAX_PROVIDERS:
        raise LimitExceeded(OIDC_KIND, url, "OpenIdConnectProvidersPerAccount", MAX_PROVIDERS)
    created = now()
    conn.execute(oidc_providers.insert().values(
        arn=arn, account_id=account_id, url=url, client_ids=json.dumps(list(dict.fromkeys(client_ids))),
        thumbprints=json.dumps(list(thumbprints)), created_at=created))
    return get_oidc_provider(conn, arn)


def get_oidc_provider(conn: Connection, arn: str) -> OidcProvider:
    row = conn.execute(select(oidc_providers).where(oidc_providers.c.arn == arn)).first()
    if row is None:
        raise NotFound(OIDC_KIND, arn)
    return _oidc(row)


def list_oidc_providers(conn: Connection, account_id: str) -> list[OidcProvider]:
    rows = conn.execute(select(oidc_providers).where(oidc_providers.c.account_id == account_id)
                        .order_by(oidc_providers.c.arn)).all()
    return [_oidc(row) for row in rows]


def set_client_ids(conn: Connection, arn: str, client_ids: Sequence[str]) -> None:
    """Replace the client ids (at most 100, each once, in the order given)."""
    get_oidc_provider(conn, arn)
    unique = list(dict.fromkeys(client_ids))
    if len(unique) > MAX_CLIENT_IDS:
        raise LimitExceeded(OIDC_KIND, arn, "ClientIdsPerOpenIdConnectProvider", MAX_CLIENT_IDS)
    conn.execute(oidc_providers.update().where(oidc_providers.c.arn == arn).values(client_ids=json.dumps(unique)))


def set_thumbprints(conn: Connection, arn: str, thumbprints: Sequence[str]) -> None:
    get_oidc_provider(conn, arn)
    conn.execute(oidc_providers.update().where(oidc_providers.c.arn == arn)
                 .values(thumbprints=json.dumps(list(thumbprints))))


def delete_oidc_provider(conn: Connection, arn: str) -> None:
    """Delete the provider and its tags; ``NotFound`` when there is none."""
    get_oidc_provider(conn, arn)
    conn.execute(tags.delete().where(tags.c.resource_kind == OIDC_KIND, tags.c.resource_id == arn))
    conn.execute(oidc_providers.delete().where(oidc_providers.c.arn == arn))


# -- SAML ----------------------------------------------------------------------------------------


def create_saml_provider(conn: Connection, account_id: str, arn: str, name: str, metadata_document: str,
                         valid_until: datetime) -> SamlProvider:
    require_account(conn, account_id)
    if conn.execute(select(saml_providers.c.arn).where(saml_providers.c.arn == arn)).first() is not None:
        raise AlreadyExists(SAML_KIND, name)
    count = len(conn.execute(select(saml_providers.c.arn).where(saml_providers.c.account_id == account_id)).all())
    if count >= MAX_PROVIDERS:
        raise LimitExceeded(SAML_KIND, name, "SAMLProvidersPerAccount", MAX_PROVIDERS)
    conn.execute(saml_providers.insert().values(
        arn=arn, account_id=account_id, name=name, uuid=str(uuid.uuid4()), metadata_document=metadata_document,
        valid_until=valid_until, created_at=now()))
    return get_saml_provider(conn, arn)


def get_saml_provider(conn: Connection, arn: str) -> SamlProvider:
    row = conn.execute(select(saml_providers).where(saml_providers.c.arn == arn)).first()
    if row is None:
        raise NotFound(SAML_KIND, arn)
    return _saml(row)


def list_saml_providers(conn: Connection, account_id: str) -> list[SamlProvider]:
    rows = conn.execute(select(saml_providers).where(saml_providers.c.account_id == account_id)
                        .order_by(saml_providers.c.arn)).all()
    return [_saml(row) for row in rows]


def update_saml_metadata(conn: Connection, arn: str, metadata_document: str, valid_until: datetime) -> None:
    get_saml_provider(conn, arn)
    conn.execute(saml_providers.update().where(saml_providers.c.arn == arn)
                 .values(metadata_document=metadata_document, valid_until=valid_until))


def delete_saml_provider(conn: Connection, arn: str) -> None:
    get_saml_provider(conn, arn)
    conn.execute(tags.delete().where(tags.c.resource_kind == SAML_KIND, tags.c.resource_id == arn))
    conn.execute(saml_providers.delete().where(saml_providers.c.arn == arn))


# -- outbound web identity federation ------------------------------------------------------------


@dataclass(frozen=True)
class OutboundFederation:
    account_id: str
    issuer_id: str
    enabled: bool
    signing_keys: Mapping[str, str]
    """Private keys (PEM) by JWS algorithm, decrypted; never leave the node but as signatures."""


def get_outbound(conn: Connection, box: SecretBox, account_id: str) -> OutboundFederation | None:
    """The account's setting; None when it was never enabled."""
    row = conn.execute(select(outbound_web_identity).where(outbound_web_identity.c.account_id == account_id)).first()
    if row is None:
        return None
    return OutboundFederation(row.account_id, row.issuer_id, row.enabled,
                              json.loads(box.decrypt(row.signing_keys, context=f"outbound:{account_id}")))


def find_outbound_issuer(conn: Connection, box: SecretBox, issuer_id: str) -> OutboundFederation | None:
    """The enabled setting whose issuer id is ``issuer_id`` (for serving its JWKS)."""
    row = conn.execute(select(outbound_web_identity.c.account_id)
                       .where(outbound_web_identity.c.issuer_id == issuer_id)).first()
    found = get_outbound(conn, box, row.account_id) if row is not None else None
    return found if found is not None and found.enabled else None


def set_outbound(conn: Connection, box: SecretBox, account_id: str, enabled: bool,
                 new_keys: Callable[[], Mapping[str, str]]) -> OutboundFederation:
    """Enable or disable. The issuer id and keys are made once (``new_keys``) and kept, so tokens
    minted before a disable verify again after the next enable, as with AWS's stable issuer."""
    require_account(conn, account_id)
    found = get_outbound(conn, box, account_id)
    if found is None:
        keys = dict(new_keys())
        issuer_id = uuid.uuid4().hex
        conn.execute(outbound_web_identity.insert().values(
            account_id=account_id, issuer_id=issuer_id, enabled=enabled,
            signing_keys=box.encrypt(json.dumps(keys), context=f"outbound:{account_id}")))
        return OutboundFederation(account_id, issuer_id, enabled, keys)
    conn.execute(outbound_web_identity.update().where(outbound_web_identity.c.account_id == account_id)
                 .values(enabled=enabled))
    return OutboundFederation(account_id, found.issuer_id, enabled, found.signing_keys)
