"""SigV4 against the examples AWS publishes, each intermediate step checked.

The values are typed in from AWS's documentation (IAM User Guide "Create a signed AWS API request",
"Examples of how to derive a signing key", the General Reference signed-request examples and the
2011 SigV4 test suite cases get-utf8 / get-space). The second half mutates the documented request
to pin every failure to AWS's code, status and wording.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from lamina.auth import (
    REST_JSON_CODES,
    AuthError,
    SignedRequest,
    canonical_request,
    parse_authorization,
    parse_presigned,
    signature,
    signing_key,
    string_to_sign,
    verify,
)
from lamina.auth.sigv4 import STATUS, CredentialScope, canonical_query, canonical_uri

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
EMPTY_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def lookup(akid: str) -> str | None:
    return SECRET if akid == AKID else None


def at(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def authorization(scope: str, signed: str, sig: str) -> str:
    return f"AWS4-HMAC-SHA256 Credential={AKID}/{scope}, SignedHeaders={signed}, Signature={sig}"


# ---------------------------------------------------------------- IAM ListUsers, GET (2015-08-30)

LIST_USERS = SignedRequest(
    method="GET",
    path="/",
    query="Action=ListUsers&Version=2010-05-08",
    headers=[("Host", "iam.amazonaws.com"), ("Content-Type", FORM), ("X-Amz-Date", "20150830T123600Z")],
)
LIST_USERS_SIGNED = ("content-type", "host", "x-amz-date")
LIST_USERS_CREQ = (
    "GET\n"
    "/\n"
    "Action=ListUsers&Version=2010-05-08\n"
    f"content-type:{FORM}\n"
    "host:iam.amazonaws.com\n"
    "x-amz-date:20150830T123600Z\n"
    "\n"
    "content-type;host;x-amz-date\n"
    f"{EMPTY_HASH}"
)
LIST_USERS_CREQ_HASH = "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
LIST_USERS_STS = f"AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n{LIST_USERS_CREQ_HASH}"
LIST_USERS_KEY = "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
LIST_USERS_SIG = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
LIST_USERS_AUTH = authorization("20150830/us-east-1/iam/aws4_request", "content-type;host;x-amz-date", LIST_USERS_SIG)
SIGNED_LIST_USERS = replace(LIST_USERS, headers=[*LIST_USERS.headers, ("Authorization", LIST_USERS_AUTH)])
NOW = at("20150830T123600Z")


def test_list_users_canonical_request() -> None:
    creq = canonical_request(LIST_USERS, LIST_USERS_SIGNED)
    assert creq == LIST_USERS_CREQ
    assert hashlib.sha256(creq.encode()).hexdigest() == LIST_USERS_CREQ_HASH


def test_list_users_string_to_sign() -> None:
    scope = CredentialScope(AKID, "20150830", "us-east-1", "iam")
    assert string_to_sign("20150830T123600Z", scope, LIST_USERS_CREQ) == LIST_USERS_STS


def test_list_users_signing_key_and_signature() -> None:
    key = signing_key(SECRET, "20150830", "us-east-1", "iam")
    assert key.hex() == LIST_USERS_KEY
    assert signature(key, LIST_USERS_STS) == LIST_USERS_SIG


def test_list_users_authorization_header_parses() -> None:
    parts = parse_authorization(LIST_USERS_AUTH)
    assert parts.scope == CredentialScope(AKID, "20150830", "us-east-1", "iam")
    assert parts.signed_headers == LIST_USERS_SIGNED
    assert parts.signature == LIST_USERS_SIG


def test_list_users_verifies() -> None:
    verified = verify(SIGNED_LIST_USERS, lookup, NOW)
    assert (verified.access_key_id, verified.region, verified.service) == (AKID, "us-east-1", "iam")
    assert verified.signed_at == NOW
    assert verified.session_token is None


def test_signing_key_derivation_example() -> None:
    """The IAM guide's key-derivation example (20120215/us-east-1/iam)."""
    key = signing_key(SECRET, "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


# ---------------------------------------------------------------- other documented examples


def test_list_users_form_post_2011() -> None:
    """General Reference: the same call as a form POST, signed 2011-09-09."""
    request = SignedRequest(
        method="POST",
        path="/",
        headers=[
            ("host", "iam.amazonaws.com"),
            ("Content-type", FORM),
            ("x-amz-date", "20110909T233600Z"),
            (
                "Authorization",
                authorization(
                    "20110909/us-east-1/iam/aws4_request",
                    "content-type;host;x-amz-date",
                    "ced6826de92d2bdeed8f846f0bf508e8559e98e4b0199114b84c54174deb456c",
                ),
            ),
        ],
        body=b"Action=ListUsers&Version=2010-05-08",
    )
    assert verify(request, lookup, at("20110909T233600Z")).service == "iam"


def test_get_vanilla_2015() -> None:
    request = SignedRequest("GET", "/", headers=[("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")])
    creq = canonical_request(request, ("host", "x-amz-date"))
    assert creq == (
        f"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n{EMPTY_HASH}"
    )
    key = signing_key(SECRET, "20150830", "us-east-1", "service")
    to_sign = string_to_sign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", creq)
    assert signature(key, to_sign) == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"


@pytest.mark.parametrize(
    ("raw_path", "canonical_path", "sts_hash", "sig"),
    [
        (  # get-utf8: U+1234 on the wire as %E1%88%B4, encoded once more for the signature
            "/%E1%88%B4",
            "/%25E1%2588%25B4",
            "47f4456c465167f4db3490a68903fe057412e6e030de38f71d9006467eb4922a",
            "57b1eb3df3b16a8479c0097b66c0b261cfd65b829419a3f2c3d05319722490b8",
        ),
        (  # get-space
            "/%20/foo",
            "/%2520/foo",
            "35975885599128f8963ce9be7219598b2b5a344321bae304529556c891e9e6ba",
            "2be9e587d1ee1f0fd02128724b86b4358ba3630d39f493b6e06610a19a50779e",
        ),
    ],
    ids=["get-utf8", "get-space"],
)
def test_2011_suite_double_encoded_paths_and_date_header(
    raw_path: str, canonical_path: str, sts_hash: str, sig: str
) -> None:
    """2011 test-suite cases as botocore signs non-S3 paths; the date comes from a ``Date`` header."""
    headers = [("Date", "Mon, 09 Sep 2011 23:36:00 GMT"), ("Host", "host.foo.com")]
    request = SignedRequest("GET", raw_path, headers=headers)
    creq = canonical_request(request, ("date", "host"))
    assert creq == (
        f"GET\n{canonical_path}\n\ndate:Mon, 09 Sep 2011 23:36:00 GMT\nhost:host.foo.com\n\ndate;host\n{EMPTY_HASH}"
    )
    to_sign = string_to_sign("20110909T233600Z", "20110909/us-east-1/host/aws4_request", creq)
    assert to_sign.splitlines()[-1] == sts_hash
    assert signature(signing_key(SECRET, "20110909", "us-east-1", "host"), to_sign) == sig
    signed = replace(
        request,
        headers=[*headers, ("Authorization", authorization("20110909/us-east-1/host/aws4_request", "date;host", sig))],
    )
    assert verify(signed, lookup, at("20110909T233600Z")).service == "host"


# ---------------------------------------------------------------- canonicalization rules


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "/"),
        ("/", "/"),
        ("//a//b/", "/a/b/"),
        ("/a/./b/../c", "/a/c"),
        ("/..", "/"),
        ("/2015-03-31/functions/my-fn%3A1/invocations", "/2015-03-31/functions/my-fn%253A1/invocations"),
        ("/2015-03-31/functions/my-fn:1/invocations", "/2015-03-31/functions/my-fn%3A1/invocations"),
        ("/a~b/c d", "/a~b/c%20d"),
        ("/\u00e9/\udcff", "/%C3%A9/%FF"),  # raw UTF-8 and a raw undecodable byte on the wire
    ],
)
def test_canonical_uri(raw: str, expected: str) -> None:
    assert canonical_uri(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("b=2&a=1", "a=1&b=2"),
        ("a=2&a=1&a=10", "a=1&a=10&a=2"),
        ("empty=&flag", "empty=&flag="),
        ("k=a+b&k2=a%20b&k3=%7e", "k=a%20b&k2=a%20b&k3=~"),
        ("%C3%A9=%2F", "%C3%A9=%2F"),
        ("raw=%FF", "raw=%FF"),
        ("\u00e9=\udcff", "%C3%A9=%FF"),
        ("X-Amz-Signature=abc&Action=GetUser", "Action=GetUser&X-Amz-Signature=abc"),
    ],
)
def test_canonical_query(raw: str, expected: str) -> None:
    assert canonical_query(raw) == expected


