"""Lamina's protocol layer: botocore's service models turned into request parsers and response serializers.

Plain data in and out, no web framework::

    operation, params = parser_for("iam").parse(decode_form(body, query_string))   # or raises ServiceError
    operation, params = parser_for("lambda").parse(method, raw_path, query_string, headers, body)
    operation, params = parser_for("logs").parse(headers, body)
    response = serializer_for(service).serialize(operation, result_or_error, request_id)
    response.status, response.headers, response.body

One module per protocol (``query`` for IAM and STS, ``rest_json`` for Lambda, ``json_rpc`` (JSON 1.1)
for CloudWatch Logs), each a pair of
:class:`~lamina.protocols.shapes.ShapeWalker` subclasses registered in :data:`PROTOCOLS`.
Parsers and serializers are built once per service and cached.
"""

from __future__ import annotations

import functools
from typing import Any, Literal, overload

from . import json_rpc, rest_json
from .errors import ServiceError, error_type, invalid_action, missing_action, modeled_error, validation_error
from .json_rpc import JsonParser, JsonSerializer
from .models import SERVICES, ErrorSpec, ServiceSpec, load_service
from .query import QueryParser, QuerySerializer, Response, decode_form
from .rest_json import RestJsonParser, RestJsonSerializer
from .validation import Validator

__all__ = [
    "PROTOCOLS",
    "SERVICES",
    "ErrorSpec",
    "JsonParser",
    "JsonSerializer",
    "Parser",
    "QueryParser",
    "QuerySerializer",
    "Response",
    "RestJsonParser",
    "RestJsonSerializer",
    "Serializer",
    "ServiceError",
    "ServiceSpec",
    "Validator",
    "decode_form",
    "error_type",
    "invalid_action",
    "json_rpc",
    "load_service",
    "missing_action",
    "modeled_error",
    "parser_for",
    "rest_json",
    "serializer_for",
    "validation_error",
]

Parser = QueryParser | RestJsonParser | JsonParser
"""Any protocol's request parser (their ``parse`` signatures differ: a form, the HTTP parts, or headers and body)."""
Serializer = QuerySerializer | RestJsonSerializer | JsonSerializer
"""Any protocol's response serializer (``serialize``, ``serialize_result``, ``serialize_error``)."""

PROTOCOLS: dict[str, tuple[type[Parser], type[Serializer]]] = {
    "query": (QueryParser, QuerySerializer),
    "rest-json": (RestJsonParser, RestJsonSerializer),
    "json": (JsonParser, JsonSerializer),
}
"""Model ``metadata.protocol`` → (parser class, serializer class)."""


def _classes(service: ServiceSpec) -> tuple[type[Parser], type[Serializer]]:
    try:
        return PROTOCOLS[service.protocol]
    except KeyError:
        raise NotImplementedError(f"no {service.protocol!r} protocol yet (service {service.name})") from None


# A name only known at run time types as Any: the two parsers' ``parse`` take different arguments
# (a form, or the HTTP parts), and a caller already knows which protocol it speaks.
@overload
def parser_for(service_name: Literal["iam", "sts"]) -> QueryParser: ...
@overload
def parser_for(service_name: Literal["lambda"]) -> RestJsonParser: ...
@overload
def parser_for(service_name: Literal["logs"]) -> JsonParser: ...
@overload
def parser_for(service_name: str) -> Any: ...


@functools.cache
def parser_for(service_name: str) -> Parser:
    """The cached request parser of ``service_name`` (:class:`QueryParser` for iam and sts,
    :class:`RestJsonParser` for lambda, :class:`JsonParser` for logs)."""
    service = load_service(service_name)
    return _classes(service)[0](service)



@functools.cache
def serializer_for(service_name: str) -> Serializer:
    """The cached response serializer of ``service_name`` (:class:`QuerySerializer` for iam and sts,
    :class:`RestJsonSerializer` for lambda)."""
    service = load_service(service_name)
    return _classes(service)[1](service)
