"""CloudWatch Logs' modelled errors Lamina raises, one class each (built from the model: code, status
400, fault), and the sentences AWS answers with."""

from __future__ import annotations

from lamina.protocols import error_type

__all__ = [
    "GROUP_EXISTS",
    "GROUP_NOT_FOUND",
    "STREAM_NOT_FOUND",
    "InvalidParameterException",
    "ResourceAlreadyExistsException",
    "ResourceNotFoundException",
]

InvalidParameterException = error_type("logs", "InvalidParameterException")
ResourceAlreadyExistsException = error_type("logs", "ResourceAlreadyExistsException")
ResourceNotFoundException = error_type("logs", "ResourceNotFoundException")

GROUP_NOT_FOUND = "The specified log group does not exist."
STREAM_NOT_FOUND = "The specified log stream does not exist."
GROUP_EXISTS = "The specified log group already exists"
