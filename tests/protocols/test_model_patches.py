"""Lamina's corrections to botocore's models apply to Lamina's view only, and each says why."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session

from lamina.protocols import load_service
from lamina.protocols.models import _PATCHES


def test_lambdas_runtime_enum_is_left_to_the_handler() -> None:
    assert not load_service("lambda").model.shape_for("Runtime").enum
    client_view = botocore.session.get_session().get_service_model("lambda")
    assert "python3.12" in client_view.shape_for("Runtime").enum  # botocore's own copy is untouched


def test_every_patch_says_why() -> None:
    patches = json.loads(Path(_PATCHES).read_text())
    for service, entries in patches.items():
        if service.startswith("_"):
            continue
        assert entries and all(entry.get("why") and entry["op"] in ("remove", "replace") for entry in entries)
