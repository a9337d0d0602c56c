"""The verifier's shortcuts give exactly what the long way gives: the canonical URI of a path that is
already canonical, the request date read in C, a signature from HMAC states copied per message, and
the usual header-signed request (no query, no repeated header, an Authorization header as SDKs write
it) read in one step, its canonical headers taken from the request's header map. The last test signs
requests with botocore, edits them, and wants the same verdict with and without the shortcuts."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.auth import (
    AuthError,
    SignatureParts,
    SignedRequest,
    VerifiedSignature,
    parse_authorization,
    signature,
    sigv4,
    verify,
)
from lamina.auth.sigv4 import (
    _PLAIN_PATH,
    _WHITESPACE,
    EMPTY_SHA256,
    _canonical_headers_of,
    _claimed_long_way,
    _normalized_uri,
    _usual_authorization,
    _usual_claim,
    canonical_headers,
    canonical_uri,
    parse_amz_date,
    payload_hash,
)

PATH_PIECES = st.sampled_from(["/", "a", "B9", ".", "..", "-", "_", "~", "%2F", "%", " ", "é", "+", ":", "//", "*"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(PATH_PIECES, max_size=12).map("".join))
def test_canonical_uri_takes_the_shortcut_only_where_it_changes_nothing(path: str) -> None:
    assert canonical_uri(path) == _normalized_uri(path)
    if _PLAIN_PATH.fullmatch(path):
        assert canonical_uri(path) == path


@pytest.mark.parametrize("path", ["/", "/2015-03-31/functions/my-function", "/2015-03-31/functions/", "/a.b/c~d"])
def test_usual_paths_are_already_canonical(path: str) -> None:
    assert _PLAIN_PATH.fullmatch(path)
    assert canonical_uri(path) == path


@pytest.mark.parametrize("path", ["", "//", "/a//b", "/./a", "/a/..", "/a/.", "/..", "/%41", "/a b", "a"])
def test_unusual_paths_take_the_long_way(path: str) -> None:
    assert not _PLAIN_PATH.fullmatch(path)


def reference_amz_date(value: str) -> datetime:
    """The date as the verifier read it before: digit by digit."""
    return datetime(int(value[:4]), int(value[4:6]), int(value[6:8]), int(value[9:11]), int(value[11:13]),
                    int(value[13:15]), tzinfo=UTC)


@settings(max_examples=2000, deadline=None)
@given(st.from_regex(r"[0-9]{8}T[0-9]{6}Z", fullmatch=True))
def test_request_dates_read_as_digit_by_digit(value: str) -> None:
    try:
        expected: datetime | None = reference_amz_date(value)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(AuthError):
            parse_amz_date(value)
    else:
        assert parse_amz_date(value) == expected
        assert parse_amz_date(value).tzinfo == UTC


@pytest.mark.parametrize("value", ["2015-08-30T12:36:00Z", "20150830T123600", "20150830T1236000Z", "２0150830T123600Z",
                                   "20150830 123600Z", "20150830T123600z", ""])
def test_other_date_forms_are_refused(value: str) -> None:
    with pytest.raises(AuthError):
        parse_amz_date(value)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.sampled_from([b"k" * 63, b"k" * 64, b"k" * 65]), st.text(max_size=300))
def test_signature_is_hmac_sha256(key: bytes, to_sign: str) -> None:
    expected = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    assert signature(key, to_sign) == expected
    assert signature(key, to_sign) == expected  # the keyed HMAC is copied, never consumed


# ---------------------------------------------------------------- the usual header-signed request

AKID, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
NOW = datetime(2026, 1, 1, 0, 10, tzinfo=UTC)
STAMP = "20260101T001000Z"
USUAL = (f"AWS4-HMAC-SHA256 Credential={AKID}/20260101/us-east-1/lambda/aws4_request, "
         f"SignedHeaders=content-type;host;x-amz-date, Signature={'0a' * 32}")

PARAM_NAMES = st.sampled_from(["Credential", "SignedHeaders", "Signature", "credential", "Foo", ""])
CREDENTIALS = st.sampled_from([
    f"{AKID}/20260101/us-east-1/lambda/aws4_request", "ASIAXYZ/20260101/eu-west-3/iam/aws4_request",
    f"{AKID}/20260101/us-east-1/lambda/aws5_request", f"{AKID}/20260101//lambda/aws4_request",
    f"{AKID}/2026-01-01/us-east-1/sts/aws4_request", f"{AKID}/20260101/us-east-1/lambda",
    f"{AKID}/20260101/US/é/aws4_request",
    f"{AKID}/20260101/us-east-1/lambda/aws4_request/x", "a=b/20260101/r/s/aws4_request", ""])
SIGNED_HEADERS = st.lists(st.sampled_from(["host", "x-amz-date", "content-type", "Host", " host", "", ":authority",
                                           "x_y", "x-amz-security-token", "h\xa0"]), max_size=4).map(";".join)
SIGNATURES = st.sampled_from(["0a" * 32, "0A" * 32, "0a" * 31, "0a" * 33, "", "=0a", "g" * 64])
SEPARATORS = st.sampled_from([", ", ",", " ", ",  ", " , ", "\t", ",\n", ";"])
ALGORITHMS = st.sampled_from(
    ["AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", "aws4-hmac-sha256", "AWS4-HMAC-SHA256 ", ""])


@st.composite
def authorization_headers(draw: st.DrawFn) -> str:
    """Authorization headers of the usual layout, of odd layouts, and mutated ones."""
    params = {"Credential": draw(CREDENTIALS), "SignedHeaders": draw(SIGNED_HEADERS), "Signature": draw(SIGNATURES)}
    pairs = list(params.items())
    if draw(st.booleans()):
        pairs = draw(st.permutations(pairs))
    pairs += draw(st.lists(st.tuples(PARAM_NAMES, st.sampled_from(["x", "", "a=b"])), max_size=2))
    header = f"{draw(ALGORITHMS)} " + draw(SEPARATORS).join(f"{key}={value}" for key, value in pairs)
    if draw(st.booleans()):
        at = draw(st.integers(0, len(header)))
        header = header[:at] + draw(st.sampled_from(["", " ", ",", "=", "\x85", "é", "/"])) + header[at + 1:]
    return draw(st.sampled_from(["", " ", "\t"])) + header + draw(st.sampled_from(["", " "]))


def long_authorization(header: str, token: str | None) -> SignatureParts | AuthError:
    try:
        return parse_authorization(header, has_date=True, session_token=token)
    except AuthError as error:
        return error


@settings(max_examples=3000, deadline=None)
@given(authorization_headers(), st.none() | st.just("token"))
def test_usual_authorization_reads_what_the_long_way_reads(header: str, token: str | None) -> None:
    usual = _usual_authorization(header, token)
    if usual is not None:
        assert long_authorization(header, token) == usual


@pytest.mark.parametrize("header", [USUAL, USUAL.replace(", ", ","), USUAL.replace("lambda", "iam")])
def test_sdk_authorization_headers_take_the_shortcut(header: str) -> None:
    assert _usual_authorization(header, None) == long_authorization(header, None)
    assert _usual_authorization(header, None) is not None


HEADER_NAMES = st.sampled_from(["Host", "host", " host", "host ", "\x85host", "X-Amz-Date", "x-amz-date", "a b",
                                "\xa0x", "Authorization", "authorization", "X-Amz-Security-Token", "Content-Type", "İ",
                                "Date"])
HEADER_VALUES = st.sampled_from(["127.0.0.1:4599", STAMP, " 20260101T001000Z", USUAL, "tok", "a  b\tc ", "", "x,y"])


@st.composite
def wire_headers(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Header lists near the usual request's: repeated, padded, re-cased and odd names included."""
    headers = [("host", "127.0.0.1:4599"), ("x-amz-date", STAMP), ("authorization", draw(authorization_headers()))]
    if draw(st.booleans()):
        headers[2] = ("authorization", USUAL)
    headers += draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=4))
    return draw(st.permutations(headers)) if draw(st.booleans()) else headers


