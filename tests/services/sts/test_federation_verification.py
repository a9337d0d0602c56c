"""The verification steps on their own, without a server: JWKS sources (configured file, OIDC
discovery from a local issuer), token checks, SAML signatures and tampering."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from federation_support import STS_AUDIENCE, OidcIssuer, SamlIdp

from lamina.protocols import ServiceError
from lamina.services.sts import jwks
from lamina.services.sts.saml import read_assertion, verified_assertion
from lamina.services.sts.web_identity import verified_claims

ROLE = "arn:aws:iam::123456789012:role/r"
PROVIDER = "arn:aws:iam::123456789012:saml-provider/p"


@pytest.fixture()
def local_issuer() -> Iterator[tuple[str, OidcIssuer, list[str]]]:
    """An OIDC issuer on 127.0.0.1 serving discovery and its JWKS; yields its URL, keys and the paths asked."""
    asked: list[str] = []
    holder: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            base = holder["url"]
            documents = {"/.well-known/openid-configuration": {"issuer": base, "jwks_uri": f"{base}/keys"},
                         "/keys": holder["issuer"].jwks()}
            body = json.dumps(documents.get(self.path, {})).encode()
            self.send_response(200 if self.path in documents else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    holder["url"] = f"http://127.0.0.1:{server.server_port}"
    holder["issuer"] = OidcIssuer(issuer=holder["url"])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    jwks.forget()
    yield holder["url"], holder["issuer"], asked
    server.shutdown()
    server.server_close()
    jwks.forget()


def test_discovery_finds_the_keys_and_caches_them(local_issuer: tuple[str, OidcIssuer, list[str]]) -> None:
    url, issuer, asked = local_issuer
    keys = jwks.keys_for(url, {})
    assert verified_claims(issuer.token(), keys, (STS_AUDIENCE,), time.time())["sub"]
    jwks.keys_for(url, {})
    assert asked == ["/.well-known/openid-configuration", "/keys"]  # the second time from the cache


def test_a_configured_file_wins_and_is_read_again_when_it_changes(tmp_path: Path) -> None:
    jwks.forget()
    first, second = OidcIssuer(), OidcIssuer(kid="key-2")
    path = first.write_jwks(tmp_path / "jwks.json")
    configured = {"https://token.actions.githubusercontent.com/": str(path)}  # a trailing slash does not matter
    keys = jwks.keys_for("https://token.actions.githubusercontent.com", configured)
    verified_claims(first.token(), keys, (STS_AUDIENCE,), time.time())
    second.write_jwks(path)
    later = time.time() + 5
    os.utime(path, (later, later))
    keys = jwks.keys_for("https://token.actions.githubusercontent.com", configured)
    verified_claims(second.token(), keys, (STS_AUDIENCE,), time.time())
    path.write_text("{not json")
    os.utime(path, (later + 5, later + 5))
    with pytest.raises(jwks.KeysUnavailable):
        jwks.keys_for("https://token.actions.githubusercontent.com", configured)


def test_unreachable_issuers_are_unavailable_not_errors() -> None:
    with pytest.raises(jwks.KeysUnavailable):
        jwks.discover("http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(jwks.KeysUnavailable):
        jwks.key_set({"keys": "not a list"})


def test_token_checks_in_awss_words() -> None:
    issuer = OidcIssuer()
    keys = jwks.key_set(issuer.jwks())
    now = time.time()

    def code(token: str, at: float = now) -> tuple[str, str]:
        with pytest.raises(ServiceError) as raised:
            verified_claims(token, keys, (STS_AUDIENCE,), at)
        return raised.value.code, raised.value.message

    assert verified_claims(issuer.token(aud=["other", STS_AUDIENCE]), keys, (STS_AUDIENCE,), now)
    expired = issuer.token(lifetime=10)
    found = code(expired, now + 60)
    assert found[0] == "ExpiredTokenException" and found[1].startswith("Token expired: current date/time ")
    assert code(issuer.token(aud="elsewhere")) == ("InvalidIdentityToken", "Incorrect token audience")
    header, payload, signature = issuer.token().split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"iss": issuer.issuer, "sub": "admin", "aud": STS_AUDIENCE,
                                                  "exp": int(now) + 60}).encode()).decode().rstrip("=")
    assert code(f"{header}.{forged}.{signature}")[0] == "InvalidIdentityToken"
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"key-1"}').decode().rstrip("=")
    assert code(f"{none_header}.{payload}.")[0] == "InvalidIdentityToken"


def test_a_signed_saml_response_is_read_from_its_signed_part() -> None:
    idp = SamlIdp()
    assertion = verified_assertion(idp.response(ROLE, PROVIDER), idp.metadata())
    found = read_assertion(assertion, datetime.now(UTC))
    assert (found.subject, found.subject_type, found.session_name) == ("alice", "persistent", "alice@example.com")
    assert found.roles == {(ROLE, PROVIDER)}


def test_a_tampered_saml_response_is_refused() -> None:
    idp = SamlIdp()
    xml = base64.b64decode(idp.response(ROLE, PROVIDER)).decode()
    tampered = base64.b64encode(xml.replace(":role/r,", ":role/admin,").encode()).decode()
    with pytest.raises(ServiceError) as raised:
        verified_assertion(tampered, idp.metadata())
    assert (raised.value.code, raised.value.message) == ("InvalidIdentityToken", "Response signature invalid")


def test_an_unsigned_or_garbled_saml_response_is_refused() -> None:
    idp = SamlIdp()
    xml = base64.b64decode(idp.response(ROLE, PROVIDER)).decode()
    start, end = xml.index("<ds:Signature"), xml.index("</ds:Signature>") + len("</ds:Signature>")
    unsigned = base64.b64encode((xml[:start] + xml[end:]).encode()).decode()
    for assertion in (unsigned, "bm90IHhtbA==", "%%%"):
        with pytest.raises(ServiceError) as raised:
            verified_assertion(assertion, idp.metadata())
        assert raised.value.code == "InvalidIdentityToken"


def test_saml_times_and_audience() -> None:
    idp = SamlIdp()
    assertion = verified_assertion(idp.response(ROLE, PROVIDER, lifetime=timedelta(minutes=2)), idp.metadata())
    with pytest.raises(ServiceError) as raised:
        read_assertion(assertion, datetime.now(UTC) + timedelta(minutes=3))
    assert raised.value.code == "ExpiredTokenException"
    legacy = verified_assertion(idp.response(ROLE, PROVIDER, audience="urn:amazon:webservices"), idp.metadata())
    assert read_assertion(legacy, datetime.now(UTC)).roles
