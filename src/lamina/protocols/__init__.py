"""Lamina's protocol layer: botocore's service models turned into request parsers and response serializers.

Plain data in and out, no web framework::

    parser = parser_for("iam")
    operation, params = parser.parse(decode_form(body, query_string))      # or raises ServiceError
    response = serializer_for("iam").serialize(operation, result_or_error, request_id)
    response.status, response.headers, response.body

One module per protocol (``query`` today, ``rest-json`` for Lambda next), each a pair of
:class:`~lamina.protocols.shapes.ShapeWalker` subclasses registered in :data:`PROTOCOLS`.
Parsers and serializers are built once per service and cached.
"""

from __future__ import annotations

import functools

from . import rest_json
from .errors import ServiceError, invalid_action, missing_action, modeled_error, validation_error
from .models import SERVICES, ErrorSpec, ServiceSpec, load_service
from .query import QueryParser, QuerySerializer, Response, decode_form
from .validation import Validator

__all__ = [
    "PROTOCOLS",
    "SERVICES",
    "ErrorSpec",
    "Parser",
    "QueryParser",
    "QuerySerializer",
    "Response",
    "Serializer",
    "ServiceError",
    "ServiceSpec",
    "Validator",
    "decode_form",
    "invalid_action",
    "load_service",
    "missing_action",
    "modeled_error",
    "parser_for",
    "rest_json",
    "serializer_for",
    "validation_error",
]

Parser = QueryParser
"""Any protocol's request parser (widened to a union when REST-JSON arrives)."""
Serializer = QuerySerializer
"""Any protocol's response serializer."""

PROTOCOLS: dict[str, tuple[type[Parser], type[Serializer]]] = {
    "query": (QueryParser, QuerySerializer),
}
"""Model ``metadata.protocol`` → (parser class, serializer class)."""


def _classes(service: ServiceSpec) -> tuple[type[Parser], type[Serializer]]:
    try:
        return PROTOCOLS[service.protocol]
    except KeyError:
        raise NotImplementedError(f"no {service.protocol!r} protocol yet (service {service.name})") from None


@functools.cache
def parser_for(service_name: str) -> Parser:
    """The cached request parser of ``service_name`` (a :class:`QueryParser` for iam and sts)."""
    service = load_service(service_name)
    return _classes(service)[0](service)


@functools.cache
def serializer_for(service_name: str) -> Serializer:
    """The cached response serializer of ``service_name`` (a :class:`QuerySerializer` for iam and sts)."""
    service = load_service(service_name)
    return _classes(service)[1](service)
