"""A deliberately naive evaluator that follows docs/evaluation-semantics.md line by line.

It exists only to check the compiled engine (``lamina.policy.evaluate``): no index, no cache, no
compiled matcher, every wildcard rebuilt as an escaped regular expression on every call. When the
two disagree, one of them misreads the contract; slowness here is the price of being obvious.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lamina.policy import (
    ConditionClause,
    Decision,
    Document,
    Effect,
    Outcome,
    PolicyKind,
    PolicySet,
    PolicyType,
    Principal,
    PrincipalBlock,
    PrincipalType,
    Reason,
    Request,
    Statement,
)

NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
           "StringNotLike": "StringLike", "NumericNotEquals": "NumericEquals", "DateNotEquals": "DateEquals",
           "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike", "NotIpAddress": "IpAddress"}
VARIABLE_FAMILIES = ("String", "Arn")
# Grant kinds, most permissive first ("Who a Principal names").
ON_ITS_OWN = frozenset({"public", "user", "session", "service", "federated", "canonical"})
NO_IDENTITY_POLICIES = (PrincipalType.SERVICE, PrincipalType.ANONYMOUS, PrincipalType.WEB_IDENTITY)

Piece = tuple[str, bool]  # (text, literal): literal text came from a variable; its * and ? are plain


# ---------------------------------------------------------------- wildcards and variables


def wildcard_regex(pieces: Sequence[Piece]) -> str:
    """`*` is any run, `?` one character, everything else (and all literal pieces) matches itself."""
    out = []
    for text, literal in pieces:
        escaped = re.escape(text)
        out.append(escaped if literal else escaped.replace(r"\*", ".*").replace(r"\?", "."))
    return "".join(out)


def wild_match(pattern: str | Sequence[Piece], value: str, ignore_case: bool = False) -> bool:
    pieces = [(pattern, False)] if isinstance(pattern, str) else pattern
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(wildcard_regex(pieces), value, flags) is not None


def lookup(context: Any, key: str) -> Any:
    """Context keys are case-insensitive; None when the key is absent."""
    for name, value in context.items():
        if name.lower() == key.lower():
            return value
    return None


def as_text(value: Any) -> str:
    """Booleans become true/false, numbers their decimal text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def request_values(context: Any, key: str) -> list[str] | None:
    """The request's values of ``key``, or None when absent (no key, or an empty list)."""
    value = lookup(context, key)
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [as_text(v) for v in value] or None
    return [as_text(value)]


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_BODY = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?")


def substitute(text: str, context: Any, enabled: bool) -> list[Piece] | None:
    """Split ``text`` into pattern and literal pieces; None when a variable has no value and no default."""
    if not enabled:
        return [(text, False)]
    pieces: list[Piece] = []
    last = 0
    for m in _VARIABLE.finditer(text):
        body = m.group(1)
        pieces.append((text[last:m.start()], False))
        last = m.end()
        if body in ("*", "?", "$"):
            pieces.append((body, True))
            continue
        parts = _VARIABLE_BODY.fullmatch(body)
        if parts is None:  # not a variable we understand: leave it as pattern text
            pieces.append((m.group(0), False))
            continue
        value = lookup(context, parts.group(1))
        if isinstance(value, list | tuple) or value is None:  # multivalued keys are no variables
            value = parts.group(2)
        if value is None:
            return None
        pieces.append((as_text(value), True))
    pieces.append((text[last:], False))
    return pieces


# ---------------------------------------------------------------- condition families


