"""The REST-JSON protocol (Lambda): HTTP method, path, query, headers and a JSON body, both ways.

::

    RestJsonParser.parse(method, raw_path, query_string, headers, body)
        ─► (OperationModel CreateAlias, {"FunctionName": "f", "Name": "live", "FunctionVersion": "1"})
    RestJsonSerializer.serialize(operation, result | ServiceError, request_id) ─► Response(status, headers, body)

The operation comes from the route (:mod:`~lamina.protocols.routes`); each input member is then
read from where its ``location`` puts it: ``uri`` (a path label), ``querystring``, ``header``,
``headers`` (a header-name prefix), the ``payload`` member (raw bytes for a blob, the JSON body for
a structure), or, with no location, a key of the JSON body. Text locations and the JSON body are
walked by two :class:`~lamina.protocols.shapes.ShapeWalker` subclasses; the serializer is a third.

An error is the HTTP status, ``x-amzn-ErrorType: <Code>`` and a JSON body with ``Type`` (``User``
for the sender's fault, ``Service`` for the receiver's), the message under the name the error shape
gives it (``message`` or ``Message``) and the shape's other members, as Lambda answers::

    HTTP/1.1 429
    x-amzn-ErrorType: TooManyRequestsException
    {"Type": "User", "message": "Rate Exceeded.", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from botocore.model import OperationModel, Shape

from . import event_stream
from .errors import ServiceError, error_type, validation_error
from .models import ServiceSpec, load_service
from .routes import RouteMatch, Router, router_for
from .serializer import Response, Serializer
from .shapes import ShapeWalker, format_timestamp, parse_timestamp
from .validation import Validator

__all__ = [
    "CONTENT_TYPE",
    "Encoded",
    "RestJsonParser",
    "RestJsonSerializer",
    "invalid_content",
    "serialize_error",
    "unknown_operation",
]

CONTENT_TYPE = "application/json"

Headers = Sequence[tuple[str, str]]
"""Request headers as (name, value) pairs; names are matched case-insensitively."""

_QUERY_TIME, _HEADER_TIME, _BODY_TIME = "iso8601", "rfc822", "unixTimestamp"
"""Default ``timestampFormat`` of each place a timestamp can travel, as botocore writes them."""
_BodyMember = tuple[str, str, Shape, Callable[..., Any], type | None]
"""A structure member written in the JSON body: (name, wire name, shape, the walker's writer, and
the Python type a value may have to be written as it is, which is what the writer would give)."""
PRESENT_PLANS = 4096
"""How many (shape, set of keys) forms of an answer the serializer remembers the members of."""
_AS_IS = {"string": str, "character": str, "integer": int, "long": int, "boolean": bool}
"""Scalar shapes whose writer (``str``, ``int``, ``bool``) returns a value of exactly that type unchanged."""


# -- parsing ------------------------------------------------------------------------------------


class RestJsonParser:
    """Turns a REST-JSON request into ``(OperationModel, params)`` for one service."""

    def __init__(self, service: ServiceSpec, router: Router | None = None) -> None:
        self.service = service
        self.router: Router = router or router_for(service.name)
        self.validator = Validator(echoes_values=service.echoes_values, code=service.validation_code)
        self._text = _TextReader(service)
        self._json = _JsonReader(service)
        self._plans: dict[str, _InputPlan] = {}

    def parse(
        self,
        method: str,
        raw_path: str,
        query_string: str,
        headers: Headers,
        body: bytes,
        *,
        validate: bool = True,
        match: RouteMatch | None = None,
    ) -> tuple[OperationModel, dict[str, Any]]:
        """Operation and params of a request; ``ServiceError`` for an unknown route or bad input.

        With ``validate=False`` only the wire form is checked; call :meth:`validate` later (for
        example after authentication, so unsigned callers learn nothing about the input rules).
        ``match`` is the router's answer for this method, path and query when the caller has it.
        """
        match = match or self.router.match(method, raw_path, query_string)
        operation = None if match is None else self.service.operation(match.operation)
        if match is None or operation is None:
            raise unknown_operation(self.service, method, raw_path)
        params: dict[str, Any] = {}
        shape = operation.input_shape
        if shape is not None:
            query = parse_qsl(query_string, keep_blank_values=True) if query_string else []
            request = _Request(match.labels, query, headers, body)
            params = self._members(operation, shape, request)
        if validate:
            self.validate(operation, params)
        return operation, params

    def validate(self, operation: OperationModel, params: Mapping[str, Any]) -> None:
        """Raise the service's validation error if ``params`` break the input shape's constraints."""
        self.validator.check(operation.input_shape, params)

    def _members(self, operation: OperationModel, shape: Shape, request: _Request) -> dict[str, Any]:
        params: dict[str, Any] = {}
        plan = self._plan(operation, shape)
        for name, member, location, wire, path in plan.members:
            if location is None:
                value = self._payload(member, request.body, name)
            else:
                value = self._located(member, location, wire, path, request, plan.claimed)
            if value is not None:
                params[name] = value
        if plan.json_body:
            params.update(self._json.structure(shape, _json_object(self.service, request.body), ""))
        return params

    def _plan(self, operation: OperationModel, shape: Shape) -> _InputPlan:
        """Where each member of ``shape`` travels, read off the model once per operation."""
        plan = self._plans.get(operation.name)
        if plan is None or plan.shape is not shape:
            plan = self._plans[operation.name] = _InputPlan.of(operation, shape)
        return plan

    def _located(self, member: Shape, location: str, wire: str, path: str, request: _Request,
                 claimed: frozenset[str]) -> Any:
        if location == "uri":
            text = request.labels.get(wire)
            return None if text is None else self._text.read(member, text, path, _QUERY_TIME)
        if location == "querystring":
            return self._query(member, wire, path, request, claimed)
        if location == "header":
            text = request.header(wire)
            return None if text is None else self._header(member, text, path)
        if location == "headers":
            found = request.prefixed(wire)
            return found or None
        return None

    def _query(self, member: Shape, wire: str, path: str, request: _Request, claimed: frozenset[str]) -> Any:
        if member.type_name == "map":
            return self._query_map(member, request, claimed, path)
        values = [value for key, value in request.query if key == wire]
        if not values:
            return None
        if member.type_name == "list":
            return [self._text.read(member.member, value, path, _QUERY_TIME) for value in values]
        return self._text.read(member, values[0], path, _QUERY_TIME)

    def _query_map(self, member: Shape, request: _Request, claimed: frozenset[str], path: str) -> dict[str, Any] | None:
        """A map bound to the query string takes every parameter no other member names."""
        value_shape = member.value
        found: dict[str, Any] = {}
        for key, text in request.query:
            if key in claimed:
                continue
            if value_shape.type_name == "list":
                found.setdefault(key, []).append(self._text.read(value_shape.member, text, path, _QUERY_TIME))
            else:
                found.setdefault(key, self._text.read(value_shape, text, path, _QUERY_TIME))
        return found or None

    def _header(self, member: Shape, text: str, path: str) -> Any:
        if member.type_name == "list":
            return [self._text.read(member.member, item, path, _HEADER_TIME) for item in _split_header_list(text)]
        if member.type_name == "string" and member.serialization.get("jsonvalue"):
            return _json_header(self.service, text, path)
        return self._text.read(member, text, path, _HEADER_TIME)

    def _payload(self, member: Shape, body: bytes, name: str) -> Any:
        if member.type_name == "blob":
            return body or None
        if member.type_name == "string":
            return body.decode("utf-8", "replace") or None
        if not body.strip():
            return None
        return self._json.structure(member, _json_object(self.service, body), _lower_first(name))


class _Request:
    """The parts of one request the members are read from; the headers are indexed on first use
    (most operations read none: GetFunction takes a path label and a query parameter)."""

    __slots__ = ("_headers", "_raw_headers", "body", "labels", "query")

    def __init__(self, labels: Mapping[str, str], query: list[tuple[str, str]], headers: Headers, body: bytes):
        self.labels = labels
        self.query = query
        self.body = body
        self._raw_headers = headers
        self._headers: dict[str, tuple[str, str]] | None = None

    @property
    def headers(self) -> dict[str, tuple[str, str]]:
        """Lower-case name → (the name as sent, every value joined with commas)."""
        if self._headers is None:
            self._headers = {}
            for name, value in self._raw_headers:
                key = name.lower()
                previous = self._headers.get(key)
                self._headers[key] = (name, value if previous is None else f"{previous[1]},{value}")
        return self._headers

    def header(self, name: str) -> str | None:
        found = self.headers.get(name.lower())
        return None if found is None else found[1]

    def prefixed(self, prefix: str) -> dict[str, str]:
        """Headers starting with ``prefix`` (any case), keyed by the rest of their name."""
        low = prefix.lower()
        return {name[len(prefix) :]: value for key, (name, value) in self.headers.items() if key.startswith(low)}


@dataclass(frozen=True, slots=True)
class _InputPlan:
    """An operation's input members by where they travel: walking botocore's shapes on every
    request costs more than reading the request."""

    shape: Shape
    members: tuple[tuple[str, Shape, str | None, str, str], ...]
    """(name, shape, location, wire name, path in error messages) of the members outside the JSON
    body, in model order; the payload member has location None."""
    claimed: frozenset[str]
    """Query names a member or the route takes (a query map gets the rest)."""
    json_body: bool
    """Members without a location are read from the JSON body (there is no payload member)."""

    @classmethod
    def of(cls, operation: OperationModel, shape: Shape) -> _InputPlan:
        payload = shape.serialization.get("payload")
        members = tuple((name, member, None if name == payload else _location(member),
                         member.serialization.get("name", name), _lower_first(name))
                        for name, member in shape.members.items() if name == payload or _location(member) is not None)
        json_body = payload is None and any(_location(m) is None for m in shape.members.values())
        return cls(shape, members, frozenset(_claimed_query_names(operation, shape)), json_body)


def _claimed_query_names(operation: OperationModel, shape: Shape) -> set[str]:
    """Query names a member or the route itself (``?find=LayerVersion``) takes; a query map gets the rest."""
    pinned = {key for key, _ in parse_qsl(operation.http["requestUri"].partition("?")[2], keep_blank_values=True)}
    members = shape.members.items()
    return pinned | {m.serialization.get("name", n) for n, m in members if _location(m) == "querystring"}


def _location(member: Shape) -> str | None:
    location = member.serialization.get("location")
    return None if location is None else str(location)


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


_HEADER_ITEM = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*?))\s*(?:,|$)')


def _split_header_list(text: str) -> list[str]:
    """A comma-separated header list; items with commas or quotes come quoted, as botocore writes them."""
    items: list[str] = []
    for match in _HEADER_ITEM.finditer(text):
        if match.start() == len(text) and items:
            break
        quoted, plain = match.groups()
        items.append(re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else plain)
    return items


def _json_header(service: ServiceSpec, text: str, path: str) -> Any:
    """A ``jsonvalue`` header: base64 of JSON text."""
    try:
        return json.loads(base64.b64decode(text, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError):
        raise _malformed(service, text, path, "base64-encoded JSON") from None


def _json_object(service: ServiceSpec, body: bytes) -> dict[str, Any]:
    """The JSON body as an object; an empty body is ``{}``."""
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except UnicodeDecodeError as error:
        raise invalid_content(service, f"Invalid UTF-8 byte 0x{body[error.start]:02x}") from None
    except (ValueError, RecursionError) as error:
        raise invalid_content(service, str(error)) from None
    if not isinstance(parsed, dict):
        raise invalid_content(service, f"expected a JSON object, not {_json_kind(parsed)}")
    return parsed


class _TextReader(ShapeWalker):
    """Scalars written as text (path labels, query parameters, headers): (shape, text, path, time format)."""

    def __init__(self, service: ServiceSpec) -> None:
        super().__init__()
        self.service = service

    def read(self, shape: Shape, text: str, path: str, time_format: str) -> Any:
        return self.handler(shape)(shape, text, path, time_format)

    def _string(self, shape: Shape, text: str, path: str, time_format: str) -> str:
        return text

    def _integer(self, shape: Shape, text: str, path: str, time_format: str) -> int:
        if _INTEGER.fullmatch(text) is None or not _in_range(shape, int(text)):
            raise _malformed(self.service, text, path, _INTEGER_KINDS[shape.type_name])
        return int(text)

    def _float(self, shape: Shape, text: str, path: str, time_format: str) -> float:
        try:
            if "_" in text:
                raise ValueError(text)
            return float(text)
        except ValueError:
            raise _malformed(self.service, text, path, "a number") from None

    def _boolean(self, shape: Shape, text: str, path: str, time_format: str) -> bool:
        if text.lower() not in ("true", "false"):
            raise _malformed(self.service, text, path, "a boolean")
        return text.lower() == "true"

    def _timestamp(self, shape: Shape, text: str, path: str, time_format: str) -> dt.datetime:
        try:
            return parse_timestamp(text)
        except ValueError:
            raise _malformed(self.service, text, path, "a timestamp") from None

    def _blob(self, shape: Shape, text: str, path: str, time_format: str) -> bytes:
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise _malformed(self.service, text, path, "base64-encoded") from None


_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")
_INTEGER_KINDS = {"integer": "a 32-bit integer", "long": "a 64-bit integer"}
_BITS = {"integer": 31, "long": 63}


def _in_range(shape: Shape, value: int) -> bool:
    """Java's int and long: AWS refuses what they cannot hold, and so does the store."""
    limit = 1 << _BITS[shape.type_name]
    return -limit <= value < limit


