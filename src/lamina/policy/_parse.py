"""Parse and check a policy document's grammar, raising AWS's ``MalformedPolicyDocument``.

One parser serves storage-time checks, validation and evaluation, so they cannot disagree.
Rules and wording: reference_policies_grammar.html and the IAM errors AWS returns
(see docs/policy-engine.md, "Documents").
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from ._errors import MalformedPolicyDocument
from ._model import ConditionClause, Document, Effect, PolicyKind, PrincipalBlock, Statement
from ._operators import split_operator

VERSIONS = ("2012-10-17", "2008-10-17")
_TOP_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                             "Resource", "NotResource", "Condition"})
_PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
_IAM_SID = re.compile(r"[0-9A-Za-z]*")
_RESOURCE_SID = re.compile(r"[0-9A-Za-z_\- ]*")
_ACTION = re.compile(r"[A-Za-z0-9_.\-*?]+:[A-Za-z0-9_*?\-]+")
_ACCOUNT = re.compile(r"\d{12}")
_AWS_PRINCIPAL_ARN = re.compile(
    r"arn:aws[a-z-]*:(iam::(\d{12}|aws):(root|user/.+|role/.+)"
    r"|sts::\d{12}:(assumed-role/[^/]+/.+|federated-user/.+))"
)
SYNTAX = "Syntax errors in policy."


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MalformedPolicyDocument(SYNTAX, f"duplicate key {key}")
        out[key] = value
    return out


def _finite(text: str) -> float | str:
    """A JSON number as a float, unless it overflows (``1e999999``): then its text, which no
    numeric operator reads as a number, rather than an infinity that compares with everything."""
    number = float(text)
    return number if math.isfinite(number) else text


def load_json(document: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """The document as a dict; text is decoded with duplicate keys refused."""
    if isinstance(document, Mapping):
        return dict(document)
    try:
        value = json.loads(document, object_pairs_hook=_no_duplicates, parse_float=_finite,
                           parse_constant=str)
    except MalformedPolicyDocument:
        raise
    except (ValueError, TypeError, RecursionError):
        raise MalformedPolicyDocument("This policy contains invalid Json") from None
    if not isinstance(value, dict):
        raise MalformedPolicyDocument("This policy contains invalid Json")
    return value


def parse_document(document: str | bytes | Mapping[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> Document:
    """Parse ``document`` as a policy of ``kind``; raise ``MalformedPolicyDocument`` if IAM would."""
    raw = load_json(document)
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise MalformedPolicyDocument(SYNTAX, sorted(unknown)[0])
    version = raw.get("Version")
    if version is not None and version not in VERSIONS:
        raise MalformedPolicyDocument("The policy failed legacy parsing", "Version")
    policy_id = raw.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        raise MalformedPolicyDocument(SYNTAX, "Id")
    if "Statement" not in raw:
        raise MalformedPolicyDocument("Missing required field Statement", "Statement")
    body = raw["Statement"]
    items = [body] if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise MalformedPolicyDocument(SYNTAX, "Statement")
    statements = tuple(_statement(item, i, kind) for i, item in enumerate(items))
    _check_sids(statements, kind)
    return Document(kind=kind, version=version, id=policy_id, statements=statements, source=raw)


def _check_sids(statements: tuple[Statement, ...], kind: PolicyKind) -> None:
    seen: set[str] = set()
    pattern = _RESOURCE_SID if kind is PolicyKind.RESOURCE else _IAM_SID
    for st in statements:
        if st.sid is None:
            continue
        if not pattern.fullmatch(st.sid):
            raise MalformedPolicyDocument(
                "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular "
                f"expression {pattern.pattern}", f"Statement[{st.index}].Sid")
        if st.sid in seen:
            raise MalformedPolicyDocument("Statement IDs (SID) in a single policy must be unique.",
                                          f"Statement[{st.index}].Sid")
        seen.add(st.sid)


def _statement(item: Any, index: int, kind: PolicyKind) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(item, dict):
        raise MalformedPolicyDocument(SYNTAX, where)
    unknown = set(item) - _STATEMENT_KEYS
    if unknown:
        raise MalformedPolicyDocument(SYNTAX, f"{where}.{sorted(unknown)[0]}")
    sid = item.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise MalformedPolicyDocument(SYNTAX, f"{where}.Sid")
    effect = _effect(item, where)
    principal, not_principal = _principals(item, kind, where)
    actions, not_actions = _pair(item, "Action", "NotAction", where)
    if actions is None and not_actions is None:
        raise MalformedPolicyDocument("Policy statement must contain actions.", where)
    for action in actions or not_actions or ():
        _check_action(action, where)
    resources, not_resources = _pair(item, "Resource", "NotResource", where)
    if kind is PolicyKind.TRUST:
        if resources is not None or not_resources is not None:
            name = "Resource" if resources is not None else "NotResource"
            raise MalformedPolicyDocument(f"Has prohibited field {name}", f"{where}.{name}")
    elif resources is None and not_resources is None:
        raise MalformedPolicyDocument("Policy statement must contain resources.", where)
    for resource in resources or not_resources or ():
        _check_resource(resource, where)
    return Statement(index=index, sid=sid, effect=effect, principal=principal, not_principal=not_principal,
                     actions=actions, not_actions=not_actions, resources=resources,
                     not_resources=not_resources, conditions=_conditions(item.get("Condition"), where))


def _effect(item: dict[str, Any], where: str) -> Effect:
    if "Effect" not in item:
        raise MalformedPolicyDocument("Missing required field Effect", f"{where}.Effect")
    value = item["Effect"]
    if value == "Allow":
        return Effect.ALLOW
    if value == "Deny":
        return Effect.DENY
    raise MalformedPolicyDocument("The policy failed legacy parsing", f"{where}.Effect")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MalformedPolicyDocument(SYNTAX, where)


def _pair(item: dict[str, Any], name: str, negated: str, where: str) -> tuple[tuple[str, ...] | None, ...]:
    if name in item and negated in item:
        raise MalformedPolicyDocument(SYNTAX, f"{where}.{negated}")
    if name in item:
        return _strings(item[name], f"{where}.{name}"), None
    if negated in item:
        return None, _strings(item[negated], f"{where}.{negated}")
    return None, None


def _check_action(action: str, where: str) -> None:
    if action == "*":
        return
    if ":" not in action:
        raise MalformedPolicyDocument(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", f"{where}.Action")
    if not _ACTION.fullmatch(action):
        raise MalformedPolicyDocument(f"Policy has invalid action: {action}", f"{where}.Action")


def _check_resource(resource: str, where: str) -> None:
    if resource == "*" or (resource.startswith("arn:") and resource.count(":") >= 5):
        return
    raise MalformedPolicyDocument(f'Resource {resource} must be in ARN format or "*".', f"{where}.Resource")


def _principals(item: dict[str, Any], kind: PolicyKind,
                where: str) -> tuple[PrincipalBlock | None, PrincipalBlock | None]:
    has = [name for name in ("Principal", "NotPrincipal") if name in item]
    if kind is PolicyKind.IDENTITY:
        if has:
            raise MalformedPolicyDocument("Policy document should not specify a principal.", f"{where}.{has[0]}")
        return None, None
    if not has:
        raise MalformedPolicyDocument("Missing required field Principal", f"{where}.Principal")
    if len(has) == 2:
        raise MalformedPolicyDocument(SYNTAX, f"{where}.NotPrincipal")
    if has[0] == "NotPrincipal" and kind is PolicyKind.TRUST:
        raise MalformedPolicyDocument("Has prohibited field NotPrincipal", f"{where}.NotPrincipal")
    block = _principal_block(item[has[0]], f"{where}.{has[0]}")
    return (block, None) if has[0] == "Principal" else (None, block)


def _principal_block(value: Any, where: str) -> PrincipalBlock:
    if value == "*":
        return PrincipalBlock((("AWS", ("*",)),))
    if not isinstance(value, dict) or not value:
        raise MalformedPolicyDocument(SYNTAX, where)
    entries = []
    for name, raw in value.items():
        if name not in _PRINCIPAL_KINDS:
            raise MalformedPolicyDocument(
                f"Invalid principal in policy: {json.dumps({name: raw}, separators=(',', ':'))[1:-1]}", where)
        values = _strings(raw, f"{where}.{name}")
        for v in values:
            if not _valid_principal(name, v):
                raise MalformedPolicyDocument(f'Invalid principal in policy: "{name}":"{v}"', where)
        entries.append((name, values))
    return PrincipalBlock(tuple(entries))


def _valid_principal(kind: str, value: str) -> bool:
    if kind == "AWS":
        if value == "*" or _ACCOUNT.fullmatch(value):
            return True
        return bool(_AWS_PRINCIPAL_ARN.fullmatch(value)) and "*" not in value and "?" not in value
    if kind == "Service":
        return value != "*" and "*" not in value and bool(value)
    return bool(value)


def _conditions(block: Any, where: str) -> tuple[ConditionClause, ...]:
    if block is None:
        return ()
    where = f"{where}.Condition"
    if not isinstance(block, dict):
        raise MalformedPolicyDocument(SYNTAX, where)
    clauses = []
    for operator, keys in block.items():
        parts = split_operator(operator)
        if parts is None:
            raise MalformedPolicyDocument(f"Invalid Condition type : {operator}", f"{where}.{operator}")
        if not isinstance(keys, dict) or not keys:
            raise MalformedPolicyDocument(SYNTAX, f"{where}.{operator}")
        base, qualifier, if_exists = parts
        for key, raw in keys.items():
            values = _condition_values(raw, f"{where}.{operator}.{key}")
            if ":" not in key and not key.startswith("${"):
                raise MalformedPolicyDocument(
                    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
                    f"{where}.{operator}.{key}")
            clauses.append(ConditionClause(operator, base, qualifier, if_exists, key, values))
    return tuple(clauses)


def _condition_values(raw: Any, where: str) -> tuple[Any, ...]:
    values = raw if isinstance(raw, list) else [raw]
    if not values or not all(isinstance(v, str | bool | int | float) for v in values):
        raise MalformedPolicyDocument(SYNTAX, where)
    return tuple(values)
