"""IAM's ``*`` and ``?`` wildcards, compiled once into the cheapest matcher that is exact.

A pattern is a sequence of pieces: text in which ``*``/``?`` are wildcards, and literal text (a
substituted policy variable or an escape such as ``${*}``) in which they are not. Plain
equality and prefix tests are used whenever the pattern allows, a regex only otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

Matcher = Callable[[str], object]
"""Called with a value; truthy when the value matches."""

Piece = tuple[bool, str]
"""(is_wildcard_text, text): wildcard text treats ``*``/``?`` specially; literal text does not."""


def _always(_value: str) -> bool:
    return True


def _never(_value: str) -> bool:
    return False


ALWAYS: Matcher = _always
NEVER: Matcher = _never


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


@lru_cache(maxsize=65536)
def compile_pieces(pieces: tuple[Piece, ...]) -> Matcher:
    """The matcher for a whole pattern made of ``pieces`` (case-sensitive)."""
    wild = [text for is_wild, text in pieces if is_wild and has_wildcard(text)]
    if not wild:
        return "".join(text for _, text in pieces).__eq__
    if len(pieces) == 1 and pieces[0][1] == "*":
        return ALWAYS
    last_wild, last_text = pieces[-1]
    head = pieces[:-1]
    if (last_wild and last_text.endswith("*") and not has_wildcard(last_text[:-1])
            and not any(is_wild and has_wildcard(text) for is_wild, text in head)):
        prefix = "".join(text for _, text in head) + last_text[:-1]
        return lambda value: value.startswith(prefix)
    regex = "".join(_regex(text) if is_wild else re.escape(text) for is_wild, text in pieces)
    return re.compile(regex, re.DOTALL).fullmatch


def _regex(text: str) -> str:
    out = []
    for char in text:
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    return "".join(out)


def compile_pattern(pattern: str) -> Matcher:
    """The matcher for a pattern with no policy variables (case-sensitive)."""
    return compile_pieces(((True, pattern),))


@lru_cache(maxsize=16384)
def compile_any(patterns: tuple[str, ...]) -> Matcher:
    """One matcher for "any of these patterns": a set lookup or a single regex when possible."""
    if "*" in patterns:
        return ALWAYS
    if not patterns:
        return NEVER
    if not any(has_wildcard(p) for p in patterns):
        return frozenset(patterns).__contains__
    if len(patterns) == 1:
        return compile_pattern(patterns[0])
    return re.compile("|".join(f"(?:{_regex(p)})" for p in patterns), re.DOTALL).fullmatch


def compile_arn_pattern(pattern: str) -> Matcher:
    """``ArnLike``: the six ARN parts matched one by one, so ``*`` never crosses a part's colon."""
    parts = pattern.split(":", 5)
    if len(parts) != 6:
        return NEVER
    matchers = [compile_pattern(part) for part in parts]

    def match(value: str) -> bool:
        values = value.split(":", 5)
        if len(values) != 6:
            return False
        return all(m(v) for m, v in zip(matchers, values, strict=True))

    return match
