"""A request context's header index: the same values, in arrival order, that a scan of the header
lines finds, and the same index the SigV4 verifier would build for itself."""

from __future__ import annotations

import dataclasses

import pytest

from lamina.auth.sigv4 import SignedRequest
from lamina.context import RequestContext

HEADERS = [("Host", "h"), ("X-Amz-Date", "d1"), ("x-amz-date", "d2"), ("AUTHORIZATION", "a"), ("Content-Type", "t")]


def context(headers: list[tuple[str, str]]) -> RequestContext:
    return RequestContext("rid", "GET", "/p", "q=1", headers, b"")


@pytest.mark.parametrize("name", ["host", "x-amz-date", "authorization", "content-type", "absent"])
def test_header_values_match_a_scan_of_the_lines(name: str) -> None:
    ctx = context(HEADERS)
    assert ctx.header_values(name) == [value for key, value in HEADERS if key.lower() == name]


def test_the_signed_request_shares_the_index_the_verifier_would_build() -> None:
    ctx = context(HEADERS)
    shared = ctx.signed_request()
    own = SignedRequest(ctx.method, ctx.raw_path, ctx.query_string, ctx.headers, ctx.body)
    assert shared.headers_by_name == own.headers_by_name
    assert shared == own


def test_a_replaced_signed_request_indexes_its_own_headers() -> None:
    changed = dataclasses.replace(context(HEADERS).signed_request(), headers=[("Host", "other")])
    assert changed.headers_by_name == {"host": ["other"]}
