"""Helpers for the layer tests against a real server: a layer zip, a publish in one call, and AWS's
recorded answers (tests/data/lambda_layer_answers.json) with their placeholders filled in."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from functions_support import unique, zipped

ANSWERS = json.loads((Path(__file__).parents[2] / "data" / "lambda_layer_answers.json").read_text())
ERRORS: dict[str, dict[str, Any]] = ANSWERS["errors"]
SHAPES: dict[str, dict[str, Any]] = ANSWERS["shapes"]
STATUSES: dict[str, int] = ANSWERS["statuses"]
LAYER_FILES = {"python/shared.py": "GREETING = 'hello from a layer'\n"}
LAYER_ZIP = zipped(LAYER_FILES)
"""Made once: a zip records its entries' times, so two calls a second apart differ."""


def publish(client: Any, name: str | None = None, **more: Any) -> dict[str, Any]:
    """PublishLayerVersion of a small python layer (``more`` overrides or adds members)."""
    params: dict[str, Any] = {"LayerName": name or unique("layer"), "Content": {"ZipFile": LAYER_ZIP}}
    found: dict[str, Any] = client.publish_layer_version(**{**params, **more})
    return found


def filled(text: str, account: str, layer: str = "", region: str = "us-east-1") -> str:
    """A recorded text with the snapshot's placeholders replaced by this test's values (the layer's
    name for ``<resource:N>``: the recorded texts these tests compare name no other resource)."""
    text = text.replace("<partition>", "aws").replace("<region>", region).replace("111111111111", account)
    return re.sub(r"<resource:\d+>", layer, text)


def recorded(name: str, account: str, layer: str = "", region: str = "us-east-1") -> tuple[str, str, int]:
    """A recorded error as (code, message, HTTP status), as ``functions_support.error_of`` gives them."""
    found = ERRORS[name]
    return found["Code"], filled(found["Message"], account, layer, region), found["HTTPStatusCode"]