def test_canonical_headers_fold_whitespace_and_join_repeats() -> None:
    request = SignedRequest(
        "GET",
        "/",
        headers=[("Host", "h:4599"), ("X-Multi", "  a   b  "), ("x-multi", "c\t d"), ("X-Amz-Date", "t")],
    )
    creq = canonical_request(request, ("host", "x-amz-date", "x-multi"))
    assert "host:h:4599\nx-amz-date:t\nx-multi:a b,c d\n\nhost;x-amz-date;x-multi\n" in creq


# ---------------------------------------------------------------- every failure, AWS's way


def with_headers(*headers: tuple[str, str], drop: tuple[str, ...] = ()) -> SignedRequest:
    kept = [(k, v) for k, v in SIGNED_LIST_USERS.headers if k.lower() not in drop]
    return replace(SIGNED_LIST_USERS, headers=[*kept, *headers])


def refused(request: SignedRequest, now: datetime = NOW, **kwargs: str) -> AuthError:
    with pytest.raises(AuthError) as caught:
        verify(request, lookup, now, **kwargs)
    return caught.value


def test_missing_authentication() -> None:
    error = refused(replace(LIST_USERS))
    assert (error.code, error.status, error.message) == (
        "MissingAuthenticationToken",
        403,
        "Request is missing Authentication Token",
    )
    assert error.rest_json_code == "MissingAuthenticationTokenException"


