"""Wildcard matching: exact (agrees with an escaped-regex oracle) and linear (counted in steps).

The oracle is the obvious translation, ``*`` to ``.*`` and ``?`` to ``.``, which backtracks; it is
only ever given small inputs here. The matcher under test must agree with it and, unlike it, do
work linear in the value: the step counts below come from the matcher's own primitives.
"""

from __future__ import annotations

import re
from typing import SupportsIndex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamina.policy import Outcome, PolicySet, Principal, PrincipalType, Request, evaluate, parse_policy
from lamina.policy._conditions import _single_matcher
from lamina.policy._variables import parse_template, variable_spans
from lamina.policy._wildcard import Matcher, Piece, compile_any, compile_arn_pattern, compile_pattern, compile_pieces

ACCT = "123456789012"
TEXT = st.text(alphabet="ab*?:", max_size=7)
VALUES = st.text(alphabet="ab*?:", max_size=10)
PIECES = st.lists(st.tuples(st.booleans(), TEXT), max_size=4).map(tuple)


def _regex(pieces: tuple[Piece, ...], star: str = ".*", one: str = ".") -> str:
    return "".join(re.escape(text).replace(r"\*", star).replace(r"\?", one) if wild else re.escape(text)
                   for wild, text in pieces)


def oracle(pieces: tuple[Piece, ...], value: str) -> bool:
    return re.fullmatch(_regex(pieces), value, re.DOTALL) is not None


def arn_oracle(pieces: tuple[Piece, ...], value: str) -> bool:
    """ArnLike: six parts at the first five colons (literal colons too); wildcards stay in a part."""
    chars = [(wild, char) for wild, text in pieces for char in text]
    parts: list[list[Piece]] = [[]]
    for wild, char in chars:
        if char == ":" and len(parts) < 6:
            parts.append([])
        else:
            parts[-1].append((wild, char))
    if len(parts) != 6:
        return False
    head = ":".join(_regex(tuple(p), "[^:]*", "[^:]") for p in parts[:5])
    return re.fullmatch(f"{head}:{_regex(tuple(parts[5]))}", value, re.DOTALL) is not None


@given(PIECES, VALUES)
def test_pieces_agree_with_the_regex_oracle(pieces: tuple[Piece, ...], value: str) -> None:
    assert bool(compile_pieces(pieces)(value)) == oracle(pieces, value)


@given(st.lists(TEXT, max_size=4), VALUES)
def test_any_of_agrees_with_the_oracle(patterns: list[str], value: str) -> None:
    expected = any(oracle(((True, p),), value) for p in patterns)
    assert bool(compile_any(tuple(patterns))(value)) == expected


@given(st.lists(st.tuples(st.booleans(), st.text(alphabet="ab*?:", max_size=12)), max_size=4).map(tuple),
       st.text(alphabet="ab*?:", max_size=14))
def test_arn_like_agrees_with_the_oracle(pieces: tuple[Piece, ...], value: str) -> None:
    assert bool(_single_matcher("ArnLike", pieces)(value)) == arn_oracle(pieces, value)
    if all(wild for wild, _ in pieces):
        pattern = "".join(text for _, text in pieces)
        assert bool(compile_arn_pattern(pattern)(value)) == arn_oracle(((True, pattern),), value)


@given(TEXT, VALUES)
def test_question_mark_can_exclude_characters(pattern: str, value: str) -> None:
    """The validator's "pattern covers pattern" test: ``?`` never stands for a wildcard."""
    expected = re.fullmatch(_regex(((True, pattern),), one="[^*?]"), value, re.DOTALL) is not None
    assert bool(compile_pieces(((True, pattern),), exclude="*?")(value)) == expected


# -- steps ------------------------------------------------------------------------------------


class Counted(str):
    """A value that adds up the characters each string primitive the matcher calls on it may look
    at: ``find`` its window up to the hit, ``startswith``/``endswith`` the text compared. These
    are the matcher's only scans of the value, so the sum bounds its work."""

    scanned = 0

    def find(self, sub: str, start: SupportsIndex | None = None,  # type: ignore[override]
             end: SupportsIndex | None = None) -> int:
        found = super().find(sub, start, end)
        first = 0 if start is None else int(start)
        last = len(self) if end is None else min(int(end), len(self))
        Counted.scanned += max((found + len(sub) if found >= 0 else last) - first, 0) + 1
        return found

    def startswith(self, prefix: str | tuple[str, ...], *where: SupportsIndex | None) -> bool:  # type: ignore[override]
        Counted.scanned += max(map(len, prefix)) + 1 if isinstance(prefix, tuple) and prefix else len(prefix) + 1
        return super().startswith(prefix, *where)

    def endswith(self, suffix: str | tuple[str, ...], *where: SupportsIndex | None) -> bool:  # type: ignore[override]
        Counted.scanned += len(suffix) + 1
        return super().endswith(suffix, *where)


