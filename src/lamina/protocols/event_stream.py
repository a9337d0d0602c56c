"""AWS's event stream encoding (``application/vnd.amazon.eventstream``): framed binary messages.

Each message: a prelude (total length, headers length, both big-endian uint32) and its CRC32,
the headers, the payload, and a CRC32 of everything before it. Headers here are strings only
(value type 7), which is all an event answer needs: ``:message-type`` ``event``,
``:event-type`` the event's member name, ``:content-type`` its payload's type. botocore's
``EventStreamBuffer`` reads these messages; the tests decode with it.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping

__all__ = ["CONTENT_TYPE", "encode_event", "encode_message"]

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7


def _headers(headers: Mapping[str, str]) -> bytes:
    out = bytearray()
    for name, value in headers.items():
        key, text = name.encode("utf-8"), value.encode("utf-8")
        out += struct.pack(">B", len(key)) + key + struct.pack(">BH", _STRING, len(text)) + text
    return bytes(out)


def encode_message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One framed message with ``headers`` (strings) and ``payload``."""
    encoded = _headers(headers)
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    head = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return head + struct.pack(">I", zlib.crc32(head))


def encode_event(event_type: str, payload: bytes, content_type: str) -> bytes:
    """An event message, as a modelled event stream member ``event_type`` is sent."""
    return encode_message({":message-type": "event", ":event-type": event_type, ":content-type": content_type},
                          payload)