def test_unknown_access_key() -> None:
    forged = with_headers(("Authorization", LIST_USERS_AUTH.replace(AKID, "AKIAUNKNOWN")), drop=("authorization",))
    error = refused(forged)
    assert (error.code, error.status) == ("InvalidClientTokenId", 403)
    assert error.message == "The security token included in the request is invalid."
    assert error.rest_json_code == "UnrecognizedClientException"


def test_bad_signature() -> None:
    forged = with_headers(("Authorization", LIST_USERS_AUTH[:-1] + "8"), drop=("authorization",))
    error = refused(forged)
    assert (error.code, error.status) == ("SignatureDoesNotMatch", 403)
    assert error.message.startswith("The request signature we calculated does not match the signature you provided.")
    assert error.rest_json_code == "InvalidSignatureException"
    assert SECRET not in str(error)


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request",
            "Authorization header requires 'Signature' parameter. "
            "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256",
        ),
        ("Bearer abc", "Authorization header requires 'Credential' parameter."),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20150830/us-east-1/iam/aws4_request, SignedHeaders=host, "
            "Signature=00",
            "'/20150830/us-east-1/iam/aws4_request' not a valid key=value pair (missing equal-sign) in "
            "Authorization header: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20150830",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam, SignedHeaders=host, Signature=00",
            "Credential is mal-formed",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=x-amz-date, Signature=00",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ),
        (
            "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/iam/aws4_request, SignedHeaders=host, Signature=00",
            "Unsupported AWS 'algorithm'",
        ),
    ],
)
def test_malformed_authorization_header(header: str, fragment: str) -> None:
    error = refused(with_headers(("Authorization", header), drop=("authorization",)))
    assert (error.code, error.status) == ("IncompleteSignature", 400)
    assert fragment in error.message
    assert error.rest_json_code == "IncompleteSignatureException"


def test_missing_date_header() -> None:
    error = refused(with_headers(drop=("x-amz-date",)))
    assert error.code == "IncompleteSignature"
    assert error.message == (
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={LIST_USERS_AUTH}"
    )


def test_malformed_date_header() -> None:
    error = refused(with_headers(("X-Amz-Date", "2015-08-30T12:36:00Z"), drop=("x-amz-date",)))
    assert error.code == "IncompleteSignature"
    assert error.message.startswith("Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'.")