def long_claim(request: SignedRequest) -> tuple[SignatureParts, str] | AuthError:
    try:
        return _claimed_long_way(request)
    except AuthError as error:
        return error


@settings(max_examples=3000, deadline=None)
@given(wire_headers(), st.sampled_from(["", "a=1", "X-Amz-Algorithm=AWS4-HMAC-SHA256", f"X-Amz-Credential={AKID}"]))
def test_usual_claim_is_the_long_ways_claim(headers: list[tuple[str, str]], query: str) -> None:
    request = SignedRequest("GET", "/", query, headers)
    usual = _usual_claim(request)
    if usual is not None:
        assert long_claim(request) == usual


def test_the_usual_request_takes_the_shortcut() -> None:
    request = SignedRequest("GET", "/", "", [("host", "h"), ("x-amz-date", STAMP), ("authorization", USUAL)])
    assert _usual_claim(request) is not None
    assert _usual_claim(request) == long_claim(request)


@settings(max_examples=3000, deadline=None)
@given(wire_headers(), st.lists(HEADER_NAMES.map(lambda name: name.strip().lower()), max_size=5))
def test_canonical_headers_from_the_map_are_the_long_ways(headers: list[tuple[str, str]], signed: list[str]) -> None:
    request = SignedRequest("GET", "/", "", headers)
    assert _canonical_headers_of(request, signed) == canonical_headers(headers, signed)


