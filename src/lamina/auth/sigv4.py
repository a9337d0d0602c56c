"""Server-side AWS Signature Version 4 (AWS4-HMAC-SHA256) verification, as pure functions.

The steps mirror botocore's ``SigV4Auth`` so that each can be checked against AWS's published
examples and against botocore itself::

    SignedRequest ──parse_authorization / parse_presigned──▶ SignatureParts
          │                                                        │
          └──canonical_request──▶ string_to_sign ◀─────────────────┘
                                        │
            signing_key(secret, date, region, service) ──▶ signature ──compare_digest──▶ verify

``verify`` is the only function that decides; it raises ``AuthError`` carrying AWS's Query-protocol
error code, message and HTTP status (``REST_JSON_CODES`` gives the REST-JSON names). Nothing here
does I/O: the secret comes from a ``lookup_secret`` callable and the clock from ``now``.

Secrets never appear in a message, a repr or a log line; the derived-key cache holds them only in
memory, keyed the way ``signing_key`` is called.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import InitVar, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote_to_bytes

ALGORITHM = "AWS4-HMAC-SHA256"
SIGV4A_ALGORITHM = "AWS4-ECDSA-P256-SHA256"
TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW = timedelta(minutes=15)
MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600

PRESIGN_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
)

# Query-protocol code -> HTTP status. The code is what IAM/STS put in <Code>.
STATUS: dict[str, int] = {
    "MissingAuthenticationToken": 403,
    "IncompleteSignature": 400,
    "InvalidClientTokenId": 403,
    "SignatureDoesNotMatch": 403,
    "RequestExpired": 400,
    "ExpiredToken": 403,
    "AccessDenied": 403,
    "NotImplemented": 501,
}

# Query-protocol code -> the name REST-JSON services (Lambda) send in x-amzn-ErrorType.
REST_JSON_CODES: dict[str, str] = {
    "MissingAuthenticationToken": "MissingAuthenticationTokenException",
    "IncompleteSignature": "IncompleteSignatureException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "RequestExpired": "InvalidSignatureException",
    "ExpiredToken": "ExpiredTokenException",
    "AccessDenied": "AccessDeniedException",
    "NotImplemented": "NotImplementedException",
}

MSG_MISSING = "Request is missing Authentication Token"
MSG_INVALID_KEY = "The security token included in the request is invalid."
MSG_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
MSG_PRESIGN_EXPIRED = "Request has expired"


class AuthError(Exception):
    """A request AWS would refuse before authorization, with AWS's code, wording and HTTP status.

    ``code`` is the Query-protocol name (``SignatureDoesNotMatch``); ``rest_json_code`` is the
    name Lambda's protocol uses. The message never contains a secret.
    """

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = STATUS.get(code, 403) if status is None else status

    @property
    def rest_json_code(self) -> str:
        return REST_JSON_CODES.get(self.code, self.code)


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The request as it arrived on the wire; the server layer fills it, nothing here parses HTTP.

    ``path`` is the raw, still percent-encoded path (ASGI ``raw_path``), ``query`` the raw query
    string without ``?`` (both decoded from bytes as UTF-8 with ``surrogateescape``, so no byte is
    lost), ``headers`` every header line in order with its case preserved (latin-1 text).
    """

    method: str
    path: str
    query: str = ""
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    index: InitVar[dict[str, list[str]] | None] = None
    """The server's own index of these same headers by lower-case name, when it has made one."""
    headers_by_name: dict[str, list[str]] = field(init=False, repr=False, compare=False)
    """Every header's values by lower-case name, built with the request (verification asks a dozen
    times) unless ``index`` is given; ``dataclasses.replace`` builds it anew."""

    def __post_init__(self, index: dict[str, list[str]] | None) -> None:
        if index is None:
            index = {}
            for key, value in self.headers:
                index.setdefault(key.lower(), []).append(value)
        object.__setattr__(self, "headers_by_name", index)

    def header_values(self, name: str) -> list[str]:
        """All values of one header (case-insensitive name), in arrival order."""
        return self.headers_by_name.get(name.lower(), [])

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None