def scanned(matcher: Matcher, value: str) -> tuple[bool, int]:
    """Whether ``matcher`` matches ``value``, and how many characters it scanned doing so."""
    Counted.scanned = 0
    return bool(matcher(Counted(value))), Counted.scanned


LONG_PATTERNS = st.text(alphabet="ab*?", max_size=40)
LONG_VALUES = st.text(alphabet="ab", max_size=80)


@given(LONG_PATTERNS, LONG_VALUES)
def test_matching_scans_at_most_pattern_times_value(pattern: str, value: str) -> None:
    """The Glob docstring's bound: each value position tried at most once per match, each try
    comparing at most one segment; no backtracking."""
    matched, work = scanned(compile_pattern(pattern), value)
    assert matched == oracle(((True, pattern),), value)
    assert work <= 2 * (len(pattern) + 1) * (len(value) + 1)


@given(st.text(alphabet="ab*", max_size=40), LONG_VALUES)
def test_without_question_marks_matching_is_linear(pattern: str, value: str) -> None:
    """Without ``?`` every segment is one ``str.find`` starting where the last one ended: the
    value is scanned once, plus the pattern's own text (and one step per call)."""
    matched, work = scanned(compile_pattern(pattern), value)
    assert matched == oracle(((True, pattern),), value)
    assert work <= len(value) + 2 * len(pattern) + 2


USER = f"arn:aws:iam::{ACCT}:user/"
FINDING = USER + "*a" * 10 + "*b"


@pytest.mark.parametrize(("name", "expected"), [("a" * 40, Outcome.IMPLICIT_DENY), ("a" * 39 + "b", Outcome.ALLOW)])
def test_the_backtracking_finding_is_decided_in_linear_steps(name: str, expected: Outcome) -> None:
    """A resource of ``*a`` ten times then ``*b`` against a user named with 40 ``a``: ~18 s with the
    old regex (which backtracks), a single scan of the ARN here."""
    policy = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:GetUser", "Resource": FINDING}]})
    arn = USER + name
    request = Request(Principal(arn, PrincipalType.USER, ACCT), "iam:GetUser", arn)
    assert evaluate(request, PolicySet(identity=[policy])).outcome is expected
    matched, work = scanned(compile_pattern(FINDING), arn)
    assert matched is (expected is Outcome.ALLOW)
    assert 0 < work <= len(arn) + 2 * len(FINDING) + 2


def test_question_marks_and_many_stars_stay_within_the_bound() -> None:
    pattern = "*a?" * 15 + "*b"
    matched, work = scanned(compile_pattern(pattern), "a" * 200)
    assert not matched and work <= 2 * (len(pattern) + 1) * 201
    matched, work = scanned(compile_pattern(pattern), "a" * 199 + "b")
    assert matched and work <= 2 * (len(pattern) + 1) * 201


def test_an_arn_like_condition_with_many_stars_takes_linear_steps() -> None:
    """(With wildcards in the first five parts, each part is matched as its own glob.)"""
    pattern = FINDING + "*a" * 10
    matched, work = scanned(compile_arn_pattern(pattern), USER + "a" * 200)
    assert not matched and 0 < work <= len(USER) + 200 + 2 * len(pattern) + 2


# -- policy variables -------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{[^}]*\}")


@given(st.text(alphabet="${}a,' ", max_size=20))
def test_variable_spans_agree_with_the_regex(text: str) -> None:
    assert variable_spans(text) == [m.span() for m in _VARIABLE.finditer(text)]


class CountingText(str):
    """A string that adds up how much of itself each ``find`` can scan."""

    scanned = 0

    def find(self, sub: str, start: int | None = None, end: int | None = None) -> int:  # type: ignore[override]
        found = super().find(sub, start, end)
        first = start or 0
        CountingText.scanned += (found + len(sub) if found >= 0 else len(self)) - first
        return found


@pytest.mark.parametrize("text", ["${" * 5000, "${a}" * 2000 + "${" * 2000, "}${" * 3000])
def test_variable_spans_scan_the_text_about_once(text: str) -> None:
    """The regex rescans the rest of the text from every unclosed ``${`` (quadratic)."""
    CountingText.scanned = 0
    variable_spans(CountingText(text))
    assert CountingText.scanned <= 2 * len(text)


_DEFAULT = re.compile(r"\s*([^,\s][^,]*?)\s*,\s*'([^']*)'\s*")


@given(st.text(alphabet="ab ,'", max_size=12))
def test_variable_defaults_read_like_the_regex(inner: str) -> None:
    """``${key, 'default'}`` without the regex (it backtracks quadratically on long whitespace)."""
    template = parse_template("${" + inner + "}")
    match = _DEFAULT.fullmatch(inner)
    if match:
        assert template is not None
        (variable,) = template.tokens
        assert (getattr(variable, "key", None), getattr(variable, "default", None)) == \
            (match.group(1).lower(), match.group(2))
