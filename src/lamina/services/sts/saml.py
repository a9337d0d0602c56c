"""``sts:AssumeRoleWithSAML``: a role session for the subject of a signed SAML 2.0 response.

Unsigned, like AssumeRoleWithWebIdentity; the base64 ``SAMLAssertion`` is the proof:

1. ``PrincipalArn`` names a SAML provider of the role's account; its metadata certificates are
   the only keys trusted;
2. the XML signature (on the Response or on its Assertion) verifies with one of them (signxml;
   RSA or ECDSA only, never HMAC), and everything read afterwards is read from the signed part;
3. the assertion is addressed to AWS (an ``Audience`` of ``https://signin.aws.amazon.com/saml``
   or ``urn:amazon:webservices``), is within its ``NotBefore``/``NotOnOrAfter`` and was issued at
   most five minutes ago (ExpiredTokenException, as AWS words it);
4. its ``Role`` attribute pairs this role with this provider, it carries a ``RoleSessionName``;
5. the role's trust policy allows ``sts:AssumeRoleWithSAML`` to ``{"Federated": <provider ARN>}``
   under ``saml:aud``, ``saml:iss``, ``saml:sub``, ``saml:sub_type``, ``saml:namequalifier``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from lxml import etree
from signxml.algorithms import SignatureMethod
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier

from lamina.authorization import access_denied
from lamina.context import RequestContext
from lamina.policy import ContextValue
from lamina.services.iam.saml_metadata import InvalidMetadata, parse_metadata, pem, safe_parser
from lamina.services.registry import Deps, operation
from lamina.store import NotFound
from lamina.store.repositories import identity_providers

from . import federated
from .assume_role import role_ref
from .web_identity import UNSIGNED, expired_token, invalid_token

ACTION = "sts:AssumeRoleWithSAML"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
AUDIENCES = ("https://signin.aws.amazon.com/saml", "urn:amazon:webservices")
ATTRIBUTES = "https://aws.amazon.com/SAML/Attributes/"
NAMEID_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
REDEEM_WITHIN = timedelta(minutes=5)
SKEW = timedelta(minutes=5)
_METHODS = frozenset(m for m in SignatureMethod if not m.name.startswith(("HMAC", "DSA")))
_PLACES = ("./", f"./{{{SAML}}}Assertion/")
"""Where AWS accepts the signature: on the Response, or on the Assertion inside it."""


@operation("sts", "AssumeRoleWithSAML", authorization=UNSIGNED, needs="deps")
def assume_role_with_saml(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    params = ctx.params
    role_arn, provider_arn = str(params["RoleArn"]), str(params["PrincipalArn"])
    federated.check_role_arn(role_arn)
    provider = _provider(deps, role_arn, provider_arn)
    assertion = verified_assertion(str(params["SAMLAssertion"]), provider.metadata_document)
    found = read_assertion(assertion, datetime.now(UTC))
    if (role_arn, provider_arn) not in found.roles:
        raise access_denied(f"Not authorized to perform {ACTION}")
    who = _federated(provider, found)
    role = federated.authorize(deps, ctx, ACTION, who)
    result = federated.issue(deps, ctx, role, found.session_name, who, params.get("DurationSeconds"),
                             latest=found.session_not_on_or_after)
    result.update({"Subject": found.subject, "SubjectType": found.subject_type, "Issuer": found.issuer,
                   "Audience": found.recipient, "NameQualifier": name_qualifier(found.issuer, provider)})
    return result


def _provider(deps: Deps, role_arn: str, provider_arn: str) -> identity_providers.SamlProvider:
    ref = role_ref(role_arn)
    missing = invalid_token(f"SAML provider {provider_arn} was not found in the role's account")
    if ref is None or f":{ref.account_id}:" not in provider_arn:
        raise missing
    try:
        with deps.store.transaction(read_only=True) as conn:
            return identity_providers.get_saml_provider(conn, provider_arn)
    except NotFound:
        raise missing from None


def verified_assertion(encoded: str, metadata_document: str) -> Any:
    """The signed ``Assertion`` element; InvalidIdentityToken unless a metadata certificate signed it."""
    try:
        xml = base64.b64decode(encoded, validate=False)
        root = etree.fromstring(xml, parser=safe_parser())
    except (binascii.Error, ValueError, etree.XMLSyntaxError):
        raise invalid_token("Invalid SAML response: it is not base64-encoded XML") from None
    try:
        certificates = [x509.load_pem_x509_certificate(pem(c).encode())
                        for c in parse_metadata(metadata_document).certificates]
    except (InvalidMetadata, ValueError):
        raise invalid_token("The SAML provider's metadata holds no usable certificate") from None
    for place in _PLACES:
        if root.find(f"{place}{{http://www.w3.org/2000/09/xmldsig#}}Signature") is None:
            continue
        config = SignatureConfiguration(location=place, signature_methods=_METHODS)
        for certificate in certificates:
            try:
                signed = XMLVerifier().verify(root, x509_cert=certificate, expect_config=config,
                                              parser=safe_parser())
            except (InvalidSignature, InvalidInput, ValueError):
                continue
            element = signed.signed_xml  # type: ignore[union-attr]
            if element is not None and element.tag == f"{{{SAML}}}Assertion":
                return element
            inner = element.find(f"{{{SAML}}}Assertion") if element is not None else None
            if inner is not None:
                return inner
    raise invalid_token("Response signature invalid")


class Assertion:
    """What Lamina reads from a verified assertion."""

    def __init__(self, issuer: str, subject: str, subject_type: str, recipient: str,
                 roles: set[tuple[str, str]], session_name: str, attributes: Mapping[str, list[str]],
                 session_not_on_or_after: datetime | None = None) -> None:
        self.issuer, self.subject, self.subject_type, self.recipient = issuer, subject, subject_type, recipient
        self.roles, self.session_name, self.attributes = roles, session_name, attributes
        self.session_not_on_or_after = session_not_on_or_after
        """The AuthnStatement's ``SessionNotOnOrAfter``: the session ends then at the latest."""


