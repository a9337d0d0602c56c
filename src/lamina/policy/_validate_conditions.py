"""Validation of Condition blocks: keys the catalog knows, operators that fit the key's type, values the
operator can read, and set operators that fit single- or multivalued keys.

Values are read with the evaluator's own readers (``_values``), so a value reported unreadable here is
exactly one the evaluator would never match.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import Any

from ._findings import CatalogProtocol, FindingType
from ._model import ConditionClause, Effect, Statement
from ._operators import ARN, DATE, IP, NUMERIC, STRING
from ._values import policy_text, read_binary, read_bool, read_date, read_network, read_number
from ._variables import parse_template, substitute_variables
from ._wildcard import has_wildcard

Report = Callable[[FindingType, str, str, str], None]
"""Records one finding: (type, code, message, location)."""

ERROR, SECURITY, WARNING, SUGGESTION = (FindingType.ERROR, FindingType.SECURITY_WARNING,
                                        FindingType.WARNING, FindingType.SUGGESTION)
_FAMILY: dict[str, str] = {
    **dict.fromkeys(STRING, "String"), **dict.fromkeys(NUMERIC, "Numeric"), **dict.fromkeys(DATE, "Date"),
    **dict.fromkeys(ARN, "ARN"), **dict.fromkeys(IP, "IPAddress"),
    "Bool": "Bool", "BinaryEquals": "Binary", "Null": "Null",
}
# Which operator families work with a key of each SAR type (ARN keys work with string operators too:
# reference_policies_condition-keys.html, aws:PrincipalArn and aws:SourceArn).
_ACCEPTS: dict[str, frozenset[str]] = {
    "String": frozenset({"String"}), "ARN": frozenset({"ARN", "String"}), "Bool": frozenset({"Bool"}),
    "Date": frozenset({"Date"}), "Numeric": frozenset({"Numeric"}), "IPAddress": frozenset({"IPAddress"}),
    "Binary": frozenset({"Binary"}),
}
_SUGGESTED = {"String": "a String operator (StringEquals, StringLike, ...)",
              "ARN": "an ARN operator (ArnEquals, ArnLike, ...)", "Bool": "the Bool operator",
              "Date": "a Date operator (DateLessThan, ...)", "Numeric": "a Numeric operator (NumericLessThan, ...)",
              "IPAddress": "IpAddress or NotIpAddress", "Binary": "BinaryEquals"}
_EXACT_STRING = frozenset({"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"})
_TAG_KEYS_WITHOUT_NAME = frozenset({"aws:requesttag", "aws:resourcetag", "aws:principaltag"})


def check_conditions(st: Statement, raw: Mapping[str, Any], where: str, actions: frozenset[str] | None,
                     variables: bool, catalog: CatalogProtocol, report: Report) -> None:
    """Check every condition clause of ``st``; ``actions`` is the statement's finite action set, if any."""
    block = raw.get("Condition") or {}
    spellings: dict[tuple[str, str], str] = {}
    for clause in st.conditions:
        loc = f"{where}.Condition.{clause.operator}.{clause.key}"
        first = spellings.setdefault((clause.operator, clause.key.lower()), clause.key)
        if first != clause.key:
            report(ERROR, "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                   f"The condition key {clause.key} appears again as {first} in the same {clause.operator} "
                   "block; key names are case-insensitive, so keep one.", loc)
        listed = isinstance(block.get(clause.operator, {}).get(clause.key), list)
        _check_values(clause, listed, loc, variables, report)
        if clause.key.startswith("${"):
            continue
        types = catalog.condition_key_types(clause.key)
        if not types:
            _unknown_key(clause.key, loc, catalog, report)
            continue
        _check_type(clause, types, loc, report)
        _check_set_operator(clause, types, st.effect, loc, report)
        if actions and not any(catalog.action_supports_condition_key(a, clause.key) for a in actions):
            names = ", ".join(sorted(actions)[:3]) + (", ..." if len(actions) > 3 else "")
            report(WARNING, "CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS",
                   f"No action of this statement ({names}) supports the condition key {clause.key}, so their "
                   "requests never carry it and the condition is evaluated as if the key were absent.", loc)


def _unknown_key(key: str, loc: str, catalog: CatalogProtocol, report: Report) -> None:
    prefix = key.partition(":")[0]
    lower = key.lower()
    if prefix.lower() == "aws":
        if lower in _TAG_KEYS_WITHOUT_NAME or lower.endswith("tag/"):
            report(ERROR, "MISSING_TAG_KEY_IN_CONDITION",
                   f"The condition key {key} needs a tag key: use the form {key.rstrip('/')}/tag-key.", loc)
        else:
            report(ERROR, "INVALID_GLOBAL_CONDITION_KEY",
                   f"The global condition key {key} does not exist. Use a valid condition key.", loc)
    elif catalog.is_condition_key_prefix(prefix):
        report(ERROR, "INVALID_SERVICE_CONDITION_KEY",
               f"The condition key {key} does not exist in the service {prefix}.", loc)
    else:
        report(ERROR, "INVALID_SERVICE", f"The service {prefix} of the condition key {key} does not exist.", loc)


