"""Resource policies (a role's trust policy; a function's policy later) as the engine must read them.

AWS binds the users and roles a ``Principal`` element names to their unique ids when the policy
is saved (reference_policies_elements_principal.html), so a principal deleted and re-created
under the same name is not the principal the policy trusts. The store records those ids
(``named_principals``); here a written ARN is replaced by what it means now before the engine
sees the document: a renamed principal's current ARN, and, for a principal that is gone,
nothing at all: its old unique id matches no caller, so it is dropped from the element. A
``Principal`` left naming no one makes its statement apply to no request (it keeps its place and
Sid, so decisions still name statements by their written index); a ``NotPrincipal`` left
excepting no one applies to everyone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lamina.policy import Policy, PolicyKind, parse_policy
from lamina.store import Connection
from lamina.store.repositories import named_principals


def resource_policy(conn: Connection, owner_kind: str, owner_id: str, document: str, kind: PolicyKind,
                    policy_id: str) -> Policy:
    """``document`` compiled for evaluation, its named principals bound to their unique ids.
    Raises ``MalformedPolicyDocument`` as ``parse_policy`` does."""
    changes = named_principals.replacements(conn, owner_kind, owner_id)
    return parse_policy(evaluation_form(document, changes) if changes else document, kind, policy_id)


def evaluation_form(document: str, changes: Mapping[str, str]) -> str:
    """``document`` with renamed principals' ARNs updated and gone principals removed."""
    try:
        raw = json.loads(document)
    except ValueError:
        return document
    if not isinstance(raw, dict):
        return document
    body = raw.get("Statement")
    if isinstance(body, dict):
        raw["Statement"] = _statement(body, changes)
    elif isinstance(body, list):
        raw["Statement"] = [_statement(st, changes) if isinstance(st, dict) else st for st in body]
    return json.dumps(raw)


def _statement(statement: dict[str, Any], changes: Mapping[str, str]) -> dict[str, Any]:
    for key in ("Principal", "NotPrincipal"):
        block = statement.get(key)
        if not isinstance(block, dict) or "AWS" not in block:
            continue
        values = block["AWS"] if isinstance(block["AWS"], list) else [block["AWS"]]
        kept = [changes.get(v, v) for v in values if not _gone(v, changes)]
        if len(kept) == len(values):
            statement = {**statement, key: {**block, "AWS": kept}}
            continue
        rest = {name: value for name, value in block.items() if name != "AWS"}
        if kept:
            rest["AWS"] = kept
        if rest:
            statement = {**statement, key: rest}
        elif key == "Principal":
            statement = _applies_to_nothing(statement)
        else:
            statement = {name: value for name, value in statement.items() if name != "NotPrincipal"}
            statement["Principal"] = "*"
    return statement


def _gone(value: Any, changes: Mapping[str, str]) -> bool:
    """A written ARN whose principal is deleted now reads as its old unique id, not an ARN."""
    return isinstance(value, str) and value in changes and not changes[value].startswith("arn:")


def _applies_to_nothing(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement in place, matching no action: ``NotAction: *`` excludes every action."""
    kept = {name: value for name, value in statement.items()
            if name in ("Sid", "Effect", "Resource", "NotResource")}
    return {**kept, "Principal": "*", "NotAction": "*"}
