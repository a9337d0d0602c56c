"""docs/iam.md's operations table says, for every IAM and STS operation in botocore's model, what
Lamina does with it: the test holds the table to the registry, so the page cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session
import pytest

from lamina.services import registered

DOC = Path(__file__).parents[2] / "docs" / "iam.md"
ROW = re.compile(r"^\| [^|]+ \| `(\w+)` \| ([^|]+) \|$")


def _table(text: str) -> dict[str, dict[str, str]]:
    """Operation → status, per service (the STS table follows the line "12 STS operations")."""
    found: dict[str, dict[str, str]] = {"iam": {}, "sts": {}}
    service = "iam"
    for line in text.splitlines():
        if line.endswith("STS operations:"):
            service = "sts"
        match = ROW.match(line)
        if match:
            found[service][match.group(1)] = match.group(2).strip()
    return found


@pytest.mark.parametrize("service", ["iam", "sts"])
def test_every_operation_has_a_row_whose_status_is_true(service: str) -> None:
    table = _table(DOC.read_text())[service]
    model = botocore.session.get_session().get_service_model(service)
    assert sorted(table) == sorted(model.operation_names)
    served = {operation.name for operation in registered() if operation.service == service}
    for name, status in table.items():
        if name in served:
            assert status in ("served", "AWS's error (prerequisite absent)"), name
        else:
            assert status == "NotImplemented (declared)", name
