"""What every protocol shares: the shape walker and the wire forms of timestamps.

A walker is a class with one method per shape type (``_structure``, ``_list``, ``_map``,
``_string``, ...). :class:`ShapeWalker` binds them once into a dict keyed by botocore's
``shape.type_name`` (``long`` goes to ``_integer``, ``double`` to ``_float``), so each step of a
recursion is one dict lookup. The query parser, the query serializer and the validator are
walkers; a REST-JSON parser and serializer plug in the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from botocore.model import Shape

__all__ = ["ShapeWalker", "format_timestamp", "parse_timestamp"]

_TYPE_NAMES = ("structure", "list", "map", "string", "integer", "float", "boolean", "timestamp", "blob")
_ALIASES = {"long": "integer", "double": "float", "character": "string"}


class ShapeWalker:
    """Base class dispatching on ``shape.type_name`` to the subclass's ``_<type>`` methods."""

    def __init__(self) -> None:
        self._dispatch: dict[str, Callable[..., Any]] = {}
        for type_name in (*_TYPE_NAMES, *_ALIASES):
            method = getattr(self, "_" + _ALIASES.get(type_name, type_name), None)
            if method is not None:
                self._dispatch[type_name] = method

    def handler(self, shape: Shape) -> Callable[..., Any]:
        """The method for ``shape``'s type; :meth:`_unknown` for types the walker does not handle."""
        return self._dispatch.get(shape.type_name, self._unknown)

    def _unknown(self, shape: Shape, *args: Any) -> Any:
        raise TypeError(f"{type(self).__name__} cannot handle shape type {shape.type_name!r}")


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _as_utc(value: dt.datetime | float | int | str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, int | float):
        return _EPOCH + dt.timedelta(seconds=value)
    return parse_timestamp(value)


def format_timestamp(value: dt.datetime | float | int | str, fmt: str = "iso8601") -> str:
    """``value`` in a model ``timestampFormat``; naive datetimes are taken as UTC.

    ISO 8601 carries milliseconds only when there are some (``2024-05-01T12:00:00Z``,
    ``2024-05-01T12:00:00.250Z``), as AWS writes them.
    """
    moment = _as_utc(value)
    if fmt == "unixTimestamp":
        seconds = (moment - _EPOCH).total_seconds()
        return str(int(seconds)) if seconds.is_integer() else f"{seconds:.3f}"
    if fmt == "rfc822":
        return format_datetime(moment, usegmt=True)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = moment.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def parse_timestamp(text: str) -> dt.datetime:
    """An aware UTC datetime from ISO 8601, epoch seconds or RFC 822 text; ``ValueError`` otherwise."""
    text = text.strip()
    try:
        return _EPOCH + dt.timedelta(seconds=float(text))
    except OverflowError as exc:
        raise ValueError(f"not a timestamp: {text!r}") from exc
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError) as exc:
            raise ValueError(f"not a timestamp: {text!r}") from exc
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