class _JsonReader(ShapeWalker):
    """Values of the decoded JSON body, checked against their shapes: (shape, value, path) -> value."""

    def __init__(self, service: ServiceSpec) -> None:
        super().__init__()
        self.service = service

    def structure(self, shape: Shape, value: Mapping[str, Any], path: str) -> dict[str, Any]:
        """The body members of ``shape`` (those without a location) found in ``value``."""
        parsed: dict[str, Any] = {}
        for name, member in shape.members.items():
            if _location(member) is not None:
                continue
            item = value.get(member.serialization.get("name", name))
            if item is not None:
                child = f"{path}.{_lower_first(name)}" if path else _lower_first(name)
                parsed[name] = self.handler(member)(member, item, child)
        return parsed

    def _structure(self, shape: Shape, value: Any, path: str) -> dict[str, Any]:
        return self.structure(shape, self._expect(value, dict, path, "an object"), path)

    def _list(self, shape: Shape, value: Any, path: str) -> list[Any]:
        member, read = shape.member, self.handler(shape.member)
        items = self._expect(value, list, path, "an array")
        return [None if item is None else read(member, item, f"{path}.{index}") for index, item in enumerate(items, 1)]

    def _map(self, shape: Shape, value: Any, path: str) -> dict[str, Any]:
        value_shape, read = shape.value, self.handler(shape.value)
        entries = self._expect(value, dict, path, "an object")
        return {
            key: None if item is None else read(value_shape, item, f"{path}.{key}") for key, item in entries.items()
        }

    def _string(self, shape: Shape, value: Any, path: str) -> str:
        return self._expect(value, str, path, "a string")  # type: ignore[no-any-return]

    def _integer(self, shape: Shape, value: Any, path: str) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not _in_range(shape, value):
            raise _mistyped(self.service, value, path, _INTEGER_KINDS[shape.type_name])
        return value

    def _float(self, shape: Shape, value: Any, path: str) -> float:
        if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
            return float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _mistyped(self.service, value, path, "a number")
        return float(value)

    def _boolean(self, shape: Shape, value: Any, path: str) -> bool:
        return self._expect(value, bool, path, "a boolean")  # type: ignore[no-any-return]

    def _timestamp(self, shape: Shape, value: Any, path: str) -> dt.datetime:
        try:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return parse_timestamp(repr(value))
            if isinstance(value, str):
                return parse_timestamp(value)
        except ValueError:
            pass
        raise _mistyped(self.service, value, path, "a timestamp")

    def _blob(self, shape: Shape, value: Any, path: str) -> bytes:
        try:
            return base64.b64decode(self._expect(value, str, path, "a base64 string"), validate=True)
        except (binascii.Error, ValueError):
            raise _mistyped(self.service, value, path, "a base64 string") from None

    def _expect(self, value: Any, kind: type, path: str, expected: str) -> Any:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise _mistyped(self.service, value, path, expected)
        return value


