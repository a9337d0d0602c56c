"""CloudWatch Logs' filter patterns for unstructured events, the subset Lamina matches.

As AWS's "Filter pattern syntax" defines them, terms are case-sensitive and matched anywhere in
the message::

    ERROR                  events containing ERROR
    ERROR Exception        events containing both
    "Task timed out"       the quoted phrase, spaces and punctuation included
    ?ERROR ?WARN           events containing either (at least one ``?`` term)
    ERROR -Retrying        events containing ERROR but not Retrying
    (empty)                every event

JSON patterns (``{ $.level = "ERROR" }``), space-delimited patterns (``[ip, user, ...]``) and
regular expressions (``%...%``) are refused with InvalidParameterException rather than matched
wrongly. Matching is plain substring search: linear, whatever the pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Pattern", "UnsupportedPattern", "compile_pattern"]

_TOKEN = re.compile(r'\s*([?-]?)(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))')


class UnsupportedPattern(ValueError):
    """A pattern outside the subset (JSON, space-delimited, regex) or malformed (an open quote)."""


@dataclass(frozen=True)
class Pattern:
    """Terms that must all appear, ``?`` terms of which one must appear, and terms that must not."""

    required: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def matches(self, message: str) -> bool:
        return (all(term in message for term in self.required)
                and (not self.any_of or any(term in message for term in self.any_of))
                and not any(term in message for term in self.excluded))


def compile_pattern(text: str | None) -> Callable[[str], bool]:
    """The matcher of a ``filterPattern``; ``UnsupportedPattern`` outside the subset."""
    text = (text or "").strip()
    if not text:
        return lambda message: True
    if text[0] in "{[" or (text[0] == "%" and text.endswith("%") and len(text) > 1):
        raise UnsupportedPattern(f"Lamina matches terms, quoted phrases, ?terms and -terms; not {text!r}")
    required: list[str] = []
    any_of: list[str] = []
    excluded: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise UnsupportedPattern(f"Invalid filter pattern at character {position + 1}: {text!r}")
        sign, quoted, bare = match.groups()
        term = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        {"": required, "?": any_of, "-": excluded}[sign].append(term)
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return Pattern(tuple(required), tuple(any_of), tuple(excluded)).matches
