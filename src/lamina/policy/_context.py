"""The request context as the evaluator reads it: keys looked up case-insensitively, values as strings.

Conversion is lazy and per key, since most statements never look at a condition key: a key is
first tried as the policy spells it, and only on a miss through a lower-cased index.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from ._request import ContextValue

_MULTI = (list, tuple, set, frozenset)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


class Context:
    """Case-insensitive view of a request's condition keys.

    ``values(key, spelled)`` is a tuple of strings (one for a single-valued key), or None when the
    key is absent or an empty list; ``single(key)`` is the value a policy variable may take.
    """

    __slots__ = ("_lower", "_raw", "_seen", "diagnostics")

    def __init__(self, raw: Mapping[str, ContextValue]) -> None:
        self._raw = raw
        self._lower: dict[str, str] | None = None
        self._seen: dict[str, tuple[tuple[str, ...] | None, bool]] | None = None
        self.diagnostics: list[str] | None = None

    def _lookup(self, key: str, spelled: str) -> tuple[tuple[str, ...] | None, bool]:
        """(values, multivalued) of a lower-cased key, memoised for this request."""
        if self._seen is None:
            self._seen = {}
        found = self._seen.get(key)
        if found is not None:
            return found
        raw = self._raw
        value: ContextValue | None
        if spelled in raw:
            value = raw[spelled]
        else:
            if self._lower is None:
                self._lower = {k.lower(): k for k in raw}
            original = self._lower.get(key)
            value = raw[original] if original is not None else None
        if isinstance(value, _MULTI):
            found = (tuple(_text(v) for v in value) or None, True)
        else:
            found = (None if value is None else (_text(value),), False)
        self._seen[key] = found
        return found

    def values(self, key: str, spelled: str = "") -> tuple[str, ...] | None:
        value = self._raw.get(spelled)
        if isinstance(value, str):  # the common case, without the memo
            return (value,)
        return self._lookup(key, spelled or key)[0]

    def single(self, key: str) -> str | None:
        values, multi = self._lookup(key, key)
        return None if values is None or multi else values[0]

    def note(self, message: str) -> None:
        if self.diagnostics is None:
            self.diagnostics = [message]
        elif message not in self.diagnostics:
            self.diagnostics.append(message)