def _json_kind(value: Any) -> str:
    names = {bool: "a boolean", str: "a string", list: "an array", dict: "an object", type(None): "null"}
    return names.get(type(value), "a number")


def invalid_content(service: ServiceSpec, detail: str) -> ServiceError:
    """A body that is not the JSON the operation takes: Lambda's ``InvalidRequestContentException`` (400).

    Recorded Lambda answers read ``Could not parse request body into json: <parser's detail>``.
    """
    message = f"Could not parse request body into json: {detail}"
    if "InvalidRequestContentException" in service.errors:
        return error_type(service.name, "InvalidRequestContentException")(message)
    return ServiceError("SerializationException", message)


def _mistyped(service: ServiceSpec, value: Any, path: str, expected: str) -> ServiceError:
    """A JSON value of the wrong type (never sent by an SDK). Wording is Lamina's own."""
    return invalid_content(service, f"Cannot read {_json_kind(value)} as {expected} at '{path}'")


def _malformed(service: ServiceSpec, text: str, path: str, expected: str) -> ServiceError:
    """A label, query parameter or header that is not of its member's type. Wording is Lamina's own."""
    problem = f"Value '{text}' at '{path}' failed to satisfy constraint: Member must be {expected}"
    return validation_error([problem], service.validation_code)


def unknown_operation(service: ServiceSpec, method: str, raw_path: str) -> ServiceError:
    """A request no route of ``service`` fits (404, as the server words it for unknown paths)."""
    service_id = service.model.metadata.get("serviceId", service.name)
    return ServiceError(
        "UnknownOperationException",
        f"No Lamina API answers {method} {raw_path}. {service_id} answers the method and path of one of "
        "its operations, as the AWS SDKs send them.",
        404,
    )


