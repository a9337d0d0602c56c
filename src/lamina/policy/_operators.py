"""The names of IAM's condition operators, and how an operator's text splits into its parts.

Kept apart from their semantics (``_conditions``) so that the parser, the validator and the
evaluator share one list and cannot disagree about which operators exist.
"""

from __future__ import annotations

STRING = ("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
          "StringLike", "StringNotLike")
NUMERIC = ("NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
           "NumericGreaterThan", "NumericGreaterThanEquals")
DATE = ("DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
        "DateGreaterThanEquals")
ARN = ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike")
IP = ("IpAddress", "NotIpAddress")
OTHER = ("Bool", "BinaryEquals", "Null")

BASE_OPERATORS: tuple[str, ...] = STRING + NUMERIC + DATE + ARN + IP + OTHER
NEGATED = frozenset({"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
                     "DateNotEquals", "ArnNotEquals", "ArnNotLike", "NotIpAddress"})
# Operators whose values may hold policy variables (reference_policies_variables.html).
VARIABLE_FAMILIES = frozenset(STRING + ARN)
QUALIFIERS = ("ForAllValues", "ForAnyValue")

_BY_LOWER = {name.lower(): name for name in BASE_OPERATORS}
_QUAL_BY_LOWER = {q.lower(): q for q in QUALIFIERS}


def split_operator(text: str) -> tuple[str, str, bool] | None:
    """``ForAnyValue:StringLikeIfExists`` -> ("StringLike", "ForAnyValue", True); None if unknown."""
    qualifier = ""
    rest = text
    if ":" in text:
        prefix, _, rest = text.partition(":")
        qualifier = _QUAL_BY_LOWER.get(prefix.lower(), "")
        if not qualifier:
            return None
    if_exists = False
    if rest.lower().endswith("ifexists"):
        rest = rest[: -len("IfExists")]
        if_exists = True
    base = _BY_LOWER.get(rest.lower())
    if base is None or (base == "Null" and (if_exists or qualifier)):
        return None
    return base, qualifier, if_exists
