"""A member written once (``RestJsonSerializer.encode``) and spliced into later answers reads as if
written with the answer: the same JSON, whatever else the answer holds."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from lamina.protocols import serializer_for
from lamina.protocols.rest_json import Encoded, RestJsonSerializer

CONFIG: dict[str, Any] = {
    "FunctionName": "f", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "Runtime": "python3.12",
    "MemorySize": 128, "Timeout": 3, "Description": "caf\u00e9 \"quoted\"", "Architectures": ["x86_64"],
    "Environment": {"Variables": {"A": "1"}}, "TracingConfig": {"Mode": "PassThrough"},
}
CODE = {"RepositoryType": "S3", "Location": "http://127.0.0.1:4599/code?X-Amz-Expires=600"}


ANSWERS: list[dict[str, Any]] = [
    {"Code": CODE},
    {"Code": CODE, "Tags": {"team": "a"}, "Concurrency": {"ReservedConcurrentExecutions": 5}},
    {"Concurrency": {"ReservedConcurrentExecutions": 5}, "Tags": None, "Code": CODE},
]


@pytest.mark.parametrize(("others", "written_once"), [
    *((others, once) for others in ANSWERS for once in (("Configuration",), ("Code",), ("Configuration", "Code"))),
    ({}, ("Configuration",)),
])
def test_an_encoded_member_reads_as_the_same_bytes(others: dict[str, Any], written_once: tuple[str, ...]) -> None:
    """Byte for byte, in the model's member order, whichever members were written once."""
    serializer = cast(RestJsonSerializer, serializer_for("lambda"))
    result = {"Configuration": CONFIG, **others}
    spliced_result = {name: serializer.encode("GetFunction", name, value) if name in written_once and value else value
                      for name, value in result.items()}
    assert any(isinstance(value, Encoded) for value in spliced_result.values())
    plain = serializer.serialize("GetFunction", result, "rid")
    spliced = serializer.serialize("GetFunction", spliced_result, "rid")
    assert (spliced.status, spliced.headers) == (plain.status, plain.headers)
    assert spliced.body == plain.body
    assert json.loads(spliced.body) == {name: value for name, value in result.items() if value is not None}
