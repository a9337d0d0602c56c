"""What every protocol's serializer gives back (:class:`Response`) and the one entry point they share.

A serializer turns an operation's result, or a :class:`ServiceError`, into status, headers and
body bytes: plain data, no web framework. Each protocol implements ``serialize_result`` and
``serialize_error``; :meth:`Serializer.serialize` picks between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.model import OperationModel

from .errors import ServiceError
from .shapes import ShapeWalker

__all__ = ["Response", "Serializer"]


@dataclass(frozen=True, slots=True)
class Response:
    """A serialized answer: HTTP status, headers and body bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Serializer(ShapeWalker):
    """A protocol's response writer: results and errors of one service."""

    def serialize(
        self, operation: OperationModel | str, result: Mapping[str, Any] | ServiceError | None, request_id: str
    ) -> Response:
        """The response to ``operation``: its result (a dict shaped like the output) or an error."""
        if isinstance(result, ServiceError):
            return self.serialize_error(result, request_id)
        return self.serialize_result(operation, result, request_id)

    def serialize_result(
        self, operation: OperationModel | str, result: Mapping[str, Any] | None, request_id: str
    ) -> Response:
        raise NotImplementedError

    def serialize_error(self, error: ServiceError, request_id: str) -> Response:
        raise NotImplementedError