def test_whitespace_is_exactly_what_strip_removes() -> None:
    for point in range(0x110000):
        char = chr(point)
        assert bool(_WHITESPACE.fullmatch(char)) == (char.strip() == "") == char.isspace(), hex(point)


def test_an_empty_body_hashes_to_the_constant() -> None:
    assert payload_hash(SignedRequest("GET", "/")) == hashlib.sha256(b"").hexdigest() == EMPTY_SHA256


# ---------------------------------------------------------------- the same verdict with and without shortcuts


def sign(headers: list[tuple[str, str]], service: str, token: str | None) -> list[tuple[str, str]]:
    """The usual request signed by botocore at NOW, its Authorization header appended."""
    request = AWSRequest("GET", "http://127.0.0.1:4599/2015-03-31/functions/fn", headers=dict(headers))
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW.replace(tzinfo=None)):
        SigV4Auth(Credentials(AKID, SECRET, token), service, "us-east-1").add_auth(request)
    return [("host", "127.0.0.1:4599"), *((name, value) for name, value in request.headers.items())]


def verdict(request: SignedRequest) -> VerifiedSignature | tuple[str, str, int]:
    try:
        return verify(request, lambda akid: SECRET if akid == AKID else None, NOW)
    except AuthError as error:
        return error.code, error.message, error.status


def long_verdict(request: SignedRequest) -> VerifiedSignature | tuple[str, str, int]:
    with mock.patch.object(sigv4, "_usual_claim", lambda request: None), \
            mock.patch.object(sigv4, "_canonical_headers_of", lambda request, signed: canonical_headers(
                request.headers, signed)):
        return verdict(request)


EDITS = st.sampled_from(["none", "value", "name case", "pad name", "repeat", "drop", "authorization", "date", "add"])


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Content-Type", "X-Custom", "User-Agent"]), HEADER_VALUES), max_size=3),
       st.sampled_from(["lambda", "iam"]), st.none() | st.just("session-token"), EDITS, st.data())
def test_shortcuts_give_the_long_ways_verdict(extra: list[tuple[str, str]], service: str, token: str | None,
                                              edit: str, data: st.DataObject) -> None:
    headers = sign(extra, service, token)
    index = data.draw(st.integers(0, len(headers) - 1))
    name, value = headers[index]
    if edit == "value":
        headers[index] = (name, value + data.draw(st.sampled_from(["x", " ", "  y"])))
    elif edit == "name case":
        headers[index] = (name.swapcase(), value)
    elif edit == "pad name":
        headers[index] = (data.draw(st.sampled_from([" ", "\t", "\xa0"])) + name, value)
    elif edit == "repeat":
        headers.append((name, value))
    elif edit == "drop":
        del headers[index]
    elif edit == "authorization":
        headers = [(key, data.draw(authorization_headers()) if key.lower() == "authorization" else val)
                   for key, val in headers]
    elif edit == "date":
        headers = [(key, data.draw(st.sampled_from(["20260101T001001Z", "x", "20260102T001000Z"]))
                    if key.lower() == "x-amz-date" else val) for key, val in headers]
    elif edit == "add":
        headers.append(data.draw(st.tuples(HEADER_NAMES, HEADER_VALUES)))
    request = SignedRequest("GET", "/2015-03-31/functions/fn", "", headers)
    assert verdict(request) == long_verdict(request)
    if edit == "none":
        assert isinstance(verdict(request), VerifiedSignature)
