"""Policy text on the console's pages: the validator's findings, pretty JSON, the editors' starter."""

from __future__ import annotations

import json

from lamina.catalog import default_catalog
from lamina.policy import PolicyKind, validate_policy

__all__ = ["STARTER", "policy_findings", "pretty"]

STARTER = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}]}, indent=2)
"""What a new policy editor holds."""


def policy_findings(document: str, kind: PolicyKind) -> list[dict[str, str]]:
    """The validator's findings (Access Analyzer's codes), for the editor's text of ``kind``."""
    return [finding.as_dict() for finding in validate_policy(document, kind, default_catalog())]


def pretty(document: str) -> str:
    """JSON indented for an editor; text that is not JSON as it is."""
    try:
        return json.dumps(json.loads(document), indent=2)
    except ValueError:
        return document
