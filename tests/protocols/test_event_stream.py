"""Event streams as botocore reads them: Lamina frames InvokeWithResponseStream's answer, botocore's
own parser (the one boto3 uses) decodes it back, CRCs and all."""

from __future__ import annotations

import botocore.session
from botocore.eventstream import EventStream, EventStreamBuffer
from botocore.parsers import EventStreamJSONParser

from lamina.protocols import serializer_for
from lamina.protocols.event_stream import encode_message


def test_a_message_decodes_with_botocore() -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(encode_message({":message-type": "event", "x": "é"}, b"payload"))
    (message,) = list(buffer)
    assert message.headers == {":message-type": "event", "x": "é"} and message.payload == b"payload"


def test_invoke_with_response_stream_answers_parse_as_boto3_sees_them() -> None:
    model = botocore.session.get_session().get_service_model("lambda")
    operation = model.operation_model("InvokeWithResponseStream")
    result = {"StatusCode": 200, "ExecutedVersion": "$LATEST", "EventStream": [
        {"PayloadChunk": {"Payload": b'{"a": '}}, {"PayloadChunk": {"Payload": b"1}"}},
        {"InvokeComplete": {"LogResult": "bG9n"}}]}
    response = serializer_for("lambda").serialize(operation, result, "req-1")
    assert response.headers["Content-Type"] == "application/vnd.amazon.eventstream"
    assert response.headers["X-Amz-Executed-Version"] == "$LATEST"

    stream = EventStream(_Raw(response.body), operation.output_shape.members["EventStream"],
                         EventStreamJSONParser(), operation.name)
    events = list(stream)
    assert events == [{"PayloadChunk": {"Payload": b'{"a": '}}, {"PayloadChunk": {"Payload": b"1}"}},
                      {"InvokeComplete": {"LogResult": "bG9n"}}]


class _Raw:
    """The body as botocore's EventStream reads a response: ``stream()`` yields chunks."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self) -> list[bytes]:
        return [self.body[i:i + 7] for i in range(0, len(self.body), 7)]  # split across messages on purpose

    def close(self) -> None:
        pass
