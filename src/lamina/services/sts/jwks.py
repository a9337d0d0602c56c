"""Where an OIDC provider's signing keys come from: a JWKS configured for its issuer, else discovery.

AWS fetches an issuer's keys from ``<issuer>/.well-known/openid-configuration`` → ``jwks_uri``.
Lamina does the same where the issuer is reachable, but a self-hosted node often cannot (or must
not) reach GitHub or Google, and tests mint their own tokens; so ``lamina serve --oidc-jwks
ISSUER=FILE`` names a JWKS file for an issuer, which then wins over discovery (the file is read
again when it changes). Fetched key sets are cached for ``CACHE_SECONDS``.

Fetching is blocking I/O with a short timeout: the STS handler runs :func:`keys_for` in a thread
(an ``Awaited`` hand-off), never on the event loop.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jwt

FETCH_TIMEOUT_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 512 * 1024
CACHE_SECONDS = 600.0

_lock = threading.Lock()
_fetched: dict[str, tuple[float, jwt.PyJWKSet]] = {}
_files: dict[Path, tuple[float, jwt.PyJWKSet]] = {}


class KeysUnavailable(Exception):
    """The issuer's keys could not be found (no configured file, discovery failed, not a JWKS)."""


def configured_file(issuer: str, configured: Mapping[str, str]) -> Path | None:
    """The JWKS file configured for ``issuer`` (trailing slashes do not matter), if any."""
    wanted = issuer.rstrip("/")
    for name, path in configured.items():
        if name.rstrip("/") == wanted:
            return Path(path)
    return None


def keys_for(issuer: str, configured: Mapping[str, str]) -> jwt.PyJWKSet:
    """The issuer's key set: the configured file, else discovery (cached); KeysUnavailable otherwise."""
    path = configured_file(issuer, configured)
    if path is not None:
        return _from_file(path)
    with _lock:
        cached = _fetched.get(issuer)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    found = discover(issuer)
    with _lock:
        _fetched[issuer] = (time.monotonic() + CACHE_SECONDS, found)
    return found


def _from_file(path: Path) -> jwt.PyJWKSet:
    try:
        mtime = path.stat().st_mtime
    except OSError as error:
        raise KeysUnavailable(f"{path}: {error}") from None
    with _lock:
        cached = _files.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    try:
        found = key_set(json.loads(path.read_bytes()[:MAX_DOCUMENT_BYTES]))
    except (OSError, ValueError) as error:
        raise KeysUnavailable(f"{path}: {error}") from None
    with _lock:
        _files[path] = (mtime, found)
    return found


def discover(issuer: str) -> jwt.PyJWKSet:
    """OIDC discovery: the configuration document, then the key set its ``jwks_uri`` names."""
    config = _fetch_json(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
    jwks_uri = config.get("jwks_uri") if isinstance(config, dict) else None
    if not isinstance(jwks_uri, str):
        raise KeysUnavailable(f"{issuer}: no jwks_uri in its openid-configuration")
    if issuer.startswith("https://") and not jwks_uri.startswith("https://"):
        raise KeysUnavailable(f"{issuer}: its jwks_uri {jwks_uri} is not https")  # no downgrade to plain HTTP
    return key_set(_fetch_json(jwks_uri))


def key_set(document: Any) -> jwt.PyJWKSet:
    """A JWKS document as PyJWT's key set; KeysUnavailable when it holds no usable key."""
    try:
        return jwt.PyJWKSet.from_dict(document)
    except (jwt.PyJWKSetError, jwt.InvalidKeyError, TypeError, AttributeError) as error:
        raise KeysUnavailable(f"not a usable JWKS: {error}") from None


def _fetch_json(url: str) -> Any:
    if not url.startswith(("https://", "http://")):
        raise KeysUnavailable(f"{url}: not an http(s) URL")
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "lamina"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as answer:  # the scheme is checked above
            body = answer.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, ValueError) as error:
        raise KeysUnavailable(f"{url}: {error}") from None
    if len(body) > MAX_DOCUMENT_BYTES:
        raise KeysUnavailable(f"{url}: larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        return json.loads(body)
    except ValueError as error:
        raise KeysUnavailable(f"{url}: {error}") from None


def forget() -> None:
    """Drop every cached key set (tests; a key rotation seen before the cache runs out)."""
    with _lock:
        _fetched.clear()
        _files.clear()
