"""The one error type the protocol layer serializes, and builders for the errors it raises itself.

A service raises :class:`ServiceError`, usually one of the classes :func:`error_type` builds from
the model (so code, status, fault and extra members come from the error shape); the protocol's
serializer turns it into that protocol's envelope::

    ServiceError                        code, message, status, sender_fault, fields
     └─ error_type("lambda", "TooManyRequestsException")   one cached subclass per error shape
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from .models import ServiceSpec, load_service

__all__ = [
    "ModeledError",
    "ServiceError",
    "error_type",
    "invalid_action",
    "missing_action",
    "modeled_error",
    "validation_error",
]


class ServiceError(Exception):
    """An AWS error as it goes on the wire: code, message, HTTP status, fault side and extra members.

    ``fields`` holds the error shape's other members by model name (Lambda's
    ``TooManyRequestsException`` has ``Reason`` and ``retryAfterSeconds``); the Query protocol has
    nowhere to put them and ignores them.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        sender_fault: bool = True,
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        self.fields: dict[str, Any] = dict(fields or {})

    @property
    def fault(self) -> str:
        """``Sender`` or ``Receiver``, the query protocol's ``<Type>``."""
        return "Sender" if self.sender_fault else "Receiver"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Picklable as itself, so work done in a worker process can raise it."""
        return type(self), (self.code, self.message, self.status, self.sender_fault, self.fields)

    def __repr__(self) -> str:
        extra = f", {self.fields!r}" if self.fields else ""
        return f"ServiceError({self.code!r}, {self.message!r}, {self.status}, {self.sender_fault}{extra})"


class ModeledError(ServiceError):
    """Base of the classes :func:`error_type` builds: code, status, fault and members are class facts."""

    service_name: ClassVar[str]
    shape_name: ClassVar[str]
    error_code: ClassVar[str]
    error_status: ClassVar[int]
    error_sender_fault: ClassVar[bool]
    extra_members: ClassVar[frozenset[str]]

    def __init__(self, message: str = "", **fields: Any) -> None:
        unknown = set(fields) - self.extra_members
        if unknown:
            raise TypeError(f"{self.shape_name} has no member(s) {', '.join(sorted(unknown))}")
        present = {name: value for name, value in fields.items() if value is not None}
        super().__init__(self.error_code, message, self.error_status, self.error_sender_fault, present)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Rebuilt through :func:`error_type`: the class is made at run time, so pickle cannot name it."""
        return _rebuild, (self.service_name, self.shape_name, self.message, self.fields)

    def __repr__(self) -> str:
        extra = "".join(f", {name}={value!r}" for name, value in self.fields.items())
        return f"{self.shape_name}({self.message!r}{extra})"


_MESSAGE_MEMBERS = frozenset(("Type", "Message", "message"))
"""Members every envelope fills itself: the fault side and the message."""


@functools.cache
def error_type(service: str, shape_name: str) -> type[ModeledError]:
    """The exception class of ``service``'s error shape ``shape_name``, built once from the model.

    ``error_type("lambda", "TooManyRequestsException")("Rate Exceeded.", Reason="...")``: the
    constructor takes the message and, as keywords, the shape's other members.
    ``KeyError`` if the model has no such error.
    """
    spec = load_service(service)
    error = spec.error(shape_name)
    members = spec.model.shape_for(shape_name).members
    namespace = {
        "service_name": spec.name,
        "shape_name": shape_name,
        "error_code": error.code,
        "error_status": error.status,
        "error_sender_fault": error.sender_fault,
        "extra_members": frozenset(members) - _MESSAGE_MEMBERS,
        "__module__": __name__,
        "__doc__": f"{spec.name}'s modelled {error.code} (HTTP {error.status}).",
    }
    return type(shape_name, (ModeledError,), namespace)


def _rebuild(service: str, shape_name: str, message: str, fields: Mapping[str, Any]) -> ServiceError:
    return error_type(service, shape_name)(message, **fields)


def modeled_error(service: ServiceSpec | str, shape_name: str, message: str, **fields: Any) -> ServiceError:
    """The error the model declares as ``shape_name`` (``NoSuchEntityException``), with ``message``."""
    name = service.name if isinstance(service, ServiceSpec) else service
    return error_type(name, shape_name)(message, **fields)


def validation_error(problems: Sequence[str], code: str = "ValidationError") -> ServiceError:
    """AWS's validation error (400) listing each failed constraint, as Coral words it.

    The Query services call it ``ValidationError``, Lambda ``ValidationException``.
    """
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return ServiceError(code, f"{count} validation {noun} detected: {'; '.join(problems)}")


def invalid_action(action: str, version: str) -> ServiceError:
    """Unknown ``Action`` or a ``Version`` the service does not have (``NO_VERSION_SPECIFIED`` if absent)."""
    return ServiceError("InvalidAction", f"Could not find operation {action} for version {version}")


def missing_action() -> ServiceError:
    """A query request without an ``Action`` parameter."""
    return ServiceError("MissingAction", "The request is missing an action or a required parameter.")
