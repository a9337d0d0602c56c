"""The REST-JSON protocol (Lambda): the error envelope today; requests and results come with Lambda.

An error is the HTTP status, ``x-amzn-ErrorType: <Code>`` and a JSON body with ``Type`` (``User``
for the sender's fault, ``Service`` for the receiver's) and ``Message``, as Lambda answers::

    HTTP/1.1 404
    x-amzn-ErrorType: ResourceNotFoundException
    {"Type": "User", "Message": "Function not found: arn:aws:lambda:..."}
"""

from __future__ import annotations

import json

from .errors import ServiceError
from .query import Response

__all__ = ["CONTENT_TYPE", "serialize_error"]

CONTENT_TYPE = "application/json"


def serialize_error(error: ServiceError, request_id: str) -> Response:
    """``error`` in Lambda's envelope; the code goes in ``x-amzn-ErrorType`` as botocore reads it."""
    body = {"Type": "User" if error.sender_fault else "Service", "Message": error.message}
    headers = {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": request_id, "x-amzn-ErrorType": error.code}
    return Response(error.status, headers, json.dumps(body).encode())
