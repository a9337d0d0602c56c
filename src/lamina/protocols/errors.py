"""The one error type the protocol layer serializes, and builders for the errors it raises itself.

A service raises :class:`ServiceError` (usually via :func:`modeled_error`, so code, status and
fault come from the model); the protocol's serializer turns it into that protocol's envelope.
"""

from __future__ import annotations

from collections.abc import Sequence

from .models import ServiceSpec, load_service

__all__ = [
    "ServiceError",
    "invalid_action",
    "missing_action",
    "modeled_error",
    "validation_error",
]


class ServiceError(Exception):
    """An AWS error as it goes on the wire: code, message, HTTP status and fault side."""

    def __init__(self, code: str, message: str, status: int = 400, sender_fault: bool = True) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault

    @property
    def fault(self) -> str:
        """``Sender`` or ``Receiver``, the query protocol's ``<Type>``."""
        return "Sender" if self.sender_fault else "Receiver"

    def __reduce__(self) -> tuple[type[ServiceError], tuple[str, str, int, bool]]:
        """Picklable as itself, so work done in a worker process can raise it."""
        return type(self), (self.code, self.message, self.status, self.sender_fault)

    def __repr__(self) -> str:
        return f"ServiceError({self.code!r}, {self.message!r}, {self.status}, {self.sender_fault})"


def modeled_error(service: ServiceSpec | str, shape_name: str, message: str) -> ServiceError:
    """The error the model declares as ``shape_name`` (``NoSuchEntityException``), with ``message``."""
    spec = (load_service(service) if isinstance(service, str) else service).error(shape_name)
    return ServiceError(spec.code, message, spec.status, spec.sender_fault)


def validation_error(problems: Sequence[str]) -> ServiceError:
    """AWS's ``ValidationError`` (400) listing each failed constraint, as Coral words it."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return ServiceError("ValidationError", f"{count} validation {noun} detected: {'; '.join(problems)}")


def invalid_action(action: str, version: str) -> ServiceError:
    """Unknown ``Action`` or a ``Version`` the service does not have (``NO_VERSION_SPECIFIED`` if absent)."""
    return ServiceError("InvalidAction", f"Could not find operation {action} for version {version}")


def missing_action() -> ServiceError:
    """A query request without an ``Action`` parameter."""
    return ServiceError("MissingAction", "The request is missing an action or a required parameter.")
