"""Parsing and validating grow linearly with a document's statements and a statement's lists.

Counted in function calls (tests/policy/callcount.py), never seconds: a quadratic step would show as a
growth near 4 when the input doubles.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from callcount import Work, growth

from lamina.catalog import default_catalog
from lamina.policy import PolicyKind, parse_document, validate_policy


def statements(n: int, seed: int) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{i}", "Effect": "Allow", "Action": ["s3:GetObject", f"s3:Put{i}*"],
         "Resource": [f"arn:aws:s3:::b{i}/*", "*"],
         "Condition": {"StringLike": {"aws:PrincipalTag/team": f"t{i}*"}}} for i in range(seed * n, seed * n + n)]})


def one_long_list(n: int, seed: int) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"s3:Get{i}*" for i in range(seed * n, seed * n + n)],
         "Resource": [f"arn:aws:s3:::b{i}/*" for i in range(seed * n, seed * n + n)]}]})


def parse(make: Callable[[int, int], str]) -> Work:
    def job(n: int, seed: int) -> Callable[[], object]:
        text = make(n, seed)
        return lambda: parse_document(text, PolicyKind.IDENTITY)
    return job


def validate(make: Callable[[int, int], str]) -> Work:
    catalog = default_catalog()

    def job(n: int, seed: int) -> Callable[[], object]:
        text = make(n, seed)
        return lambda: validate_policy(text, PolicyKind.IDENTITY, catalog)
    return job


@pytest.mark.parametrize("work", [parse(statements), validate(statements), parse(one_long_list),
                                  validate(one_long_list)],
                         ids=["parse statements", "validate statements", "parse a long list", "validate a long list"])
def test_work_grows_linearly(work: Work) -> None:
    assert growth(work, 300) < 2.3
