"""Request ids are random version-4 UUIDs written exactly as ``str(uuid.uuid4())`` writes them."""

from __future__ import annotations

import os
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


def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    """The generator is reseeded after ``fork``: without that a child would hand out the parent's next ids."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        os.write(write_end, "\n".join(new_request_id() for _ in range(50)).encode())
        os._exit(0)
    os.close(write_end)
    parents = {new_request_id() for _ in range(50)}
    with os.fdopen(read_end) as pipe:
        childs = set(pipe.read().split("\n"))
    os.waitpid(child, 0)
    assert len(childs) == 50 and not parents & childs