def test_scope_date_must_match_request_date() -> None:
    error = refused(with_headers(("X-Amz-Date", "20150831T123600Z"), drop=("x-amz-date",)))
    assert error.code == "SignatureDoesNotMatch"
    assert error.message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        "'20150830' != '20150831', from '20150831T123600Z'."
    )


def test_bad_terminator() -> None:
    header = LIST_USERS_AUTH.replace("aws4_request", "aws5_request")
    error = refused(with_headers(("Authorization", header), drop=("authorization",)))
    assert error.code == "SignatureDoesNotMatch"
    assert error.message == "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."


def test_clock_skew_past_and_future() -> None:
    late = refused(SIGNED_LIST_USERS, now=NOW + timedelta(minutes=15, seconds=1))
    assert (late.code, late.status) == ("SignatureDoesNotMatch", 403)
    assert late.message == (
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"
    )
    early = refused(SIGNED_LIST_USERS, now=NOW - timedelta(minutes=16))
    assert early.message == (
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T122000Z + 15 min.)"
    )
    for edge in (NOW + timedelta(minutes=15), NOW - timedelta(minutes=15)):
        assert verify(SIGNED_LIST_USERS, lookup, edge).access_key_id == AKID


def test_clock_skew_code_is_the_callers_choice() -> None:
    error = refused(SIGNED_LIST_USERS, now=NOW + timedelta(hours=1), skew_code="RequestExpired")
    assert (error.code, error.status) == ("RequestExpired", 400)
    assert error.message.startswith("Signature expired: ")


def test_naive_now_is_utc() -> None:
    assert verify(SIGNED_LIST_USERS, lookup, NOW.replace(tzinfo=None)).signed_at == NOW


def test_header_and_query_auth_together_refused() -> None:
    mixed = replace(SIGNED_LIST_USERS, query=LIST_USERS.query + "&X-Amz-Algorithm=AWS4-HMAC-SHA256")
    assert refused(mixed).code == "IncompleteSignature"


def test_presigned_missing_parameters() -> None:
    error = refused(replace(LIST_USERS, query="Action=ListUsers&X-Amz-Signature=00", headers=[("Host", "h")]))
    assert error.code == "IncompleteSignature"
    assert "X-Amz-Credential" in error.message
    with pytest.raises(AuthError, match="X-Amz-Expires must be less than a week"):
        parse_presigned(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=A%2F20150830%2Fus-east-1%2Fiam%2Faws4_request"
            "&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=604801"
        )


def test_streaming_payload_is_not_supported() -> None:
    error = refused(with_headers(("X-Amz-Content-SHA256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")))
    assert error.code == "NotImplemented"


def test_rest_json_table_covers_every_code() -> None:
    assert set(REST_JSON_CODES) == set(STATUS)
    assert REST_JSON_CODES["SignatureDoesNotMatch"] == "InvalidSignatureException"
    assert REST_JSON_CODES["InvalidClientTokenId"] == "UnrecognizedClientException"
    assert REST_JSON_CODES["MissingAuthenticationToken"] == "MissingAuthenticationTokenException"
    assert REST_JSON_CODES["ExpiredToken"] == "ExpiredTokenException"


def test_presigned_without_expires_uses_the_fifteen_minute_window() -> None:
    """Query APIs accept query-string auth without X-Amz-Expires (the IAM guide's example has none)."""
    query = (
        "Action=ListUsers&Version=2010-05-08&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fiam%2Faws4_request"
        "&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host"
    )
    unsigned = SignedRequest("GET", "/", query, [("Host", "iam.amazonaws.com")])
    to_sign = string_to_sign(
        "20150830T123600Z", "20150830/us-east-1/iam/aws4_request", canonical_request(unsigned, ("host",))
    )
    sig = signature(signing_key(SECRET, "20150830", "us-east-1", "iam"), to_sign)
    request = replace(unsigned, query=f"{query}&X-Amz-Signature={sig}")
    assert verify(request, lookup, NOW + timedelta(minutes=15)).presigned
    late = refused(request, now=NOW + timedelta(minutes=16))
    assert (late.code, late.message[:18]) == ("SignatureDoesNotMatch", "Signature expired:")
