"""Tests' own identity providers: an OIDC issuer (RSA key, JWKS, minted JWTs) and a SAML IdP
(self-signed certificate, metadata, signed responses). No network: everything is made here."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner

GITHUB = "https://token.actions.githubusercontent.com"
GITHUB_SUB = "repo:octo-org/octo-repo:ref:refs/heads/main"
STS_AUDIENCE = "sts.amazonaws.com"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
ATTRIBUTES = "https://aws.amazon.com/SAML/Attributes/"


class OidcIssuer:
    """An OIDC issuer's signing key, its JWKS, and tokens signed with it."""

    def __init__(self, issuer: str = GITHUB, kid: str = "key-1") -> None:
        self.issuer, self.kid = issuer, kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def write_jwks(self, path: Path) -> Path:
        path.write_text(json.dumps(self.jwks()))
        return path

    def token(self, sub: str = GITHUB_SUB, aud: str | list[str] = STS_AUDIENCE, lifetime: int = 300,
              **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "sub": sub, "aud": aud, "iat": now, "nbf": now, "exp": now + lifetime,
                   **claims}
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})


class SamlIdp:
    """A SAML identity provider: a self-signed certificate, its metadata, signed responses."""

    def __init__(self, entity_id: str = "https://idp.example.com/saml") -> None:
        self.entity_id = entity_id
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.com")])
        now = datetime.now(UTC)
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
                     .sign(self.key, hashes.SHA256()))

    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def metadata(self) -> str:
        der = base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()
        return (f'<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
                f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{self.entity_id}">'
                '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
                f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{der}'
                '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
                '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
                'Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>')

    def response(self, role_arn: str, provider_arn: str, session_name: str | None = "alice@example.com",
                 subject: str = "alice", audience: str = "https://signin.aws.amazon.com/saml",
                 issued: datetime | None = None, lifetime: timedelta = timedelta(minutes=5),
                 signer: SamlIdp | None = None, extra: dict[str, list[str]] | None = None,
                 session_end: datetime | None = None) -> str:
        """A base64 SAML Response whose Assertion is signed (by ``signer``'s key when given)."""
        issued = issued or datetime.now(UTC)
        stamp, until = _iso(issued), _iso(issued + lifetime)
        attributes = {f"{ATTRIBUTES}Role": [f"{role_arn},{provider_arn}"], **(extra or {})}
        if session_name is not None:
            attributes[f"{ATTRIBUTES}RoleSessionName"] = [session_name]
        assertion_id = f"_{uuid.uuid4().hex}"
        attrs = "".join(f'<saml:Attribute Name="{name}">'
                        + "".join(f"<saml:AttributeValue>{v}</saml:AttributeValue>" for v in values)
                        + "</saml:Attribute>" for name, values in attributes.items())
        assertion = (
            f'<saml:Assertion xmlns:saml="{SAML_NS}" ID="{assertion_id}" IssueInstant="{stamp}" Version="2.0">'
            f"<saml:Issuer>{self.entity_id}</saml:Issuer>"
            '<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
            f"{subject}</saml:NameID>"
            '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="https://signin.aws.amazon.com/saml"/>'
            "</saml:SubjectConfirmation></saml:Subject>"
            f'<saml:Conditions NotBefore="{stamp}" NotOnOrAfter="{until}"><saml:AudienceRestriction>'
            f"<saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>"
            + (f'<saml:AuthnStatement AuthnInstant="{stamp}" SessionNotOnOrAfter="{_iso(session_end)}">'
               "<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:"
               "PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
               if session_end else "")
            + f"<saml:AttributeStatement>{attrs}</saml:AttributeStatement></saml:Assertion>")
        by = signer or self
        signed = XMLSigner(c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#").sign(
            etree.fromstring(assertion.encode()), key=by.key, cert=[by.cert], reference_uri=assertion_id,
            id_attribute="ID")
        response = etree.fromstring(
            f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_{uuid.uuid4().hex}" '
            f'Version="2.0" IssueInstant="{stamp}" Destination="https://signin.aws.amazon.com/saml">'
            f'<saml:Issuer xmlns:saml="{SAML_NS}">{self.entity_id}</saml:Issuer><samlp:Status>'
            '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
            "</samlp:Response>".encode())
        response.append(signed)
        return base64.b64encode(etree.tostring(response)).decode()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