def parse_decimal(text: str) -> Decimal | None:
    if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text.strip()) is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def parse_instant(text: str) -> Decimal | None:
    """ISO 8601 (date, or date and time with Z or an offset) or epoch seconds, as epoch seconds."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return Decimal(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return Decimal(str(moment.timestamp()))


def parse_bytes(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def ip_in(request: str, cidr: str) -> bool | None:
    try:
        address = ipaddress.ip_address(request.strip())
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return None
    return address.version == network.version and address in network


def split_arn(pieces: Sequence[Piece]) -> list[list[Piece]] | None:
    """Six parts at the first five colons (colons inside substituted text count too)."""
    parts: list[list[Piece]] = [[]]
    for text, literal in pieces:
        for char in text:
            if char == ":" and len(parts) < 6:
                parts.append([])
            else:
                parts[-1].append((char, literal))
    return parts if len(parts) == 6 else None


def compare(family_op: str, request: str, policy: Any, pieces: list[Piece] | None, notes: list[str]) -> bool:
    """Does one request value match one policy value under the positive operator ``family_op``?"""
    text = as_text(policy)
    if family_op.startswith(VARIABLE_FAMILIES):
        if pieces is None:  # a variable with no value: this policy value matches nothing
            return False
        literal_text = "".join(t for t, _ in pieces)
        if family_op == "StringEquals":
            return request == literal_text
        if family_op == "StringEqualsIgnoreCase":
            return request.casefold() == literal_text.casefold()
        if family_op == "StringLike":
            return wild_match(pieces, request)
        want, got = split_arn(pieces), split_arn([(request, True)])
        if want is None or got is None:
            return False
        return all(wild_match(w, "".join(c for c, _ in g)) for w, g in zip(want, got, strict=True))
    if family_op.startswith("Numeric"):
        left, right = parse_decimal(request), parse_decimal(text)
        return _ordered(family_op[len("Numeric"):], left, right, notes, request, text)
    if family_op.startswith("Date"):
        left, right = parse_instant(request), parse_instant(text)
        return _ordered(family_op[len("Date"):], left, right, notes, request, text)
    if family_op == "Bool":
        wanted = text.lower()
        if wanted not in ("true", "false"):
            notes.append(f"Bool value {text!r} is neither true nor false")
            return False
        return request.lower() == wanted
    if family_op == "BinaryEquals":
        left_b, right_b = parse_bytes(request), parse_bytes(text)
        if left_b is None or right_b is None:
            notes.append(f"not base64: {request!r} or {text!r}")
            return False
        return left_b == right_b
    if family_op == "IpAddress":
        inside = ip_in(request, text)
        if inside is None:
            notes.append(f"not an IP address or CIDR: {request!r} or {text!r}")
        return bool(inside)
    raise AssertionError(f"unknown operator {family_op}")


def _ordered(op: str, left: Decimal | None, right: Decimal | None, notes: list[str], *raw: str) -> bool:
    if left is None or right is None:
        notes.append(f"unreadable value in {raw!r}")
        return False
    return {"Equals": left == right, "LessThan": left < right, "LessThanEquals": left <= right,
            "GreaterThan": left > right, "GreaterThanEquals": left >= right}[op]


def clause_holds(clause: ConditionClause, context: Any, variables: bool, notes: list[str]) -> bool:
    """The table of "Conditions", one row at a time."""
    values = request_values(context, clause.key)
    if clause.base == "Null":
        wanted = [as_text(v).lower() for v in clause.values]
        return any((w == "true" and values is None) or (w == "false" and values is not None) for w in wanted)
    negated = clause.base in NEGATED
    if values is None:
        if clause.if_exists or clause.qualifier == "ForAllValues":
            return True
        if clause.qualifier == "ForAnyValue":
            return False
        return negated
    positive = NEGATED.get(clause.base, clause.base)
    use_variables = variables and positive.startswith(VARIABLE_FAMILIES)
    policy = [(v, substitute(v, context, use_variables) if isinstance(v, str) else [(as_text(v), True)])
              for v in clause.values]

    def satisfies(request_value: str) -> bool:
        matched = any(compare(positive, request_value, v, pieces, notes) for v, pieces in policy)
        return not matched if negated else matched

    if clause.qualifier == "ForAllValues" or (negated and not clause.qualifier):
        return all(satisfies(r) for r in values)
    return any(satisfies(r) for r in values)


# ---------------------------------------------------------------- principals and statements


def named_kind(kind: str, value: str, caller: Principal) -> str | None:
    """The grant kind when the Principal entry ``kind: value`` names ``caller``, else None."""
    if kind == "AWS":
        if value == "*":
            return "public"
        account = re.fullmatch(r"(\d{12})|arn:[^:]+:iam::(\d{12}):root", value)
        if account:
            return "account" if caller.account == (account.group(1) or account.group(2)) else None
        if re.fullmatch(r"arn:[^:]+:iam::\d{12}:user/.+", value):
            return "user" if caller.arn == value else None
        if re.fullmatch(r"arn:[^:]+:iam::\d{12}:role/.+", value):
            return "role" if caller.role_arn == value else None
        if re.fullmatch(r"arn:[^:]+:sts::\d{12}:(assumed-role|federated-user)/.+", value):
            return "session" if caller.arn == value else None
        return None
    if kind == "Service":
        return "service" if caller.type is PrincipalType.SERVICE and caller.arn == value else None
    if kind == "Federated":
        return "federated" if caller.federated == value else None
    if kind == "CanonicalUser":
        return "canonical" if caller.canonical_user == value else None
    return None


def named_kinds(block: PrincipalBlock, caller: Principal) -> set[str]:
    named = (named_kind(kind, value, caller) for kind, values in block.entries for value in values)
    return {k for k in named if k is not None}


def identities(caller: Principal) -> list[tuple[str, str | None]]:
    """Each identity NotPrincipal checks on its own: (how an entry names it, value)."""
    out: list[tuple[str, str | None]] = []
    if caller.account is not None and caller.type in (PrincipalType.USER, PrincipalType.ASSUMED_ROLE,
                                                      PrincipalType.FEDERATED_USER, PrincipalType.ROOT):
        out.append(("account", caller.account))
    if caller.type in (PrincipalType.USER, PrincipalType.ASSUMED_ROLE, PrincipalType.FEDERATED_USER):
        out.append(("AWS", caller.arn))
    if caller.type is PrincipalType.ASSUMED_ROLE:
        out.append(("AWS", caller.role_arn))
    if caller.type is PrincipalType.SERVICE:
        out.append(("Service", caller.arn))
    if caller.type is PrincipalType.WEB_IDENTITY:
        out.append(("Federated", caller.federated))
    if caller.canonical_user is not None:
        out.append(("CanonicalUser", caller.canonical_user))
    return out or [("anonymous", None)]  # an anonymous caller is listed only by "*"


def listed(block: PrincipalBlock, identity: tuple[str, str | None]) -> bool:
    """Does the NotPrincipal element list this one identity, exactly?"""
    how, value = identity
    if "*" in block.values("AWS"):
        return True
    if how == "account":
        return any(v in (value, f"arn:aws:iam::{value}:root") for v in block.values("AWS"))
    return value is not None and value in block.values(how)


def statement_applies(st: Statement, doc: Document, request: Request, notes: list[str]) -> set[str] | None:
    """None when the statement does not apply; else the grant kinds it names the caller by."""
    if st.actions is not None and not any(wild_match(a, request.action, True) for a in st.actions):
        return None
    if st.not_actions is not None and any(wild_match(a, request.action, True) for a in st.not_actions):
        return None
    if not resource_passes(st, doc, request):
        return None
    kinds = {"public"}
    if st.principal is not None:
        kinds = named_kinds(st.principal, request.principal)
        if not kinds:
            return None
    if st.not_principal is not None and all(listed(st.not_principal, i) for i in identities(request.principal)):
        return None
    if not all(clause_holds(c, request.context, doc.variables, notes) for c in st.conditions):
        return None
    return kinds


def resource_passes(st: Statement, doc: Document, request: Request) -> bool:
    def matches(pattern: str) -> bool:
        pieces = substitute(pattern, request.context, doc.variables)
        return pieces is not None and wild_match(pieces, request.resource)

    if st.resources is not None:
        return any(matches(p) for p in st.resources)
    if st.not_resources is not None:
        return not any(matches(p) for p in st.not_resources)
    return True  # trust policies have no Resource


# ---------------------------------------------------------------- combining policy types


@dataclass
class Hit:
    """One applicable statement."""

    policy_type: PolicyType
    policy_id: str
    statement: Statement
    kinds: set[str]
    level: int = 0  # which SCP/RCP level it belongs to

    def reason(self) -> Reason:
        st = self.statement
        return Reason(self.policy_id, self.policy_type, st.index, st.sid, st.effect)


def policy_lists(policies: PolicySet) -> list[tuple[PolicyType, int, Sequence[Any]]]:
    """(type, level, policies) in the contract's type order; SCP and RCP levels in their order."""
    out: list[tuple[PolicyType, int, Sequence[Any]]] = []
    out += [(PolicyType.SCP, i, level) for i, level in enumerate(policies.scps or ())]
    out += [(PolicyType.RCP, i, level) for i, level in enumerate(policies.rcps or ())]
    out.append((PolicyType.IDENTITY, 0, policies.identity))
    if policies.boundary is not None:
        out.append((PolicyType.BOUNDARY, 0, [policies.boundary]))
    out.append((PolicyType.SESSION, 0, policies.session or ()))
    if policies.resource is not None:
        out.append((resource_type(policies), 0, [policies.resource]))
    return out