# -- serializing --------------------------------------------------------------------------------


class RestJsonSerializer(Serializer):
    """Writes results and errors of one service as REST-JSON: status, headers and a JSON (or raw) body."""

    CONTENT_TYPE = CONTENT_TYPE

    def __init__(self, service: ServiceSpec) -> None:
        super().__init__()
        self.service = service
        self._body_plans: dict[Shape, tuple[_BodyMember, ...]] = {}
        self._present_plans: dict[tuple[Any, ...], tuple[_BodyMember, ...]] = {}
        self._located_plans: dict[Shape, tuple[tuple[str, str, str, Shape], ...]] = {}
        self._key_plans: dict[Shape, dict[str, bytes]] = {}

    def serialize_result(
        self, operation: OperationModel | str, result: Mapping[str, Any] | None, request_id: str
    ) -> Response:
        """The model's ``responseCode`` (or a ``statusCode`` member), header members, and the body."""
        operation = self._operation(operation)
        status = int(operation.http.get("responseCode", 200))
        headers = {"x-amzn-RequestId": request_id}
        shape, result = operation.output_shape, result or {}
        if shape is None or status == 204:
            return Response(status, headers, b"")
        status = self._out_of_body(shape, result, headers, status)
        body = self._body(shape, result, headers)
        return Response(status, headers, body)

    def serialize_error(self, error: ServiceError, request_id: str) -> Response:
        """``error`` in Lambda's envelope; the code goes in ``x-amzn-ErrorType`` as botocore reads it."""
        headers = {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": request_id, "x-amzn-ErrorType": error.code}
        spec = self.service.error_for_code(error.code)
        shape = None if spec is None else self.service.model.shape_for(spec.shape_name)
        body: dict[str, Any] = {"Type": "User" if error.sender_fault else "Service"}
        body[_message_key(shape)] = error.message
        for name, value in error.fields.items():
            member = None if shape is None else shape.members.get(name)
            if member is None:
                body[name] = value
            elif _location(member) == "header":
                headers[member.serialization.get("name", name)] = self._header_text(member, value)
            elif _location(member) is None:
                body[member.serialization.get("name", name)] = self.handler(member)(member, value)
        return Response(error.status, headers, _dump(body))

    def _operation(self, operation: OperationModel | str) -> OperationModel:
        if isinstance(operation, str):
            found = self.service.operation(operation)
            if found is None:
                raise KeyError(f"{self.service.name} has no operation {operation!r}")
            return found
        return operation

    def _out_of_body(self, shape: Shape, result: Mapping[str, Any], headers: dict[str, str], status: int) -> int:
        """Header and status-code members; the status they set, if any."""
        for name, location, wire, member in self._located(shape):
            value = result.get(name)
            if value is None:
                continue
            if location == "statusCode":
                status = int(value)
            elif location == "header":
                headers[wire] = self._header_text(member, value)
            elif location == "headers":
                headers.update({f"{wire}{key}": str(item) for key, item in value.items()})
        return status

    def _body(self, shape: Shape, result: Mapping[str, Any], headers: dict[str, str]) -> bytes:
        payload = shape.serialization.get("payload")
        if payload is not None and shape.members[payload].serialization.get("eventstream"):
            headers.setdefault("Content-Type", event_stream.CONTENT_TYPE)
            return self._events(shape.members[payload], result.get(payload) or ())
        headers.setdefault("Content-Type", CONTENT_TYPE)
        if payload is not None:
            return self._payload(shape.members[payload], result.get(payload))
        if not self._body_members(shape):
            return b""
        if not any(type(value) is Encoded for value in result.values()):
            return _dump(self._structure(shape, result))
        keys, members = self._wire_keys(shape), []
        for name, _, member, write, as_is in self._present(shape, result):  # model order, as _structure writes
            value = result[name]
            if type(value) is Encoded:
                members.append(keys[name] + value.body)
            elif value is not None:
                members.append(keys[name] + _dump(value if type(value) is as_is else write(member, value)))
        return b"{" + b",".join(members) + b"}"

    def _wire_keys(self, shape: Shape) -> dict[str, bytes]:
        """Each body member's JSON key with its colon (``"Configuration":``), written once per shape."""
        keys = self._key_plans.get(shape)
        if keys is None:
            keys = self._key_plans[shape] = {member[0]: _dump(member[1]) + b":" for member in self._body_members(shape)}
        return keys

    def encode(self, operation: str, member: str, value: Mapping[str, Any]) -> Encoded:
        """A top-level body member of ``operation``'s output, written once: a handler that answers
        the same structure again and again (GetFunction's configuration, cached per revision) puts
        the ``Encoded`` in its result, and the body splices it in instead of writing it anew."""
        shape = self._operation(operation).output_shape.members[member]
        return Encoded(_dump(self._structure(shape, value)))

    def _located(self, shape: Shape) -> tuple[tuple[str, str, str, Shape], ...]:
        """(name, location, wire name, shape) of the members that travel outside the body, read
        off the model once per shape: walking botocore's shapes costs more than writing the answer."""
        plan = self._located_plans.get(shape)
        if plan is None:
            plan = self._located_plans[shape] = tuple(
                (name, location, member.serialization.get("name", "" if location == "headers" else name), member)
                for name, member in shape.members.items() if (location := _location(member)) is not None)
        return plan

    def _body_members(self, shape: Shape) -> tuple[_BodyMember, ...]:
        """(name, wire name, shape, writer, type written as is) of the members written in the JSON
        body, once per shape."""
        plan = self._body_plans.get(shape)
        if plan is None:
            plan = self._body_plans[shape] = tuple(
                (name, member.serialization.get("name", name), member, self.handler(member),
                 _AS_IS.get(member.type_name))
                for name, member in shape.members.items() if _location(member) is None)
        return plan

    def _payload(self, member: Shape, value: Any) -> bytes:
        if value is None:
            return b""
        if member.type_name == "blob":
            return value.encode("utf-8") if isinstance(value, str) else bytes(value)
        if member.type_name == "string":
            return str(value).encode("utf-8")
        return _dump(self._structure(member, value))

    def _events(self, stream: Shape, events: Any) -> bytes:
        """An event stream member's events, each ``{"EventName": {...members}}``, framed in order.

        An event's ``eventpayload`` member is its raw payload (a blob, as bytes); otherwise its
        members are the JSON payload."""
        out = bytearray()
        for event in events:
            ((name, value),) = event.items()
            shape = stream.members[name]
            raw = next((n for n, m in shape.members.items() if m.serialization.get("eventpayload")), None)
            if raw is not None and shape.members[raw].type_name == "blob":
                out += event_stream.encode_event(name, bytes(value.get(raw) or b""), "application/octet-stream")
            else:
                out += event_stream.encode_event(name, _dump(self._structure(shape, value)), "application/json")
        return bytes(out)

    def _header_text(self, member: Shape, value: Any) -> str:
        kind = member.type_name
        if kind == "timestamp":
            return format_timestamp(value, member.serialization.get("timestampFormat", _HEADER_TIME))
        if kind == "boolean":
            return "true" if value else "false"
        if kind == "list":
            return ",".join(self._header_item(member.member, item) for item in value if item is not None)
        if kind == "string" and member.serialization.get("jsonvalue"):
            return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode("ascii")
        if kind == "blob":
            return base64.b64encode(value).decode("ascii")
        return str(value)

    def _header_item(self, member: Shape, value: Any) -> str:
        text = self._header_text(member, value)
        if member.type_name == "string" and ('"' in text or "," in text):
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return text

    # -- walkers: (shape, value) -> JSON value ------------------------------------------------

    def _structure(self, shape: Shape, value: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, wire, member, write, as_is in self._present(shape, value):
            item = value[name]
            if item is not None:
                out[wire] = item if type(item) is as_is else write(member, item)
        return out

    def _present(self, shape: Shape, value: Mapping[str, Any]) -> tuple[_BodyMember, ...]:
        """The body members of ``shape`` that ``value`` has, in model order. Memoised per set of
        keys (handlers build the same few forms of an answer again and again), so a structure of
        forty members with twenty set costs twenty steps, not forty; at most PRESENT_PLANS forms."""
        key = (shape, *value)
        plan = self._present_plans.get(key)
        if plan is None:
            names = set(key[1:])
            plan = tuple(member for member in self._body_members(shape) if member[0] in names)
            if len(self._present_plans) < PRESENT_PLANS:
                self._present_plans[key] = plan
        return plan

    def _list(self, shape: Shape, value: Sequence[Any]) -> list[Any]:
        member, write = shape.member, self.handler(shape.member)
        return [None if item is None else write(member, item) for item in value]

    def _map(self, shape: Shape, value: Mapping[str, Any]) -> dict[str, Any]:
        value_shape, write = shape.value, self.handler(shape.value)
        return {str(key): None if item is None else write(value_shape, item) for key, item in value.items()}

    def _string(self, shape: Shape, value: Any) -> str:
        return str(value)

    def _integer(self, shape: Shape, value: Any) -> int:
        return int(value)

    def _float(self, shape: Shape, value: Any) -> float | str:
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "Infinity" if number > 0 else "-Infinity"
        return number

    def _boolean(self, shape: Shape, value: Any) -> bool:
        return bool(value)

    def _timestamp(self, shape: Shape, value: Any) -> int | float | str:
        fmt = shape.serialization.get("timestampFormat", _BODY_TIME)
        text = format_timestamp(value, fmt)
        if fmt != _BODY_TIME:
            return text
        return int(text) if text.lstrip("-").isdigit() else float(text)

    def _blob(self, shape: Shape, value: Any) -> str:
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return base64.b64encode(raw).decode("ascii")


def _message_key(shape: Shape | None) -> str:
    """``message`` when the error shape spells it so (TooManyRequestsException), else ``Message``."""
    if shape is not None and "message" in shape.members and "Message" not in shape.members:
        return "message"
    return "Message"


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)
"""``json.dumps`` with these options, built once: dumps builds an encoder per call otherwise."""


@dataclass(frozen=True, slots=True)
class Encoded:
    """A structure already written as this protocol's JSON (``RestJsonSerializer.encode``)."""

    body: bytes


def _dump(value: Any) -> bytes:
    """Compact ASCII JSON; values JSON has no type for (an unmodelled error field) as their text."""
    return _ENCODER.encode(value).encode("ascii")


@functools.cache
def _lambda_serializer() -> RestJsonSerializer:
    return RestJsonSerializer(load_service("lambda"))


def serialize_error(error: ServiceError, request_id: str) -> Response:
    """``error`` in the REST-JSON envelope of Lambda, the one REST-JSON service Lamina speaks.

    For answers no service can be told for (the wire layer's, unknown paths); a service's own
    errors go through ``serializer_for(service).serialize_error``, which is the same today.
    """
    return _lambda_serializer().serialize_error(error, request_id)