@dataclass(frozen=True)
class CredentialScope:
    """``AKID/YYYYMMDD/region/service/aws4_request``, split."""

    access_key_id: str
    date: str
    region: str
    service: str
    terminator: str = TERMINATOR

    def __str__(self) -> str:
        """The scope as it appears in the string to sign (no access key)."""
        return f"{self.date}/{self.region}/{self.service}/{self.terminator}"


@dataclass(frozen=True)
class SignatureParts:
    """What a client claims: the scope, the headers it signed, the signature, and query extras."""

    scope: CredentialScope
    signed_headers: tuple[str, ...]
    signature: str
    presigned: bool = False
    amz_date: str | None = None
    expires: int | None = None
    session_token: str | None = None


@dataclass(frozen=True)
class VerifiedSignature:
    """Who signed and where: the input to credential resolution (session tokens are checked there)."""

    access_key_id: str
    region: str
    service: str
    signed_at: datetime
    session_token: str | None = None
    presigned: bool = False


# ---------------------------------------------------------------------------- parsing


def parse_authorization(header: str, *, has_date: bool = True, session_token: str | None = None) -> SignatureParts:
    """Split an ``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``.

    Missing parts are all reported in one message, as AWS does; ``has_date`` adds AWS's complaint
    about a missing X-Amz-Date/Date header to that same message. ``session_token`` (the
    X-Amz-Security-Token header, which is not part of this one) is carried in the result.
    """
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm == SIGV4A_ALGORITHM:
        raise AuthError(
            "IncompleteSignature",
            f"Unsupported AWS 'algorithm': '{SIGV4A_ALGORITHM}'. Sign with {ALGORITHM} (SigV4).",
        )
    params: dict[str, str] = {}
    if algorithm == ALGORITHM:
        for token in rest.replace(",", " ").split():
            key, eq, value = token.partition("=")
            if not eq:
                raise AuthError(
                    "IncompleteSignature",
                    f"'{token}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'.",
                )
            params.setdefault(key, value)
    problems = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not params.get(name)
    ]
    if not has_date:
        problems.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if problems:
        raise AuthError("IncompleteSignature", " ".join([*problems, f"Authorization={header}"]))
    return SignatureParts(
        scope=parse_credential(params["Credential"]),
        signed_headers=parse_signed_headers(params["SignedHeaders"]),
        signature=params["Signature"],
        session_token=session_token,
    )


_USUAL_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([A-Za-z0-9]+/[0-9]{8}/[a-z0-9-]+/[a-z0-9-]+/aws4_request),"
    r" ?SignedHeaders=((?:[a-z0-9-]+;)*[a-z0-9-]+), ?Signature=([0-9a-f]{64})"
)
"""An Authorization header as SDKs write it, every value made of plain characters: nothing to strip,
lower-case or split on odd separators, and no part missing, so one match reads it."""


def _usual_authorization(header: str, session_token: str | None) -> SignatureParts | None:
    """What ``parse_authorization`` gives for a header of the usual layout (one regex match instead
    of its token loop and three helpers), else None: everything else, errors included, goes the long
    way. tests/auth/test_sigv4_shortcuts.py compares the two on generated and mutated headers."""
    match = _USUAL_AUTHORIZATION.fullmatch(header)
    if match is None:
        return None
    credential, signed, claimed = match.groups()
    names = _usual_signed_headers(signed)
    if "host" not in names:
        return None  # parse_signed_headers words the complaint
    return SignatureParts(_usual_scope(credential), names, claimed, session_token=session_token)


@functools.lru_cache(maxsize=256)
def _usual_scope(credential: str) -> CredentialScope:
    """A credential the usual regex matched, split: the same few scopes sign every request of a day,
    and a scope is an immutable value (building a frozen dataclass costs more than the split)."""
    return CredentialScope(*credential.split("/"))


@functools.lru_cache(maxsize=256)
def _usual_signed_headers(signed: str) -> tuple[str, ...]:
    """Signed header names the usual regex matched (lower-case, none empty), split; cached like
    ``_usual_scope``: an SDK signs the same few header sets."""
    return tuple(signed.split(";"))


