"""The AWS JSON 1.1 protocol (CloudWatch Logs): ``POST /``, the operation in ``X-Amz-Target``, a JSON body.

::

    JsonParser.parse(headers, body)   X-Amz-Target: Logs_20140328.GetLogEvents
        ─► (OperationModel GetLogEvents, {"logGroupName": "/aws/lambda/f", "logStreamName": "s"})
    JsonSerializer.serialize(operation, result | ServiceError, request_id) ─► Response(status, headers, body)

The body is the input structure itself: every member is a key of one JSON object (its
``locationName``, else the member name), read by the same walker as REST-JSON's body
(:mod:`~lamina.protocols.rest_json`); results are written by REST-JSON's value walkers too, since
JSON 1.1 is REST-JSON's body without the HTTP bindings. Content type ``application/x-amz-json-1.1``.

An error is its status and ``{"__type": "<Code>", "message": "..."}`` (plus the error shape's other
members), which botocore reads as the code and message::

    HTTP/1.1 400
    {"__type": "ResourceNotFoundException", "message": "The specified log group does not exist."}

A request with no ``X-Amz-Target``, or one naming an operation the model lacks, gets
``UnknownOperationException`` (400); a body that is not a JSON object ``SerializationException``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.model import OperationModel

from .errors import ServiceError
from .models import ServiceSpec
from .rest_json import RestJsonSerializer, _dump, _json_object, _JsonReader
from .serializer import Response
from .validation import Validator

__all__ = ["CONTENT_TYPE", "TARGET_HEADER", "JsonParser", "JsonSerializer", "unknown_target"]

CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_HEADER = "x-amz-target"

Headers = Sequence[tuple[str, str]]


def _header(headers: Headers, name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


def unknown_target(target: str | None) -> ServiceError:
    """No ``X-Amz-Target``, or one the service does not have: AWS's ``UnknownOperationException``."""
    detail = f"the operation {target!r} is not one of this service's" if target else "no X-Amz-Target header"
    return ServiceError("UnknownOperationException", f"Unknown operation: {detail}.", 400)


class JsonParser:
    """Turns a JSON 1.1 request (its headers and body) into ``(OperationModel, params)`` for one service."""

    def __init__(self, service: ServiceSpec) -> None:
        self.service = service
        self.target_prefix = f"{service.model.metadata['targetPrefix']}."
        self.validator = Validator(echoes_values=service.echoes_values, code=service.validation_code)
        self._json = _JsonReader(service)

    def operation_of(self, headers: Headers) -> OperationModel:
        """The operation ``X-Amz-Target`` names (``Logs_20140328.GetLogEvents``); ``UnknownOperationException`` else."""
        target = _header(headers, TARGET_HEADER)
        prefix, dot, name = (target or "").partition(".")
        operation = self.service.operation(name) if dot and f"{prefix}." == self.target_prefix else None
        if operation is None:
            raise unknown_target(target)
        return operation

    def parse(self, headers: Headers, body: bytes, *, validate: bool = True) -> tuple[OperationModel, dict[str, Any]]:
        """Operation and params; ``validate=False`` leaves the model's constraints to :meth:`validate`."""
        operation = self.operation_of(headers)
        params: dict[str, Any] = {}
        if operation.input_shape is not None:
            params = self._json.structure(operation.input_shape, _json_object(self.service, body), "")
        if validate:
            self.validate(operation, params)
        return operation, params

    def validate(self, operation: OperationModel, params: Mapping[str, Any]) -> None:
        """Raise the service's validation error if ``params`` break the input shape's constraints."""
        self.validator.check(operation.input_shape, params)


class JsonSerializer(RestJsonSerializer):
    """Writes results and errors of one service as JSON 1.1 (REST-JSON's value walkers, no HTTP bindings)."""

    CONTENT_TYPE = CONTENT_TYPE

    def serialize_result(
        self, operation: OperationModel | str, result: Mapping[str, Any] | None, request_id: str
    ) -> Response:
        """200 and the output structure as the body; an operation without output has an empty body."""
        shape = self._operation(operation).output_shape
        headers = {"x-amzn-RequestId": request_id}
        if shape is None:
            return Response(200, headers, b"")
        headers["Content-Type"] = CONTENT_TYPE
        return Response(200, headers, _dump(self._structure(shape, result or {})))

    def serialize_error(self, error: ServiceError, request_id: str) -> Response:
        """``{"__type": code, "message": ...}`` and the error shape's other members, at the error's status."""
        spec = self.service.error_for_code(error.code)
        shape = None if spec is None else self.service.model.shape_for(spec.shape_name)
        body: dict[str, Any] = {"__type": error.code, "message": error.message}
        for name, value in error.fields.items():
            member = None if shape is None else shape.members.get(name)
            body[name] = value if member is None else self.handler(member)(member, value)
        headers = {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": request_id}
        return Response(error.status, headers, _dump(body))
