"""Request ids are random version-4 UUIDs written exactly as ``str(uuid.uuid4())`` writes them."""

from __future__ import annotations

import re
import uuid

from lamina.context import new_request_id

FORM = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_request_ids_are_version_4_uuids_in_their_usual_text() -> None:
    ids = [new_request_id() for _ in range(2000)]
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)
        assert FORM.fullmatch(text)
    assert len(set(ids)) == len(ids)
