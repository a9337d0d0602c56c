"""A SAML 2.0 identity provider's metadata document: its entity id, signing certificates, validity.

CreateSAMLProvider keeps the document; AssumeRoleWithSAML trusts exactly the certificates in it
(the ``KeyDescriptor`` elements of the ``IDPSSODescriptor`` whose ``use`` is ``signing`` or
absent). Parsed with lxml without entity expansion or network access, so a hostile document
costs nothing but its bounded size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from lxml import etree

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"


class InvalidMetadata(ValueError):
    """The document is not SAML metadata with at least one usable signing certificate."""


@dataclass(frozen=True)
class Metadata:
    entity_id: str
    certificates: tuple[str, ...]
    """Base64 DER of each signing certificate, as the document holds it (whitespace removed)."""
    valid_until: datetime | None


def safe_parser() -> etree.XMLParser:
    """No DTD entities, no network: XML from a request is never allowed to reach further."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_metadata(document: str) -> Metadata:
    """The entity id, signing certificates and ``validUntil`` of ``document``; InvalidMetadata otherwise."""
    try:
        root = etree.fromstring(document.encode(), parser=safe_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise InvalidMetadata(str(error)) from None
    entity = root if root.tag == f"{{{MD}}}EntityDescriptor" else root.find(f".//{{{MD}}}EntityDescriptor")
    if entity is None:
        raise InvalidMetadata("no EntityDescriptor")
    idp = entity.find(f"{{{MD}}}IDPSSODescriptor")
    if idp is None or not entity.get("entityID"):
        raise InvalidMetadata("no IDPSSODescriptor or entityID")
    certificates = []
    for key in idp.findall(f"{{{MD}}}KeyDescriptor"):
        if key.get("use") not in (None, "signing"):
            continue
        for cert in key.iter(f"{{{DS}}}X509Certificate"):
            text = "".join((cert.text or "").split())
            _check_certificate(text)
            certificates.append(text)
    if not certificates:
        raise InvalidMetadata("no signing certificate")
    return Metadata(str(entity.get("entityID")), tuple(certificates), _valid_until(entity.get("validUntil")))


def _check_certificate(text: str) -> None:
    try:
        x509.load_pem_x509_certificate(pem(text).encode())
    except ValueError as error:
        raise InvalidMetadata(f"certificate: {error}") from None


def pem(base64_der: str) -> str:
    """A certificate from metadata (base64 DER) as PEM text."""
    lines = [base64_der[i:i + 64] for i in range(0, len(base64_der), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def _valid_until(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidMetadata(f"validUntil {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