def parse_presigned(query: str) -> SignatureParts:
    """Read the X-Amz-* query parameters of a presigned URL (``verify`` refuses repeated ones)."""
    params: dict[str, str] = {}
    for key, value in query_pairs(query):
        params.setdefault(key, value)
    if params.get("X-Amz-Algorithm") == SIGV4A_ALGORITHM:
        raise AuthError("IncompleteSignature", f"Unsupported AWS 'algorithm': '{SIGV4A_ALGORITHM}'.")
    if any(not params.get(name) for name in PRESIGN_PARAMS):
        raise AuthError(
            "IncompleteSignature",
            "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', "
            "'X-Amz-Signature', 'X-Amz-Date' and 'X-Amz-SignedHeaders'. "
            "Re-examine the query-string parameters.",
        )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise AuthError("IncompleteSignature", f"Unsupported AWS 'algorithm': '{params['X-Amz-Algorithm']}'.")
    return SignatureParts(
        scope=parse_credential(params["X-Amz-Credential"]),
        signed_headers=parse_signed_headers(params["X-Amz-SignedHeaders"]),
        signature=params["X-Amz-Signature"],
        presigned=True,
        amz_date=params["X-Amz-Date"],
        expires=_parse_expires(params.get("X-Amz-Expires")),
        session_token=params.get("X-Amz-Security-Token"),
    )


def parse_credential(value: str) -> CredentialScope:
    """``AKID/date/region/service/aws4_request``; a wrong terminator is AWS's own complaint."""
    parts = value.split("/")
    if len(parts) != 5 or not all(parts):
        raise AuthError(
            "IncompleteSignature",
            f"Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/{TERMINATOR}\", got '{value}'.",
        )
    if parts[4] != TERMINATOR:
        raise AuthError(
            "SignatureDoesNotMatch",
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{parts[4]}'.",
        )
    return CredentialScope(*parts)


