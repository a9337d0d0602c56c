"""Constraint checks AWS runs on every request before the operation sees it, worded as AWS words them.

The model's ``required``, ``min``/``max`` (string and blob length, collection size, number
range), ``pattern`` and ``enum`` traits are checked; each failure becomes one sentence of
``1 validation error detected: Value 'x' at 'userName' failed to satisfy constraint: Member must
have length less than or equal to 64``. Paths use AWS's spelling: member names with a lower-case
first letter, list elements as ``tags.3.member.value``. Services that do not quote values
(IAM) get ``Value at 'userName' ...`` and enum failures without the value set.

Patterns are Java regular expressions matched against the whole value; ``\\p{L}``-style
classes are expanded and ``\\w``, ``\\d``, ``\\s`` stay ASCII, as in Java. String lengths
count UTF-16 code units, as Java does.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from botocore.model import Shape

from .errors import validation_error
from .models import ServiceSpec
from .shapes import ShapeWalker

__all__ = ["Validator", "compile_pattern", "compile_patterns"]

_COMPOSITE = frozenset(("structure", "list", "map"))


class Validator(ShapeWalker):
    """Checks parsed params against an input shape; one instance per service (it is stateless)."""

    def __init__(self, *, echoes_values: bool = True, code: str = "ValidationError") -> None:
        super().__init__()
        self.echoes_values = echoes_values
        self.code = code
        self._plans: dict[Shape, tuple[tuple[str, str, Shape, bool, Callable[..., Any]], ...]] = {}

    def problems(self, shape: Shape | None, params: Mapping[str, Any]) -> list[str]:
        """Every failed constraint as one AWS sentence, in model member order."""
        out: list[str] = []
        if shape is not None:
            self._structure(shape, params, "", out)
        return out

    def check(self, shape: Shape | None, params: Mapping[str, Any]) -> None:
        """Raise AWS's validation error (``code``) when :meth:`problems` finds any."""
        found = self.problems(shape, params)
        if found:
            raise validation_error(found, self.code)

    # -- walkers: (shape, value, path, out) -------------------------------------------------

    def _structure(self, shape: Shape, value: Mapping[str, Any], path: str, out: list[str]) -> None:
        for name, lowered, member, required, check in self._members(shape):
            child = value.get(name)
            if child is None and not required:
                continue
            child_path = f"{path}.{lowered}" if path else lowered
            if child is None:
                out.append(f"Value null at '{child_path}' failed to satisfy constraint: Member must not be null")
            else:
                check(member, child, child_path, out)

    def _members(self, shape: Shape) -> tuple[tuple[str, str, Shape, bool, Callable[..., Any]], ...]:
        """(name, name as paths spell it, shape, required, checker) of each member, in model order,
        read off botocore's shape once: walking it costs more than checking a short input."""
        plan = self._plans.get(shape)
        if plan is None:
            required = shape.required_members
            plan = self._plans[shape] = tuple((name, _lower_first(name), member, name in required, self.handler(member))
                                              for name, member in shape.members.items())
        return plan

    def _list(self, shape: Shape, value: list[Any], path: str, out: list[str]) -> None:
        self._size(shape, value, len(value), path, out)
        member = shape.member
        if member.type_name in _COMPOSITE:
            for index, item in enumerate(value, 1):
                if item is not None:
                    self.handler(member)(member, item, f"{path}.{index}.member", out)
            return
        if any(item is None or self._scalar_failures(member, item) for item in value):
            rules = [*self._rules(member), "Member must not be null"]
            out.append(self._sentence(shape, value, path, f"Member must satisfy constraint: [{', '.join(rules)}]"))

    def _map(self, shape: Shape, value: Mapping[Any, Any], path: str, out: list[str]) -> None:
        self._size(shape, value, len(value), path, out)
        key_shape, value_shape = shape.key, shape.value
        if any(self._scalar_failures(key_shape, key) for key in value):
            rules = ", ".join(self._rules(key_shape))
            out.append(self._sentence(shape, value, path, f"Map keys must satisfy constraint: [{rules}]"))
        if value_shape.type_name in _COMPOSITE:
            for key, item in value.items():
                self.handler(value_shape)(value_shape, item, f"{path}.{key}", out)
        elif any(self._scalar_failures(value_shape, item) for item in value.values()):
            rules = ", ".join([*self._rules(value_shape), "Member must not be null"])
            out.append(self._sentence(shape, value, path, f"Map value must satisfy constraint: [{rules}]"))

    def _scalar(self, shape: Shape, value: Any, path: str, out: list[str]) -> None:
        for rule in self._scalar_failures(shape, value):
            out.append(self._sentence(shape, value, path, rule))

    _string = _integer = _float = _blob = _boolean = _timestamp = _scalar

    # -- rules --------------------------------------------------------------------------------

    def _scalar_failures(self, shape: Shape, value: Any) -> list[str]:
        """The failed rules of one scalar: pattern, enum, then length or range."""
        meta = shape.metadata
        if not meta:
            return []
        failed: list[str] = []
        kind = shape.type_name
        if kind == "string" and isinstance(value, str):
            pattern = meta.get("pattern")
            if pattern is not None and not _matches(pattern, value):
                failed.append(f"Member must satisfy regular expression pattern: {pattern}")
            enum = meta.get("enum")
            if enum and value not in enum:
                failed.append(self._enum_rule(enum))
            failed.extend(_bounds(meta, _java_length(value), "length"))
        elif kind == "blob" and isinstance(value, bytes | bytearray):
            failed.extend(_bounds(meta, len(value), "length"))
        elif kind in ("integer", "long", "float", "double") and isinstance(value, int | float):
            failed.extend(_bounds(meta, value, "value", decimal=kind in _DECIMAL))
        return failed

    def _size(self, shape: Shape, value: Any, size: int, path: str, out: list[str]) -> None:
        for rule in _bounds(shape.metadata, size, "length"):
            out.append(self._sentence(shape, value, path, rule))

    def _rules(self, shape: Shape) -> list[str]:
        """All rules of a member shape, as AWS lists them for collection elements."""
        meta = shape.metadata
        noun = "value" if shape.type_name in ("integer", "long", "float", "double") else "length"
        decimal = shape.type_name in _DECIMAL
        rules = []
        if "max" in meta:
            rules.append(f"Member must have {noun} less than or equal to {_number(meta['max'], decimal)}")
        if "min" in meta:
            rules.append(f"Member must have {noun} greater than or equal to {_number(meta['min'], decimal)}")
        if "pattern" in meta:
            rules.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
        if meta.get("enum"):
            rules.append(self._enum_rule(meta["enum"]))
        return rules

    def _enum_rule(self, enum: list[str]) -> str:
        if not self.echoes_values:
            return "Member must satisfy enum value set"
        return f"Member must satisfy enum value set: [{', '.join(enum)}]"

    def _sentence(self, shape: Shape, value: Any, path: str, rule: str) -> str:
        if self.echoes_values and not shape.metadata.get("sensitive"):
            return f"Value '{_render(value)}' at '{path}' failed to satisfy constraint: {rule}"
        return f"Value at '{path}' failed to satisfy constraint: {rule}"


