"""The verifier's shortcuts give exactly what the long way gives: the canonical URI of a path that is
already canonical, the request date read in C, and a signature from a keyed HMAC copied per message."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.auth import AuthError, signature
from lamina.auth.sigv4 import _PLAIN_PATH, _normalized_uri, canonical_uri, parse_amz_date

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
@given(st.binary(min_size=1, max_size=80), st.text(max_size=300))
def test_signature_is_hmac_sha256(key: bytes, to_sign: str) -> None:
    expected = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    assert signature(key, to_sign) == expected
    assert signature(key, to_sign) == expected  # the keyed HMAC is copied, never consumed
