"""Policy variables (``${aws:username}``, defaults, the ``${*}`` escapes), split out of text once.

reference_policies_variables.html: variables only count in 2012-10-17 documents; a variable whose
key has no single value and no default makes the pattern that holds it match nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ._wildcard import Piece

_ESCAPES = {"*": "*", "?": "?", "$": "$"}

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
    for start, end in variable_spans(text):
        replacement = _token(text[start + 2:end - 1])
        if replacement is None:
            continue
        found = True
        if start > pos:
            tokens.append((True, text[pos:start]))
        tokens.append(replacement)
        pos = end
    if not found:
        return None
    if pos < len(text):
        tokens.append((True, text[pos:]))
    return Template(tuple(tokens))


def variable_spans(text: str) -> list[tuple[int, int]]:
    """Where each ``${...}`` is: (start, end past its ``}``), as ``re.finditer(r"\\$\\{[^}]*\\}")``
    finds them, but in linear time: when no ``}`` follows a ``${``, none follows a later one either,
    where the regex would rescan the rest of the text from each of them (quadratic)."""
    spans: list[tuple[int, int]] = []
    start = text.find("${")
    while start >= 0:
        end = text.find("}", start + 2)
        if end < 0:
            break
        spans.append((start, end + 1))
        start = text.find("${", end + 1)
    return spans


def substitute_variables(text: str, replace: Callable[[str], str]) -> str:
    """``text`` with each ``${...}`` (found by :func:`variable_spans`) replaced by ``replace(it)``."""
    out: list[str] = []
    pos = 0
    for start, end in variable_spans(text):
        out += [text[pos:start], replace(text[start:end])]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _default(inner: str) -> Variable | None:
    """``key, 'default'``: the key (non-empty) before the first comma, a quoted default after it.

    String methods rather than a regex, which would backtrack quadratically on long whitespace.
    """
    key, comma, rest = inner.partition(",")
    key, rest = key.strip(), rest.strip()
    if not comma or not key or len(rest) < 2 or rest[0] != "'" or rest[-1] != "'" or "'" in rest[1:-1]:
        return None
    return Variable(key.lower(), rest[1:-1])


def _token(inner: str) -> tuple[bool, str] | Variable | None:
    if inner in _ESCAPES:
        return (False, _ESCAPES[inner])
    with_default = _default(inner)
    if with_default:
        return with_default
    key = inner.strip()
    if not key or "," in key or " " in key:
        return None
    return Variable(key.lower(), None)