def _bounds(meta: Mapping[str, Any], measure: float, noun: str, *, decimal: bool = False) -> list[str]:
    failed = []
    if "min" in meta and measure < meta["min"]:
        failed.append(f"Member must have {noun} greater than or equal to {_number(meta['min'], decimal)}")
    if "max" in meta and measure > meta["max"]:
        failed.append(f"Member must have {noun} less than or equal to {_number(meta['max'], decimal)}")
    return failed


_DECIMAL = frozenset(("float", "double"))


def _number(bound: float, decimal: bool = False) -> str:
    """A bound as Java prints it: ``1.0`` for a double shape's (recorded Lambda answers), ``64`` otherwise."""
    if decimal:
        return str(float(bound))
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _java_length(text: str) -> int:
    """Length in UTF-16 code units: characters outside the BMP count twice, as in Java."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _render(value: Any) -> str:
    """``value`` as Java's ``toString`` shows it in AWS messages (``[a, b]``, ``{k=v}``, ``true``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_render(k)}={_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes | bytearray):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if value is None:
        return "null"
    return str(value)


# -- Java patterns ------------------------------------------------------------------------------

_PROPERTY = re.compile(r"\\p\{(\w+)\}")


def _matches(pattern: str, value: str) -> bool:
    compiled = compile_pattern(pattern)
    return compiled is None or compiled.fullmatch(value) is not None


@functools.cache
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The Python equivalent of a model's Java pattern, or ``None`` if it cannot be expressed."""
    try:
        return re.compile(_translate(pattern), re.ASCII)
    except (re.error, KeyError):
        return None


def compile_patterns(service: ServiceSpec) -> int:
    """Compile every pattern of ``service``'s model now (at start-up), so no request waits for
    the Unicode tables behind ``\\p{L}``; returns how many distinct patterns there are."""
    model = service.model
    patterns = {model.shape_for(name).metadata.get("pattern") for name in model.shape_names}
    for pattern in patterns - {None}:
        compile_pattern(pattern)
    return len(patterns - {None})


def _translate(pattern: str) -> str:
    """Expand ``\\p{..}`` classes into explicit ranges, inside or outside ``[...]``."""
    out: list[str] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            prop = _PROPERTY.match(pattern, index)
            if prop:
                body = _category_class(prop.group(1))
                out.append(body if in_class else f"[{body}]")
                index = prop.end()
                continue
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        out.append(char)
        index += 1
    return "".join(out)


@functools.cache
def _category_class(category: str) -> str:
    """A character-class body with every code point of Unicode category ``category`` (``L``, ``Lu``)."""
    if len(category) not in (1, 2) or not category[0].isupper():
        raise KeyError(category)
    ranges = _category_ranges().get(category)
    if not ranges:
        raise KeyError(category)
    return "".join(f"\\U{start:08x}" if start == end else f"\\U{start:08x}-\\U{end:08x}" for start, end in ranges)


_ASSIGNED = (range(0, 0x323B0), range(0xE0000, 0xE01F0))
"""Where letters, marks, numbers, separators and symbols live; the rest of the code space is
private use or unassigned, so one pass over these finds every range, in a tenth of the time."""


@functools.cache
def _category_ranges() -> dict[str, list[tuple[int, int]]]:
    """Code point ranges per Unicode category (``Lu``) and major category (``L``), in one pass."""
    found: dict[str, list[tuple[int, int]]] = {}

    def close(name: str, start: int, end: int) -> None:
        for key in (name, name[0]):
            ranges = found.setdefault(key, [])
            if ranges and ranges[-1][1] == start - 1:
                ranges[-1] = (ranges[-1][0], end)
            else:
                ranges.append((start, end))

    category = unicodedata.category
    for block in _ASSIGNED:
        start, current = block.start, category(chr(block.start))
        for code in block:
            name = category(chr(code))
            if name != current:
                close(current, start, code - 1)
                start, current = code, name
        close(current, start, block.stop - 1)
    return found
