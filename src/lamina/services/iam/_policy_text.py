"""What the simulator reports about a policy's text: where each statement sits, which keys it reads.

Why a scanner: ``json`` gives no positions, and AWS reports a matched statement by the line and
column of its braces in the document as written.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from lamina.policy import Policy, variable_spans


def statement_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of each statement's ``{`` and ``}``, in document order (the engine's statement index)."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int, bool, bool]] = []  # (bracket, start, holds statements, is a statement)
    key = ""
    i = 0
    while i < len(text):
        char = text[i]
        if char == '"':
            end = i + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if len(stack) == 1:
                key = text[i + 1:end]
            i = end
        elif char in "{[":
            top = len(stack) == 1 and key == "Statement"
            in_list = bool(stack) and stack[-1][0] == "[" and stack[-1][2]
            stack.append((char, i, char == "[" and top, char == "{" and (top or in_list)))
        elif char in "}]" and stack:
            _, start, _, is_statement = stack.pop()
            if is_statement:
                spans.append((start, i))
        i += 1
    return spans


class StatementPositions:
    """Where each statement of one document starts and ends, as AWS reports it.

    Built once per document (one scan for the braces, one for the line starts), so reporting the
    N statements of a decision costs O(N log lines), not N scans of the text.
    """

    def __init__(self, text: str) -> None:
        self.spans = statement_spans(text)
        self.line_starts = [0]
        found = text.find("\n")
        while found >= 0:
            self.line_starts.append(found + 1)
            found = text.find("\n", found + 1)

    def of(self, index: int) -> tuple[dict[str, int], dict[str, int]]:
        """The ``StartPosition`` and ``EndPosition`` of statement ``index`` (line 1, column 2 when unknown)."""
        start, end = self.spans[index] if index < len(self.spans) else (0, 0)
        return self.position(start), self.position(end)

    def position(self, offset: int) -> dict[str, int]:
        """AWS's ``Position`` of a brace: 1-based line; the column one past the brace's 1-based
        column (what AWS answers for a one-line document)."""
        line = bisect_right(self.line_starts, offset)
        return {"Line": line, "Column": offset - self.line_starts[line - 1] + 2}


def context_keys(policies: Iterable[Policy]) -> list[str]:
    """The condition keys and policy variables the policies read, each once (first spelling),
    sorted case-insensitively."""
    found: dict[str, str] = {}
    for policy in policies:
        for st in policy.document.statements:
            names = [c.key for c in st.conditions]
            for pattern in (st.resources or ()) + (st.not_resources or ()):
                names += _variables(pattern)
            for clause in st.conditions:
                names += [v for value in clause.values if isinstance(value, str) for v in _variables(value)]
            for name in names:
                found.setdefault(name.lower(), name)
    return sorted(found.values(), key=str.lower)


def _variables(text: str) -> list[str]:
    """The context keys named by ``${...}`` in ``text`` (``${*}`` and other escapes name none)."""
    return [inner for start, end in variable_spans(text) if ":" in (inner := text[start + 2:end - 1])]