def _text(element: Any, path: str) -> str:
    found = element.find(path)
    return "".join((found.text or "").split()) if found is not None else ""


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid_token(f"Invalid SAML response: {text!r} is not a time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_assertion(assertion: Any, at: datetime) -> Assertion:
    """Issuer, subject, audience, times, roles and session name, with AWS's checks on each."""
    _check_times(assertion, at)
    audiences = [(a.text or "").strip() for a in assertion.iter(f"{{{SAML}}}Audience")]
    if not set(audiences) & set(AUDIENCES):
        raise invalid_token("SAML assertion audience is not https://signin.aws.amazon.com/saml")
    attributes = _attributes(assertion)
    names = attributes.get(f"{ATTRIBUTES}RoleSessionName") or []
    if not names:
        raise invalid_token("RoleSessionName is required in AuthnResponse")
    name_id = assertion.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
    fmt = name_id.get("Format", "") if name_id is not None else ""
    confirmation = assertion.find(f".//{{{SAML}}}SubjectConfirmationData")
    recipient = confirmation.get("Recipient", AUDIENCES[0]) if confirmation is not None else AUDIENCES[0]
    authn = assertion.find(f"{{{SAML}}}AuthnStatement")
    session_end = _time(authn.get("SessionNotOnOrAfter")) if authn is not None else None
    return Assertion(_text(assertion, f"{{{SAML}}}Issuer"), _text(assertion, f"{{{SAML}}}Subject/{{{SAML}}}NameID"),
                     fmt.removeprefix(NAMEID_PREFIX), recipient, _roles(attributes), names[0], attributes,
                     session_end)


def _check_times(assertion: Any, at: datetime) -> None:
    expired = expired_token("Token must be redeemed within 5 minutes of issuance")
    issued = _time(assertion.get("IssueInstant"))
    if issued is not None and at > issued + REDEEM_WITHIN:
        raise expired
    conditions = assertion.find(f"{{{SAML}}}Conditions")
    limits = [assertion.find(f".//{{{SAML}}}SubjectConfirmationData"), conditions]
    for element in (e for e in limits if e is not None):
        not_after = _time(element.get("NotOnOrAfter"))
        if not_after is not None and at >= not_after:
            raise expired
        not_before = _time(element.get("NotBefore"))
        if not_before is not None and at + SKEW < not_before:
            raise invalid_token("SAML assertion is not yet valid")


def _attributes(assertion: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for attribute in assertion.iter(f"{{{SAML}}}Attribute"):
        values = [(v.text or "").strip() for v in attribute.iter(f"{{{SAML}}}AttributeValue")]
        found.setdefault(str(attribute.get("Name", "")), []).extend(values)
    return found


def _roles(attributes: Mapping[str, list[str]]) -> set[tuple[str, str]]:
    """(role ARN, provider ARN) pairs of the Role attribute, in either order within a value."""
    pairs = set()
    for value in attributes.get(f"{ATTRIBUTES}Role", []):
        parts = ["".join(part.split()) for part in value.split(",")]
        if len(parts) == 2:
            role, provider = sorted(parts, key=lambda arn: ":saml-provider/" in arn)
            pairs.add((role, provider))
    return pairs


def name_qualifier(issuer: str, provider: identity_providers.SamlProvider) -> str:
    """AWS's ``NameQualifier``: base64(SHA-1(issuer + account id + "/" + provider name))."""
    digest = hashlib.sha1(f"{issuer}{provider.account_id}/{provider.name}".encode(), usedforsecurity=False)
    return base64.b64encode(digest.digest()).decode()


def _federated(provider: identity_providers.SamlProvider, found: Assertion) -> federated.Federated:
    keys: dict[str, str | list[str]] = {
        "saml:aud": found.recipient, "saml:iss": found.issuer, "saml:sub": found.subject,
        "saml:sub_type": found.subject_type, "saml:namequalifier": name_qualifier(found.issuer, provider)}
    tags = {name.removeprefix(f"{ATTRIBUTES}PrincipalTag:"): values[0]
            for name, values in found.attributes.items() if name.startswith(f"{ATTRIBUTES}PrincipalTag:") and values}
    transitive = tuple(found.attributes.get(f"{ATTRIBUTES}TransitiveTagKeys", []))
    context: dict[str, ContextValue] = dict(keys)
    return federated.Federated(provider.arn, context, {"aws:FederatedProvider": provider.arn, **keys}, tags,
                               transitive)

