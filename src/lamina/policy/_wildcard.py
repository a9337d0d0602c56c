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


def _regex(text: str, within: bool = False) -> str:
    """The regex for wildcard text; ``within`` keeps wildcards inside one ARN part."""
    out = []
    for char in text:
        if char == "*":
            out.append("[^:]*" if within else ".*")
        elif char == "?":
            out.append("[^:]" if within else ".")
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


@lru_cache(maxsize=16384)
def compile_arn_pattern(pattern: str) -> Matcher:
    """``ArnLike``: the six ARN parts matched one by one, so ``*`` never crosses one of the first
    five colons. One regex does it: wildcards stay within ``[^:]`` in the first five parts."""
    parts = pattern.split(":", 5)
    if len(parts) != 6:
        return NEVER
    head = ":".join(_regex(part, within=True) for part in parts[:5])
    return re.compile(f"{head}:{_regex(parts[5])}", re.DOTALL).fullmatch