def resource_type(policies: PolicySet) -> PolicyType:
    trust = policies.resource is not None and policies.resource.document.kind is PolicyKind.TRUST
    return PolicyType.TRUST if trust else PolicyType.RESOURCE


def reference_evaluate(request: Request, policies: PolicySet) -> Decision:
    """Decide ``request`` under ``policies`` exactly as docs/evaluation-semantics.md says."""
    notes: list[str] = []
    hits: list[Hit] = []
    for policy_type, level, group in policy_lists(policies):
        for policy in group:
            for st in policy.document.statements:
                kinds = statement_applies(st, policy.document, request, notes)
                if kinds is not None:
                    hits.append(Hit(policy_type, policy.policy_id, st, kinds, level))
    denies = [h for h in hits if h.statement.effect is Effect.DENY]
    allows = [h for h in hits if h.statement.effect is Effect.ALLOW]

    def deny(by: PolicyType) -> Decision:
        return Decision(Outcome.IMPLICIT_DENY, (), by, tuple(notes))

    # 1. Explicit deny.
    if denies:
        reasons = tuple(h.reason() for h in denies)  # hits are already in the contract's order
        return Decision(Outcome.EXPLICIT_DENY, reasons, denies[0].policy_type, tuple(notes))
    # 2. RCPs, then 3. SCPs: every level needs an Allow.
    for policy_type, levels in ((PolicyType.RCP, policies.rcps), (PolicyType.SCP, policies.scps)):
        for i in range(len(levels or ())):
            if not any(h.policy_type is policy_type and h.level == i for h in allows):
                return deny(policy_type)
    allowed = Decision(Outcome.ALLOW, tuple(h.reason() for h in allows), None, tuple(notes))
    verdict = decide(request, policies, allows)
    return allowed if verdict is None else deny(verdict)


