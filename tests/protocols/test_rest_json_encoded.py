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


@pytest.mark.parametrize("others", [
    {"Code": CODE},
    {"Code": CODE, "Tags": {"team": "a"}, "Concurrency": {"ReservedConcurrentExecutions": 5}},
    {},
])
def test_an_encoded_member_reads_as_the_same_json(others: dict[str, Any]) -> None:
    serializer = cast(RestJsonSerializer, serializer_for("lambda"))
    encoded = serializer.encode("GetFunction", "Configuration", CONFIG)
    assert isinstance(encoded, Encoded)
    plain = serializer.serialize("GetFunction", {"Configuration": CONFIG, **others}, "rid")
    spliced = serializer.serialize("GetFunction", {"Configuration": encoded, **others}, "rid")
    assert (spliced.status, spliced.headers) == (plain.status, plain.headers)
    assert json.loads(spliced.body) == json.loads(plain.body) == {"Configuration": CONFIG, **others}
