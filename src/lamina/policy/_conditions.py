"""Condition operators compiled once per clause, then tested against a request's context.

Block semantics (reference_policies_condition-logic-multiple-context-keys-or-values.html and
docs/evaluation-semantics.md): each clause is compiled to a *positive* value test ("does this
request value match one of the policy values?"); negation, ``IfExists``, ``Null`` and the set
qualifiers are applied around it in ``CompiledCondition.test``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ._context import Context
from ._model import ConditionClause
from ._operators import NEGATED, VARIABLE_FAMILIES
from ._values import (
    policy_text,
    read_address,
    read_binary,
    read_bool,
    read_date,
    read_network,
    read_number,
)
from ._variables import Template, parse_template
from ._wildcard import NEVER, Matcher, compile_arn_pattern, compile_pattern, compile_pieces

ValueTest = Callable[[str], bool]
"""A positive test of one request value."""

_POSITIVE = {
    "StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike", "NumericNotEquals": "NumericEquals", "DateNotEquals": "DateEquals",
    "ArnNotEquals": "ArnLike", "ArnNotLike": "ArnLike", "ArnEquals": "ArnLike", "NotIpAddress": "IpAddress",
}
_ORDER = {"Equals": operator.eq, "LessThan": operator.lt, "LessThanEquals": operator.le,
          "GreaterThan": operator.gt, "GreaterThanEquals": operator.ge}


class CompiledCondition:
    """One ``operator: {key: values}`` clause, ready to test."""

    __slots__ = ("_dynamic", "_notes", "_null", "_reader", "_static", "clause", "if_exists", "key", "negated",
                 "qualifier", "spelled")

    def __init__(self, clause: ConditionClause, variables: bool) -> None:
        self.clause = clause
        self.key = clause.key.lower()
        self.spelled = clause.key
        self.negated = clause.base in NEGATED
        self.qualifier = clause.qualifier
        self.if_exists = clause.if_exists
        self._null: frozenset[bool] | None = None
        self._static: ValueTest | None = None
        self._dynamic: tuple[str, tuple[Any, ...]] | None = None
        self._notes = tuple(f"{clause.operator} cannot read {v!r} for {clause.key}; it never matches"
                            for v in unreadable_values(clause))
        self._reader = _request_reader(clause.base)
        if clause.base == "Null":
            self._null = frozenset(read_bool(policy_text(v)) == "true" for v in clause.values
                                   if read_bool(policy_text(v)) is not None)
            return
        positive = _POSITIVE.get(clause.base, clause.base)
        texts = tuple(policy_text(v) for v in clause.values)
        templates = [parse_template(t) for t in texts] if variables and positive in VARIABLE_FAMILIES else []
        if any(templates):
            self._dynamic = (positive, tuple(tpl or text for tpl, text in zip(templates, texts, strict=True)))
        else:
            self._static = _static_test(positive, texts)

    def test(self, ctx: Context) -> bool:
        if self._notes:
            for note in self._notes:
                ctx.note(note)
        values = ctx.values(self.key, self.spelled)
        if self._null is not None:
            return (values is None) in self._null
        if values is None:
            if self.if_exists or self.qualifier == "ForAllValues":
                return True
            return False if self.qualifier == "ForAnyValue" else self.negated
        match = self._static or self._resolve(ctx)
        negated = self.negated
        if self.qualifier:
            if self._reader is not None:
                self._note_unreadable(values, ctx)
            if self.qualifier == "ForAllValues":
                return all(bool(match(v)) != negated for v in values)
            return any(bool(match(v)) != negated for v in values)
        hit = match(values[0]) if len(values) == 1 else any(match(v) for v in values)
        if not hit and self._reader is not None:  # only a value that matched nothing can be unreadable
            self._note_unreadable(values, ctx)
        return not hit if negated else bool(hit)

    def _note_unreadable(self, values: tuple[str, ...], ctx: Context) -> None:
        assert self._reader is not None
        for value in values:
            if self._reader(value) is None:
                ctx.note(f"{self.clause.operator} cannot read the request's {value!r} for {self.clause.key}; "
                         "it never matches")

    def _resolve(self, ctx: Context) -> ValueTest:
        assert self._dynamic is not None
        positive, items = self._dynamic
        matchers: list[Matcher] = []
        for item in items:
            if not isinstance(item, Template):
                matchers.append(_single_matcher(positive, ((True, item),)))
                continue
            pieces = item.resolve(ctx.single)
            if pieces is not None:
                matchers.append(_single_matcher(positive, pieces))
        return lambda value: any(m(value) for m in matchers)


def _single_matcher(positive: str, pieces: tuple[tuple[bool, str], ...]) -> Matcher:
    """A matcher for one (possibly variable-substituted) String or Arn policy value."""
    if positive == "StringLike":
        return compile_pieces(pieces)
    text = "".join(t for _, t in pieces)
    if positive == "StringEquals":
        return text.__eq__
    if positive == "StringEqualsIgnoreCase":
        folded = text.casefold()
        return lambda value: value.casefold() == folded
    return _arn_pieces_matcher(pieces)


def _arn_pieces_matcher(pieces: tuple[tuple[bool, str], ...]) -> Matcher:
    """ArnLike over pieces: split into six parts at colons, keeping literal text literal."""
    parts: list[list[tuple[bool, str]]] = [[]]
    for is_wild, text in pieces:
        chunks = text.split(":")
        for i, chunk in enumerate(chunks):
            if i and len(parts) < 6:
                parts.append([])
            elif i:
                parts[-1].append((False, ":"))
            if chunk:
                parts[-1].append((is_wild, chunk))
    if len(parts) != 6:
        return NEVER
    matchers = [compile_pieces(tuple(p)) if p else "".__eq__ for p in parts]

    def match(value: str) -> bool:
        values = value.split(":", 5)
        return len(values) == 6 and all(m(v) for m, v in zip(matchers, values, strict=True))

    return match


def _static_test(positive: str, texts: tuple[str, ...]) -> ValueTest:
    if positive == "StringEquals":
        return frozenset(texts).__contains__
    if positive == "StringEqualsIgnoreCase":
        folded = frozenset(t.casefold() for t in texts)
        return lambda value: value.casefold() in folded
    if positive in ("StringLike", "ArnLike"):
        compile_one = compile_pattern if positive == "StringLike" else compile_arn_pattern
        matchers = [compile_one(t) for t in texts]
        if len(matchers) == 1:
            only = matchers[0]
            return lambda value: bool(only(value))
        return lambda value: any(m(value) for m in matchers)
    if positive.startswith("Numeric"):
        return _ordered(read_number, _ORDER[positive[len("Numeric"):]], texts)
    if positive.startswith("Date"):
        return _ordered(read_date, _ORDER[positive[len("Date"):]], texts)
    if positive == "Bool":
        wanted = frozenset(b for b in (read_bool(t) for t in texts) if b is not None)
        return lambda value: value.strip().lower() in wanted
    if positive == "BinaryEquals":
        blobs = frozenset(b for b in (read_binary(t) for t in texts) if b is not None)
        return lambda value: read_binary(value) in blobs
    if positive == "IpAddress":
        networks = [n for n in (read_network(t) for t in texts) if n is not None]

        def in_network(value: str) -> bool:
            address = read_address(value)
            return address is not None and any(address in n for n in networks)

        return in_network
    raise ValueError(f"unknown condition operator {positive}")  # the parser refuses these first


def _ordered(read: Callable[[str], Decimal | float | None], compare: Callable[[Any, Any], bool],
             texts: tuple[str, ...]) -> ValueTest:
    bounds = [b for b in (read(t) for t in texts) if b is not None]
    if len(bounds) == 1:
        bound = bounds[0]
        return lambda value: (number := read(value)) is not None and compare(number, bound)

    def test(value: str) -> bool:
        number = read(value)
        return number is not None and any(compare(number, b) for b in bounds)

    return test


def _request_reader(base: str) -> Callable[[str], object] | None:
    """How a request value is read for this operator's family (None: any text will do)."""
    base = _POSITIVE.get(base, base)
    if base.startswith("Numeric"):
        return read_number
    if base.startswith("Date"):
        return read_date
    readers: dict[str, Callable[[str], object]] = {"Bool": read_bool, "BinaryEquals": read_binary,
                                                   "IpAddress": read_address}
    return readers.get(base)


def unreadable_values(clause: ConditionClause) -> list[str]:
    """Policy values this clause cannot read for its family (shown as diagnostics and findings)."""
    base = _POSITIVE.get(clause.base, clause.base)
    readers: dict[str, Callable[[str], object]] = {"Bool": read_bool, "BinaryEquals": read_binary,
                                                   "IpAddress": read_network, "Null": read_bool}
    if base.startswith("Numeric"):
        reader: Callable[[str], object] | None = read_number
    elif base.startswith("Date"):
        reader = read_date
    else:
        reader = readers.get(base)
    if reader is None:
        return []
    return [policy_text(v) for v in clause.values if reader(policy_text(v)) is None]