def decide(request: Request, policies: PolicySet, allows: list[Hit]) -> PolicyType | None:
    """Rules 4-9 of the contract: None for Allow, else the type that failed to allow."""
    caller = request.principal
    by_resource = resource_type(policies)
    granted: set[str] = set()
    for h in allows:
        if h.policy_type is by_resource:
            granted |= h.kinds
    has_grant = any(h.policy_type is by_resource for h in allows)
    # 4. Service, anonymous and web-identity callers.
    if caller.type in NO_IDENTITY_POLICIES:
        return None if has_grant else by_resource
    # 5. The identity side.
    ident = caller.type is PrincipalType.ROOT or any(h.policy_type is PolicyType.IDENTITY for h in allows)
    pb = policies.boundary is None or any(h.policy_type is PolicyType.BOUNDARY for h in allows)
    sp = (not caller.is_session or not policies.session
          or any(h.policy_type is PolicyType.SESSION for h in allows))
    identity_side = ident and pb and sp
    failing = PolicyType.IDENTITY if not ident else PolicyType.BOUNDARY if not pb else PolicyType.SESSION
    cross = caller.account != request.target_account
    # 6. Trust policies.
    if by_resource is PolicyType.TRUST:
        if not has_grant:
            return PolicyType.TRUST
        if cross:
            return None if identity_side else failing
        ok = bool(granted & ON_ITS_OWN) or ("role" in granted and pb and sp) or identity_side
        return None if ok else failing
    # 7. Cross-account.
    if cross:
        if not has_grant:
            return PolicyType.RESOURCE
        return None if identity_side else failing
    # 8. Same account, resource policy.
    if granted & ON_ITS_OWN or ("role" in granted and pb and sp):
        return None
    # 9. Same account.
    if caller.type is PrincipalType.ROOT or identity_side:
        return None
    return failing
