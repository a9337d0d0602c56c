"""Policy variables (``${aws:username}``, defaults, the ``${*}`` escapes), split out of text once.

reference_policies_variables.html: variables only count in 2012-10-17 documents; a variable whose
key has no single value and no default makes the pattern that holds it match nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ._wildcard import Piece

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}
_DEFAULT = re.compile(r"\s*([^,\s][^,]*?)\s*,\s*'([^']*)'\s*")

Lookup = Callable[[str], str | None]
"""Returns the single value of a (lowercased) context key, or None."""


@dataclass(frozen=True, slots=True)
class Variable:
    key: str  # lowercased context key
    default: str | None


Token = str | Variable
"""Text (wildcards live) or a variable."""


@dataclass(frozen=True, slots=True)
class Template:
    """Text with variables in it. ``tokens`` alternate wildcard text and variables/escapes."""

    tokens: tuple[tuple[bool, str] | Variable, ...]

    def resolve(self, lookup: Lookup) -> tuple[Piece, ...] | None:
        """The pattern's pieces with each variable replaced, or None if one has no value."""
        pieces: list[Piece] = []
        for token in self.tokens:
            if isinstance(token, Variable):
                value = lookup(token.key)
                if value is None:
                    value = token.default
                if value is None:
                    return None
                pieces.append((False, value))
            else:
                pieces.append(token)
        return tuple(pieces)


def parse_template(text: str) -> Template | None:
    """A Template if ``text`` holds a variable or an escape, else None (plain text)."""
    if "${" not in text:
        return None
    tokens: list[tuple[bool, str] | Variable] = []
    pos = 0
    found = False
    for match in _VARIABLE.finditer(text):
        inner = match.group(1)
        replacement = _token(inner)
        if replacement is None:
            continue
        found = True
        if match.start() > pos:
            tokens.append((True, text[pos:match.start()]))
        tokens.append(replacement)
        pos = match.end()
    if not found:
        return None
    if pos < len(text):
        tokens.append((True, text[pos:]))
    return Template(tuple(tokens))


def _token(inner: str) -> tuple[bool, str] | Variable | None:
    if inner in _ESCAPES:
        return (False, _ESCAPES[inner])
    with_default = _DEFAULT.fullmatch(inner)
    if with_default:
        return Variable(with_default.group(1).lower(), with_default.group(2))
    key = inner.strip()
    if not key or "," in key or " " in key:
        return None
    return Variable(key.lower(), None)
