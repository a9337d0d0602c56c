"""IAM's ``*`` and ``?`` wildcards, compiled once into the cheapest matcher that is exact.

A pattern is a sequence of pieces: text in which ``*``/``?`` are wildcards, and literal text (a
substituted policy variable or an escape such as ``${*}``) in which they are not. Plain equality,
prefix and suffix tests are used whenever the pattern allows, ``str.find`` per segment when the
pattern has no ``?``, a :class:`Glob` otherwise.

Why no regex: a policy's pattern is user input, and a backtracking engine takes exponential time
on ``*a*a*a...*b`` against ``aaaa...``. A glob never needs to backtrack (see :class:`Glob`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

Matcher = Callable[[str], object]
"""Called with a value; truthy when the value matches."""

Piece = tuple[bool, str]
"""(is_wildcard_text, text): wildcard text treats ``*``/``?`` specially; literal text does not."""

_STAR, _ONE = "*", "?"


def _always(_value: str) -> bool:
    return True


def _never(_value: str) -> bool:
    return False


ALWAYS: Matcher = _always
NEVER: Matcher = _never


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


class Segment:
    """Pattern text between two ``*``: fixed length, literal runs at fixed offsets, ``?`` elsewhere.

    ``?`` matches one character, except those in ``exclude`` (the validator's pattern-covers-pattern
    test, where ``?`` stands for one literal character and never for a wildcard).
    """

    __slots__ = ("exclude", "holes", "literal", "runs", "size")

    def __init__(self, runs: tuple[tuple[int, str], ...], holes: tuple[int, ...], exclude: str) -> None:
        self.runs = runs
        self.holes = holes if exclude else ()
        self.exclude = exclude
        self.literal = None if holes else "".join(run for _, run in runs)  # the text when no ``?``
        self.size = (runs[-1][0] + len(runs[-1][1])) if runs else 0
        if holes:
            self.size = max(self.size, holes[-1] + 1)

    def at(self, value: str, i: int) -> bool:
        """Whether the segment matches ``value`` at ``i`` (the caller checked that it fits)."""
        for offset, run in self.runs:
            if not value.startswith(run, i + offset):
                return False
        return all(value[i + hole] not in self.exclude for hole in self.holes)

    def search(self, value: str, start: int, end: int) -> int:
        """The leftmost ``i`` in ``[start, end - size]`` where the segment matches, else -1.

        Candidates come from ``str.find`` of the first literal run, each tried once, left to right.
        """
        last = end - self.size
        if not self.runs:
            i = start
            while i <= last and not self.at(value, i):
                i += 1
            return i if i <= last else -1
        offset, first = self.runs[0]
        j = value.find(first, start + offset, last + offset + len(first))
        while j >= 0:
            if self.at(value, j - offset):
                return j - offset
            j = value.find(first, j + 1, last + offset + len(first))
        return -1


class Glob:
    """A pattern with ``*``: anchored ``head``, ``middle`` segments in order, anchored ``tail``.

    Matching is exact and cannot backtrack: after the head and tail are checked at the two ends,
    each middle segment is placed at its leftmost match after the previous one. Leftmost is always
    safe, because what follows a segment only needs room to its right, and a leftmost placement
    leaves the most. Each segment is searched once and the candidate positions tried only move
    right, so one match tries at most ``len(value) + len(middle) + 2`` positions, each checked in
    at most ``len(segment)`` character comparisons: O(len(pattern) * len(value)) at worst. Without
    ``?`` (:func:`_literal_glob`), each segment is one ``str.find`` from where the last one ended,
    so the value is scanned once: O(len(pattern) + len(value)).
    """

    __slots__ = ("head", "middle", "minimum", "tail")

    def __init__(self, head: Segment, middle: tuple[Segment, ...], tail: Segment) -> None:
        self.head, self.middle, self.tail = head, middle, tail
        self.minimum = head.size + tail.size + sum(s.size for s in middle)

    def match(self, value: str) -> bool:
        end = len(value)
        if end < self.minimum or not self.head.at(value, 0):
            return False
        end -= self.tail.size
        if not self.tail.at(value, end):
            return False
        pos = self.head.size
        for segment in self.middle:
            found = segment.search(value, pos, end)
            if found < 0:
                return False
            pos = found + segment.size
        return True


def _tokens(pieces: tuple[Piece, ...]) -> list[str | None]:
    """One token per pattern position: a literal character, ``None`` for ``?``, ``*`` kept as "" ."""
    out: list[str | None] = []
    for is_wild, text in pieces:
        if not is_wild:
            out.extend(text)
            continue
        for char in text:
            out.append("" if char == _STAR else None if char == _ONE else char)
    return out


def _segment(tokens: list[str | None], exclude: str) -> Segment:
    runs: list[tuple[int, str]] = []
    holes: list[int] = []
    run_start, run = 0, ""
    for i, token in enumerate(tokens):
        if token is None:
            if run:
                runs.append((run_start, run))
            holes.append(i)
            run = ""
        else:
            if not run:
                run_start = i
            run += token
    if run:
        runs.append((run_start, run))
    return Segment(tuple(runs), tuple(holes), exclude)


def glob(pieces: tuple[Piece, ...], exclude: str = "") -> Glob | None:
    """The :class:`Glob` for ``pieces``; None when the pattern has no ``*`` (one fixed length)."""
    parts: list[list[str | None]] = [[]]
    for token in _tokens(pieces):
        if token == "":
            parts.append([])
        else:
            parts[-1].append(token)
    if len(parts) == 1:
        return None
    middle = tuple(_segment(p, exclude) for p in parts[1:-1] if p)
    return Glob(_segment(parts[0], exclude), middle, _segment(parts[-1], exclude))


def _fixed(pieces: tuple[Piece, ...], exclude: str) -> Matcher:
    """A pattern with ``?`` but no ``*``: one segment that must span the whole value."""
    segment = _segment(_tokens(pieces), exclude)
    if segment.holes:
        return lambda value: len(value) == segment.size and segment.at(value, 0)
    size, runs = segment.size, segment.runs

    def match(value: str) -> bool:
        return len(value) == size and all(value.startswith(run, offset) for offset, run in runs)

    return match


@lru_cache(maxsize=65536)
def compile_pieces(pieces: tuple[Piece, ...], exclude: str = "") -> Matcher:
    """The matcher for a whole pattern made of ``pieces`` (case-sensitive)."""
    if not any(is_wild and has_wildcard(text) for is_wild, text in pieces):
        return "".join(text for _, text in pieces).__eq__
    if len(pieces) == 1 and pieces[0][1] == "*":
        return ALWAYS
    found = glob(pieces, exclude)
    if found is None:
        return _fixed(pieces, exclude)
    head, tail = found.head.literal, found.tail.literal
    middle = tuple(s.literal for s in found.middle if s.literal is not None)
    if head is None or tail is None or len(middle) < len(found.middle):
        return found.match
    return _literal_glob(head, middle, tail) if middle else _ends(head, tail)


def _literal_glob(head: str, middle: tuple[str, ...], tail: str) -> Matcher:
    """A glob without ``?``: string methods only, each middle segment one ``str.find`` that starts
    where the previous one ended (the same leftmost placement as :class:`Glob`)."""
    least, skip, cut = len(head) + len(tail) + sum(map(len, middle)), len(head), len(tail)
    if len(middle) == 1:
        (one,) = middle
        return lambda value: (len(value) >= least and value.startswith(head) and value.endswith(tail)
                              and value.find(one, skip, len(value) - cut) >= 0)

    def match(value: str) -> bool:
        if len(value) < least or not value.startswith(head) or not value.endswith(tail):
            return False
        pos, end = skip, len(value) - cut
        for text in middle:
            found = value.find(text, pos, end)
            if found < 0:
                return False
            pos = found + len(text)
        return True

    return match


def _ends(prefix: str, suffix: str) -> Matcher:
    """``prefix*``, ``*suffix``, ``prefix*suffix``: string methods only."""
    if not suffix:
        return lambda value: value.startswith(prefix)
    if not prefix:
        return lambda value: value.endswith(suffix)
    least = len(prefix) + len(suffix)
    return lambda value: len(value) >= least and value.startswith(prefix) and value.endswith(suffix)


def compile_pattern(pattern: str) -> Matcher:
    """The matcher for a pattern with no policy variables (case-sensitive)."""
    return compile_pieces(((True, pattern),))


@lru_cache(maxsize=16384)
def compile_any(patterns: tuple[str, ...]) -> Matcher:
    """One matcher for "any of these patterns": a set lookup, a tuple of prefixes, then globs."""
    if "*" in patterns:
        return ALWAYS
    if not patterns:
        return NEVER
    exact = frozenset(p for p in patterns if not has_wildcard(p))
    wild = [p for p in patterns if has_wildcard(p)]
    if not wild:
        return exact.__contains__
    if len(patterns) == 1:
        return compile_pattern(patterns[0])
    prefixes = tuple(p[:-1] for p in wild if p.endswith("*") and not has_wildcard(p[:-1]))
    others = tuple(compile_pattern(p) for p in wild if not (p.endswith("*") and not has_wildcard(p[:-1])))

    def any_of(value: str) -> bool:
        if value in exact or value.startswith(prefixes):
            return True
        for other in others:  # noqa: SIM110 (a loop: no generator per decision)
            if other(value):
                return True
        return False

    return any_of


@lru_cache(maxsize=16384)
def compile_arn_pattern(pattern: str) -> Matcher:
    """``ArnLike``: the six ARN parts matched one by one, so ``*`` and ``?`` never cross one of the
    first five colons (the value is split the same way, so its first five parts hold none)."""
    parts = pattern.split(":", 5)
    if len(parts) != 6:
        return NEVER
    if not any(has_wildcard(part) for part in parts[:5]):
        return compile_pattern(pattern)  # the same test when only the last part has wildcards
    checks = tuple((i, compile_pattern(part)) for i, part in enumerate(parts) if part != "*")

    def match(value: str) -> bool:
        values = value.split(":", 5)
        if len(values) != 6:
            return False
        for i, check in checks:  # noqa: SIM110 (a loop: no generator per decision)
            if not check(values[i]):
                return False
        return True

    return match