def parse_signed_headers(value: str) -> tuple[str, ...]:
    """``host;x-amz-date`` -> names, lower-cased; host must be among them, as AWS insists."""
    names = tuple(name.strip().lower() for name in value.split(";") if name.strip())
    if "host" not in names and ":authority" not in names:
        raise AuthError(
            "IncompleteSignature", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    return names


def parse_amz_date(value: str) -> datetime:
    """ISO-8601 basic format (``20150830T123600Z``), UTC."""
    try:
        digits = value[:8] + value[9:15]
        if len(value) != 16 or value[8] != "T" or value[15] != "Z" or not (digits.isascii() and digits.isdigit()):
            raise ValueError(value)
        return datetime.fromisoformat(value)  # the basic format, checked above; in C, unlike strptime
    except ValueError:
        raise AuthError(
            "IncompleteSignature",
            f"Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601",
        ) from None


def _parse_expires(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise AuthError("IncompleteSignature", f"X-Amz-Expires should be a number, not '{value}'.")
    seconds = int(value)
    if seconds > MAX_PRESIGNED_EXPIRES:
        raise AuthError(
            "IncompleteSignature",
            f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGNED_EXPIRES}.",
        )
    return seconds


# ---------------------------------------------------------------------------- canonical form


def _encode(raw: bytes | str, safe: str = "-_.~") -> str:
    return quote(raw, safe=safe)


def query_pairs(query: str) -> list[tuple[str, str]]:
    """Decode a raw query string; ``+`` is a space, as for the form encoding botocore sends."""
    return [(key.decode("utf-8", "replace"), value.decode("utf-8", "replace")) for key, value in _pairs(query)]


def _pairs(query: str) -> list[tuple[bytes, bytes]]:
    """Percent-decoded (name, value) byte pairs; a piece without ``=`` has an empty value.

    Empty pieces (``a=1&&b=2``) count as an empty name, exactly as botocore signs them.
    """
    if not query:
        return []
    pairs = []
    for piece in query.split("&"):
        key, _, value = piece.partition("=")
        pairs.append((_decode(key), _decode(value)))
    return pairs


def _decode(raw: str) -> bytes:
    return unquote_to_bytes(_wire_bytes(raw.replace("+", " ")))


def _wire_bytes(text: str) -> bytes:
    """Text back to wire bytes: non-ASCII as UTF-8, undecodable bytes kept via surrogateescape."""
    return text.encode("utf-8", "surrogateescape")


_PLAIN_PATH = re.compile(r"(?:/(?!\.\.?(?:/|$))[A-Za-z0-9_.~-]+)+/?|/")
"""A path that is already canonical: segments of unreserved characters only, none empty (but a
trailing slash), none ``.`` or ``..``; normalizing and encoding it gives it back unchanged."""


def canonical_uri(path: str) -> str:
    """The path as non-S3 services sign it: dot segments and empty segments removed, then
    percent-encoded once more (so ``%3A`` on the wire becomes ``%253A``), as botocore does."""
    if _PLAIN_PATH.fullmatch(path):  # most paths: /, /2015-03-31/functions/my-function
        return path
    return _normalized_uri(path)


def _normalized_uri(path: str) -> str:
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    normalized = "/" + "/".join(segments)
    if segments and path.endswith("/"):
        normalized += "/"
    return _encode(_wire_bytes(normalized), safe="/~")


def canonical_query(query: str, *, exclude: Iterable[str] = ()) -> str:
    """Each name and value decoded, re-encoded by RFC 3986, and sorted by name then value.

    Bytes are decoded and re-encoded as bytes, so a value that is not UTF-8 keeps its signature.
    """
    if not query:
        return ""
    skip = {name.encode() for name in exclude}
    pairs = sorted((_encode(key), _encode(value)) for key, value in _pairs(query) if key not in skip)
    return "&".join(f"{key}={value}" for key, value in pairs)


def canonical_headers(headers: Sequence[tuple[str, str]], signed_headers: Sequence[str]) -> str:
    """``name:value`` lines for the signed headers: repeated headers joined with commas, each
    value's whitespace runs folded to one space (botocore's trimall). Ends with a newline."""
    signed = frozenset(signed_headers)
    by_name: dict[str, list[str]] = {}
    for name, value in headers:
        key = name.strip().lower()
        if key in signed:
            by_name.setdefault(key, []).append(value)
    lines = [
        f"{name}:{','.join(' '.join(value.split()) for value in by_name.get(name, []))}\n" for name in signed_headers
    ]
    return "".join(lines)


def _canonical_headers_of(request: SignedRequest, signed_headers: Sequence[str]) -> str:
    """``canonical_headers`` of the request, read from the header map built with it when no header
    name has whitespace around it (none that an HTTP server passes on has): the long way lower-cases
    and strips every name again. tests/auth/test_sigv4_shortcuts.py compares the two."""
    by_name = request.headers_by_name
    if _WHITESPACE.search("".join(by_name)):  # a name that may need stripping: take the long way
        return canonical_headers(request.headers, signed_headers)
    lines = []
    for name in signed_headers:
        values = by_name.get(name, ())
        if len(values) == 1:
            lines.append(f"{name}:{' '.join(values[0].split())}\n")
        else:
            lines.append(f"{name}:{','.join([' '.join(value.split()) for value in values])}\n")
    return "".join(lines)


_WHITESPACE = re.compile(r"\s")
"""Any character ``str.strip`` removes (and no other: the test suite checks every code point)."""


def payload_hash(request: SignedRequest) -> str:
    """The hash the client put in its canonical request: x-amz-content-sha256 when sent (a hex
    hash or UNSIGNED-PAYLOAD; ``verify`` checks a hex one against the body), else the body's."""
    declared = request.header("x-amz-content-sha256")
    if declared is not None:
        return declared.strip()
    return hashlib.sha256(request.body).hexdigest() if request.body else EMPTY_SHA256


def canonical_request(request: SignedRequest, signed_headers: Sequence[str], *, presigned: bool = False) -> str:
    """Method, canonical URI, canonical query (without X-Amz-Signature when presigned), canonical
    headers, signed header names, payload hash: one per line."""
    return "\n".join(
        [
            request.method.upper(),
            canonical_uri(request.path),
            canonical_query(request.query, exclude=("X-Amz-Signature",) if presigned else ()),
            _canonical_headers_of(request, signed_headers),
            ";".join(signed_headers),
            payload_hash(request),
        ]
    )


def string_to_sign(amz_date: str, scope: CredentialScope | str, canonical: str) -> str:
    """Algorithm, request date, scope, hex SHA-256 of the canonical request."""
    digest = hashlib.sha256(_wire_bytes(canonical)).hexdigest()
    return "\n".join([ALGORITHM, amz_date, str(scope), digest])


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


@functools.lru_cache(maxsize=1024)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").

    Cached: the four HMACs change once a day per key, region and service. The cache is in memory
    only and never printed (lru_cache shows statistics, not keys).
    """
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, TERMINATOR):
        key = _hmac(key, part)
    return key


def signature(key: bytes, to_sign: str) -> str:
    """Hex HMAC-SHA256 of the string to sign under the signing key."""
    mac = _keyed(key).copy()
    mac.update(to_sign.encode("utf-8"))
    return mac.hexdigest()


@functools.lru_cache(maxsize=1024)
def _keyed(key: bytes) -> hmac.HMAC:
    """An HMAC-SHA256 already keyed with a signing key, copied for each message: keying it (the
    padded key's first blocks) is half the cost of a short message. In memory only, like
    ``signing_key``'s cache, and keyed by the same daily key."""
    return hmac.new(key, digestmod=hashlib.sha256)


# ---------------------------------------------------------------------------- verification


def verify(
    request: SignedRequest,
    lookup_secret: Callable[[str], str | None],
    now: datetime,
    *,
    skew_code: str = "SignatureDoesNotMatch",
) -> VerifiedSignature:
    """Accept a SigV4-signed request (header or presigned URL) or raise ``AuthError``.

    ``lookup_secret`` maps an access key id to its secret (None: unknown or inactive key).
    ``skew_code`` is the code for a header-signed request more than 15 minutes off ``now``:
    ``SignatureDoesNotMatch`` (most services) or ``RequestExpired`` (some Query APIs).
    Session tokens are returned, not judged: the credential layer resolves them.
    """
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    parts, amz_date = _claimed(request)
    signed_at = parse_amz_date(amz_date)
    if parts.scope.date != amz_date[:8]:
        raise AuthError(
            "SignatureDoesNotMatch",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{parts.scope.date}' != '{amz_date[:8]}', from '{amz_date}'.",
        )
    secret = lookup_secret(parts.scope.access_key_id)
    if secret is None:
        raise AuthError("InvalidClientTokenId", MSG_INVALID_KEY)
    _check_time(parts, signed_at, now, skew_code)
    declared = request.header("x-amz-content-sha256")
    if declared is not None and declared.strip().startswith("STREAMING-"):
        raise AuthError("NotImplemented", f"Payload signing mode '{declared.strip()}' is not supported.")
    canonical = canonical_request(request, parts.signed_headers, presigned=parts.presigned)
    key = signing_key(secret, parts.scope.date, parts.scope.region, parts.scope.service)
    expected = signature(key, string_to_sign(amz_date, parts.scope, canonical))
    if not hmac.compare_digest(expected.encode(), parts.signature.encode()):
        raise AuthError("SignatureDoesNotMatch", MSG_MISMATCH)
    if declared is not None and declared.strip() != UNSIGNED_PAYLOAD:
        body_hash = hashlib.sha256(request.body).hexdigest()
        if not hmac.compare_digest(body_hash.encode(), declared.strip().lower().encode()):
            raise AuthError("SignatureDoesNotMatch", MSG_MISMATCH)
    return VerifiedSignature(
        access_key_id=parts.scope.access_key_id,
        region=parts.scope.region,
        service=parts.scope.service,
        signed_at=signed_at,
        session_token=parts.session_token,
        presigned=parts.presigned,
    )


SINGLE_HEADERS = ("authorization", "x-amz-date", "date", "x-amz-security-token", "x-amz-content-sha256")
"""Headers that carry authentication material: a second copy is refused, never ignored."""
SINGLE_QUERY = (*PRESIGN_PARAMS, "X-Amz-Expires", "X-Amz-Security-Token")
"""The same for a presigned URL's query parameters."""


def _refuse_duplicates(request: SignedRequest, query: list[tuple[str, str]]) -> None:
    """Two copies of one piece of authentication material are refused (IncompleteSignature).

    Picking one copy would let a proxy in front of Lamina and Lamina itself read different
    credentials, signatures or dates from the same request. ``query`` is the decoded query.
    """
    by_name = request.headers_by_name
    for name in SINGLE_HEADERS:
        values = by_name.get(name)
        if values is not None and len(values) > 1:
            raise AuthError("IncompleteSignature", f"The request must contain only one {name} header.")
    seen: set[str] = set()
    for key, _ in query:
        if key in SINGLE_QUERY:
            if key in seen:
                raise AuthError("IncompleteSignature", f"The request must contain only one {key} query parameter.")
            seen.add(key)


def claimed_access_key(request: SignedRequest) -> str:
    """The access key a request claims to be signed with, read without its body; ``AuthError`` when
    the signature material is missing or malformed. Lets the server refuse a large body from an
    unknown key before buffering it (the signature itself covers the body, so it waits)."""
    return _claimed(request)[0].scope.access_key_id


def _claimed(request: SignedRequest) -> tuple[SignatureParts, str]:
    """Find the signature (header or query) and the date it was signed at."""
    return _usual_claim(request) or _claimed_long_way(request)


def _claimed_long_way(request: SignedRequest) -> tuple[SignatureParts, str]:
    """``_claimed`` for any request: presigned URLs, Date headers, repeated material, odd layouts."""
    query = query_pairs(request.query)
    _refuse_duplicates(request, query)
    authorization = request.header("authorization")
    presigned = any(key in PRESIGN_PARAMS[:3] for key, _ in query)
    if authorization is not None and presigned:
        raise AuthError(
            "IncompleteSignature",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter "
            "or the Authorization header should be specified",
        )
    if presigned:
        parts = parse_presigned(request.query)
        if parts.session_token is None:
            parts = replace(parts, session_token=request.header("x-amz-security-token"))
        return parts, parts.amz_date or ""
    if authorization is None:
        raise AuthError("MissingAuthenticationToken", MSG_MISSING)
    amz_date = _header_date(request)
    parts = parse_authorization(authorization, has_date=amz_date is not None,
                                session_token=request.header("x-amz-security-token"))
    return parts, amz_date or ""


def _usual_claim(request: SignedRequest) -> tuple[SignatureParts, str] | None:
    """``_claimed``'s answer for a request signed the usual way, else None (the long way): no query
    string (so no presigned URL), no header name twice (so no repeated authentication header), an
    X-Amz-Date, and an Authorization header of the usual layout. Skips decoding an empty query,
    the duplicate checks and the header-by-header lookups; tests compare it with the long way."""
    by_name = request.headers_by_name
    if request.query or len(by_name) != len(request.headers):
        return None
    authorization, amz_date = by_name.get("authorization"), by_name.get("x-amz-date")
    if authorization is None or amz_date is None:
        return None
    token = by_name.get("x-amz-security-token")
    parts = _usual_authorization(authorization[0], token[0] if token else None)
    return None if parts is None else (parts, amz_date[0].strip())


def _header_date(request: SignedRequest) -> str | None:
    """X-Amz-Date as sent, else the Date header (RFC 1123) in basic format, else None."""
    amz_date = request.header("x-amz-date")
    if amz_date is not None:
        return amz_date.strip()
    date = request.header("date")
    if date is None:
        return None
    try:
        parsed = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return date.strip()  # parse_amz_date reports it
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime(AMZ_DATE_FORMAT)


def _check_time(parts: SignatureParts, signed_at: datetime, now: datetime, skew_code: str) -> None:
    """Presigned URLs live X-Amz-Expires seconds; everything else within 15 minutes of now."""
    fmt = AMZ_DATE_FORMAT
    if signed_at > now + MAX_SKEW:
        raise AuthError(
            skew_code,
            f"Signature not yet current: {signed_at.strftime(fmt)} is still later than "
            f"{(now + MAX_SKEW).strftime(fmt)} ({now.strftime(fmt)} + 15 min.)",
        )
    if parts.expires is not None:
        if now > signed_at + timedelta(seconds=parts.expires):
            raise AuthError("AccessDenied", MSG_PRESIGN_EXPIRED)
        return
    if signed_at < now - MAX_SKEW:
        raise AuthError(
            skew_code,
            f"Signature expired: {signed_at.strftime(fmt)} is now earlier than "
            f"{(now - MAX_SKEW).strftime(fmt)} ({now.strftime(fmt)} - 15 min.)",
        )
