"""Marker and MaxItems as Lambda's list operations take them, over the store's keyset pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.protocols import ServiceError

from .errors import InvalidParameterValueException

__all__ = ["bad_marker", "page_size"]


def page_size(params: Mapping[str, Any], most: int) -> int:
    """``MaxItems`` (the model has checked it is at least 1), never more than AWS returns per page."""
    return min(int(params.get("MaxItems") or most), most)


def bad_marker() -> ServiceError:
    """A ``Marker`` this server did not hand out (Lamina's wording: AWS's is not recorded)."""
    return InvalidParameterValueException("The marker provided is not valid. Use the NextMarker of a previous "
                                          "response.")