def _check_type(clause: ConditionClause, types: tuple[str, ...], loc: str, report: Report) -> None:
    if clause.base == "Null":
        return
    bases = [t.removeprefix("ArrayOf") for t in types]
    if any(b not in _ACCEPTS for b in bases):
        return  # a type this table does not know yet: say nothing rather than something wrong
    accepted = frozenset().union(*(_ACCEPTS[b] for b in bases))
    if _FAMILY[clause.base] not in accepted:
        report(WARNING, "TYPE_MISMATCH",
               f"{clause.key} has type {types[0]}: use {_SUGGESTED[bases[0]]} instead of {clause.base}.", loc)


def _check_set_operator(clause: ConditionClause, types: tuple[str, ...], effect: Effect, loc: str,
                        report: Report) -> None:
    multivalued = any(t.startswith("ArrayOf") for t in types)
    if clause.qualifier == "ForAllValues" and not multivalued:
        report(SECURITY if effect is Effect.ALLOW else WARNING, "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
               f"Using ForAllValues with the single-valued key {clause.key} can be overly permissive: it is "
               "also true when the key is absent. Remove ForAllValues:.", loc)
    elif clause.qualifier == "ForAnyValue" and not multivalued:
        report(WARNING, "FORANYVALUE_WITH_SINGLE_VALUED_KEY",
               f"{clause.key} is single-valued: ForAnyValue adds nothing but confusion. Remove ForAnyValue:.", loc)
    elif not clause.qualifier and multivalued and clause.base != "Null":
        report(WARNING, "MULTIVALUED_KEY_WITHOUT_SET_OPERATOR",
               f"{clause.key} can hold several values: say how to compare them with ForAnyValue: (some value "
               "matches) or ForAllValues: (every value matches; also true when the key is absent).", loc)


def _check_values(clause: ConditionClause, listed: bool, loc: str, variables: bool, report: Report) -> None:
    family = _FAMILY[clause.base]
    if clause.base == "Bool" and len(clause.values) > 1:
        report(ERROR, "INVALID_CONDITION_MULTIPLE_BOOLEAN",
               f"{clause.key} takes a single Boolean value; {len(clause.values)} are given.", loc)
    for i, value in enumerate(clause.values):
        text = policy_text(value)
        where = f"{loc}[{i}]" if listed else loc
        if variables and family not in ("String", "ARN") and parse_template(text) is not None:
            report(ERROR, "INVALID_VARIABLE_FOR_OPERATOR",
                   f"Policy variables work only with String and ARN operators, not {clause.base}: "
                   f"{text} is not replaced by a value.", where)
            continue
        problem = _value_problem(clause.base, family, text)
        if problem:
            kind, code, message = problem
            report(kind, code, message, where)


def _value_problem(base: str, family: str, text: str) -> tuple[FindingType, str, str] | None:
    if family == "Numeric" and read_number(text) is None:
        return WARNING, "TYPE_MISMATCH_NUMBER", f"{text!r} is not a number, so {base} never matches it."
    if family == "Date" and read_date(text) is None:
        return (WARNING, "TYPE_MISMATCH_DATE",
                f"{text!r} is not a date: use ISO 8601 (2026-01-31 or 2026-01-31T12:00:00Z) or epoch seconds.")
    if family in ("Bool", "Null") and read_bool(text) is None:
        return WARNING, "TYPE_MISMATCH_BOOLEAN", f"{base} takes true or false, not {text!r}."
    if family == "Binary" and read_binary(text) is None:
        return WARNING, "TYPE_MISMATCH_STRING", f"BinaryEquals takes base64 text; {text!r} is not."
    if family == "IPAddress":
        return _ip_problem(text)
    if base in _EXACT_STRING and has_wildcard(substitute_variables(text, lambda _: "")):
        return (WARNING, "WILDCARD_WITHOUT_LIKE_OPERATOR",
                f"{text!r} holds * or ?, which {base} compares literally. If you meant a wildcard, use "
                f"{base.replace('Equals', 'Like').replace('IgnoreCase', '')}.")
    return None


def _ip_problem(text: str) -> tuple[FindingType, str, str] | None:
    network = read_network(text)
    if network is None:
        return (WARNING, "TYPE_MISMATCH_IP_RANGE",
                f"{text!r} is not an IP address or CIDR range (203.0.113.0/24, 2001:db8::/32).")
    try:
        ipaddress.ip_network(text.strip(), strict=True)
    except ValueError:
        return (SUGGESTION, "IMPROVE_IP_RANGE",
                f"The bits of {text} after the mask are ignored: write {network} instead.")
    return None
