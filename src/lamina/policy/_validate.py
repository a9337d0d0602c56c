"""Policy validation beyond syntax, in the manner of IAM Access Analyzer's ValidatePolicy.

``parse_document`` answers "would IAM store this?"; ``validate_policy`` answers "does it do what it
seems to?": unknown services, actions and condition keys, operators of the wrong type, ARNs that no
action of the statement acts on, over-broad grants, redundancy. Facts about AWS come from the catalog
passed in (``CatalogProtocol``), so this module stays pure. docs/policy-validation.md explains each code.

    >>> from lamina.catalog import default_catalog
    >>> [f.code for f in validate_policy('{"Statement": {"Effect": "Allow", "Action": "lambda:GetFunktion",'
    ...                                  ' "Resource": "*"}}', "identity", default_catalog())]
    ['MISSING_VERSION', 'INVALID_ACTION']
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._errors import MalformedPolicyDocument
from ._findings import CatalogProtocol, Finding, FindingType, ResourceTypeLike
from ._model import Document, Effect, PolicyKind, Statement
from ._parse import parse_document
from ._validate_conditions import ERROR, SECURITY, SUGGESTION, WARNING, Report, check_conditions
from ._variables import variable_spans
from ._wildcard import compile_pieces

__all__ = ["CatalogProtocol", "Finding", "FindingType", "validate_policy"]

# The parser's AWS wording -> Access Analyzer's issue code for the same syntax error.
_SYNTAX_CODES = (
    ("This policy contains invalid Json", "JSON_SYNTAX_ERROR"),
    ("Missing required field Statement", "MISSING_STATEMENT"),
    ("Missing required field Effect", "MISSING_EFFECT"),
    ("Missing required field Principal", "MISSING_PRINCIPAL"),
    ("Policy statement must contain actions", "MISSING_ACTION"),
    ("Policy statement must contain resources", "MISSING_RESOURCE"),
    ("Invalid Condition type", "INVALID_CONDITION_OPERATOR"),
    ("Statement IDs (SID) must be", "UNSUPPORTED_SID"),
    ("Statement IDs (SID) in a single policy", "UNIQUE_SIDS_REQUIRED"),
    ("Invalid principal", "INVALID_PRINCIPAL_FORMAT"),
    ("Policy document should not specify a principal", "UNSUPPORTED_PRINCIPAL"),
    ("Policy has invalid action", "INVALID_ACTION"),
)
_PASS_ROLE_CODES = {  # (how the action is granted, how the resource is) -> Access Analyzer's code
    ("action", "star"): "PASS_ROLE_WITH_STAR_IN_RESOURCE",
    ("wildcard", "star"): "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
    ("not_action", "star"): "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
    ("action", "not_resource"): "PASS_ROLE_WITH_NOT_RESOURCE",
    ("wildcard", "not_resource"): "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
    ("not_action", "not_resource"): "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
}


def validate_policy(document: str | bytes | Mapping[str, Any] | Document, kind: PolicyKind | str,
                    catalog: CatalogProtocol) -> list[Finding]:
    """Every finding for ``document`` read as a policy of ``kind``, in document order.

    A document that does not parse yields exactly one ERROR finding (the parser's message); this
    function never raises for a bad document.
    """
    kind = PolicyKind(kind)
    findings: list[Finding] = []

    def report(type_: FindingType, code: str, message: str, location: str) -> None:
        findings.append(Finding(type_, code, message, location))

    try:
        doc = document if isinstance(document, Document) else parse_document(document, kind)
    except MalformedPolicyDocument as error:
        report(ERROR, _syntax_code(error), error.message, error.location)
        return findings
    _check_document(doc, report)
    raws = _raw_statements(doc)
    for st in doc.statements:
        _check_statement(st, raws[st.index], doc, catalog, report)
    _check_duplicates(doc.statements, report)
    return findings


def _syntax_code(error: MalformedPolicyDocument) -> str:
    if error.message == "The policy failed legacy parsing":
        return "INVALID_VERSION" if error.location == "Version" else "INVALID_EFFECT"
    if error.message.startswith("Actions/Conditions must be prefaced"):
        return "INVALID_CONDITION_KEY_FORMAT" if ".Condition" in error.location else "INVALID_ACTION"
    return next((code for prefix, code in _SYNTAX_CODES if error.message.startswith(prefix)),
                "MALFORMED_POLICY_DOCUMENT")


def _check_document(doc: Document, report: Report) -> None:
    if doc.version is None:
        report(WARNING, "MISSING_VERSION", 'Add "Version": "2012-10-17". Without it, newer features such as '
               "policy variables do not work: ${...} is read as literal text.", "Version")
    if doc.id is not None and doc.kind is PolicyKind.IDENTITY:
        report(WARNING, "ID_IN_IDENTITY_POLICY",
               "Id belongs in resource-based policies; identity-based policies should not have one.", "Id")
    if doc.variables:
        return
    for st, raw in zip(doc.statements, _raw_statements(doc), strict=True):
        for location, text in _variable_sites(st, raw):
            report(WARNING, "VARIABLE_UNSUPPORTED_IN_VERSION",
                   f"{text} is literal text here: policy variables need \"Version\": \"2012-10-17\".", location)


def _variable_sites(st: Statement, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    where = f"Statement[{st.index}]"
    sites = []
    for element in ("Resource", "NotResource"):
        for i, text in enumerate(getattr(st, "resources" if element == "Resource" else "not_resources") or ()):
            if variable_spans(text):
                sites.append((_at(raw, where, element, i), text))
    for clause in st.conditions:
        for value in clause.values:
            if isinstance(value, str) and variable_spans(value):
                sites.append((f"{where}.Condition.{clause.operator}.{clause.key}", value))
    return sites


def _check_statement(st: Statement, raw: Mapping[str, Any], doc: Document, catalog: CatalogProtocol,
                     report: Report) -> None:
    where = f"Statement[{st.index}]"
    expansions = _check_actions(st, raw, where, catalog, report)
    actions: frozenset[str] | None = None
    if st.actions is not None and "*" not in st.actions:
        actions = frozenset().union(*(e for e in expansions if e is not None))
    if st.resources is not None or st.not_resources is not None:
        _check_resources(st, raw, where, expansions, actions, catalog, report)
    if st.effect is Effect.ALLOW:
        _check_breadth(st, where, report)
        _check_pass_role(st, where, report)
    check_conditions(st, raw, where, actions, doc.variables, catalog, report)


# -- actions ----------------------------------------------------------------------------------

def _check_actions(st: Statement, raw: Mapping[str, Any], where: str, catalog: CatalogProtocol,
                   report: Report) -> list[frozenset[str] | None]:
    """Report unknown services and actions; return each entry's expansion (None for ``*``)."""
    element = "Action" if st.actions is not None else "NotAction"
    patterns = st.actions if st.actions is not None else st.not_actions or ()
    expansions: list[frozenset[str] | None] = []
    for i, pattern in enumerate(patterns):
        loc = _at(raw, where, element, i)
        expansions.append(None if pattern == "*" else _expand(pattern, loc, catalog, report))
    valid = [i for i, e in enumerate(expansions) if e is None or e]
    _redundant([patterns[i] for i in valid], lambda k: _at(raw, where, element, valid[k]),
               True, "REDUNDANT_ACTION", report)
    return expansions


def _expand(pattern: str, loc: str, catalog: CatalogProtocol, report: Report) -> frozenset[str]:
    service = pattern.partition(":")[0]
    if _wild(service):
        report(SUGGESTION, "WILDCARD_IN_SERVICE_NAME", f"{pattern} has a wildcard in the service prefix: it "
               "grants the actions of every matching service, including services added later.", loc)
    elif not catalog.has_service(service):
        report(ERROR, "INVALID_SERVICE_IN_ACTION", f"The service {service} in {pattern} does not exist.", loc)
        return frozenset()
    found = frozenset(catalog.expand_action_pattern(pattern))
    if not found:
        message = (f"The action pattern {pattern} matches no action." if _wild(pattern)
                   else f"The action {pattern} does not exist.{_did_you_mean(pattern, service, catalog)}")
        report(ERROR, "INVALID_ACTION", message, loc)
    return found


def _did_you_mean(action: str, service: str, catalog: CatalogProtocol) -> str:
    names = {name.lower(): name for name in catalog.expand_action_pattern(f"{service}:*")}
    close = difflib.get_close_matches(action.lower(), list(names), n=1, cutoff=0.8)
    return f" Did you mean {names[close[0]]}?" if close else ""


# -- resources --------------------------------------------------------------------------------

def _check_resources(st: Statement, raw: Mapping[str, Any], where: str,
                     expansions: Sequence[frozenset[str] | None], actions: frozenset[str] | None,
                     catalog: CatalogProtocol, report: Report) -> None:
    element = "Resource" if st.resources is not None else "NotResource"
    patterns = st.resources if st.resources is not None else st.not_resources or ()
    if element == "Resource" and st.actions is not None and not any(_all_stars(r) for r in patterns):
        for i, found in enumerate(expansions):
            if found and not any(catalog.resource_types_for(a) for a in found):
                report(WARNING, "RESOURCE_STAR_REQUIRED",
                       f"{st.actions[i]} acts on no resource type: AWS authorizes it against \"*\", so this "
                       "statement's resource ARNs never match it. Grant it with \"Resource\": \"*\".",
                       _at(raw, where, "Action", i))
    types = _resource_types(actions, catalog) if element == "Resource" and actions else None
    for i, arn in enumerate(patterns):
        if not _all_stars(arn):
            _check_arn(arn, types, _at(raw, where, element, i), catalog, report)
    _redundant(list(patterns), lambda k: _at(raw, where, element, k), False, "REDUNDANT_RESOURCE", report)


def _resource_types(actions: frozenset[str], catalog: CatalogProtocol) -> list[ResourceTypeLike]:
    unique: dict[tuple[str, str], ResourceTypeLike] = {}
    for action in actions:
        for rt in catalog.resource_types_for(action):
            unique[(rt.service, rt.name)] = rt
    return list(unique.values())


def _check_arn(arn: str, types: list[ResourceTypeLike] | None, loc: str, catalog: CatalogProtocol,
               report: Report) -> None:
    service = arn.split(":", 5)[2]
    if _wild(service) or "$" in service:
        return
    own = catalog.resource_types(service)
    if own and not any(rt.matches(arn) for rt in own):
        names = ", ".join(rt.name for rt in own[:6]) + (" and others" if len(own) > 6 else "")
        report(ERROR, "INVALID_ARN_RESOURCE", f"{arn} does not match the ARN format of any {service} "
               f"resource type ({names}).", loc)
    elif types and not any(rt.matches(arn) for rt in types):
        type_names = sorted({f"{rt.service}:{rt.name}" for rt in types})
        listed = ", ".join(type_names[:6]) + (" and others" if len(type_names) > 6 else "")
        report(WARNING, "RESOURCE_TYPE_NOT_SUPPORTED_BY_ACTIONS", f"No action of this statement acts on {arn}, "
               f"so it grants nothing. Their resource types: {listed}.", loc)


# -- over-broad grants ------------------------------------------------------------------------

def _check_breadth(st: Statement, where: str, report: Report) -> None:
    if st.not_actions is not None:
        report(SECURITY, "ALLOW_WITH_NOT_ACTION", "Allow with NotAction grants every action not listed, "
               "including those of other services and actions AWS adds later. List the actions instead.",
               f"{where}.NotAction")
    if st.not_resources is not None:
        report(SECURITY, "ALLOW_WITH_NOT_RESOURCE", "Allow with NotResource grants access to every resource "
               "not listed, including new ones. List the resources instead.", f"{where}.NotResource")
    if st.not_principal is not None:
        report(SECURITY, "ALLOW_WITH_NOT_PRINCIPAL", "Allow with NotPrincipal grants access to everyone not "
               "listed, including anonymous users. Use Principal with a condition instead.",
               f"{where}.NotPrincipal")
    if st.actions is not None and "*" in st.actions and any(_all_stars(r) for r in st.resources or ()):
        report(SECURITY, "ALLOW_STAR_ACTION_STAR_RESOURCE", '"Action": "*" with "Resource": "*" grants full '
               "control of the account. Grant only the actions and resources needed.", f"{where}.Action")


def _check_pass_role(st: Statement, where: str, report: Report) -> None:
    if any(c.key.lower() == "iam:passedtoservice" for c in st.conditions):
        return
    if st.actions is not None:
        if any(a.lower() == "iam:passrole" for a in st.actions):
            grant = "action"
        elif any(_covers(a, "iam:PassRole", True) for a in st.actions):
            grant = "wildcard"
        else:
            return
    elif any(_covers(a, "iam:PassRole", True) for a in st.not_actions or ()):
        return
    else:
        grant = "not_action"
    if st.not_resources is not None:
        scope, location = "not_resource", f"{where}.NotResource"
    elif any(_any_role(r) for r in st.resources or ()):
        scope, location = "star", f"{where}.Resource"
    else:
        return
    report(SECURITY, _PASS_ROLE_CODES[(grant, scope)], "This statement allows iam:PassRole on every role, "
           "so the caller can hand any role (an administrator's too) to a service. Name the role ARNs in "
           "Resource, or add an iam:PassedToService condition.", location)


def _any_role(resource: str) -> bool:
    if _all_stars(resource):
        return True
    parts = resource.split(":", 5)
    return len(parts) == 6 and parts[2] in ("iam", "*") and parts[5] in ("*", "role/*", "role*")


# -- redundancy -------------------------------------------------------------------------------

def _check_duplicates(statements: Sequence[Statement], report: Report) -> None:
    first: dict[tuple[Any, ...], Statement] = {}
    for st in statements:
        earlier = first.setdefault(_meaning(st), st)
        if earlier is not st:
            report(SUGGESTION, "REDUNDANT_STATEMENT", f"{st.label} repeats {earlier.label} (Sid aside): they "
                   "grant identical permissions. Remove one.", f"Statement[{st.index}]")


def _meaning(st: Statement) -> tuple[Any, ...]:
    def lower(items: tuple[str, ...] | None) -> frozenset[str] | None:
        return None if items is None else frozenset(i.lower() for i in items)

    conditions = frozenset((c.base, c.qualifier, c.if_exists, c.key.lower(), frozenset(map(str, c.values)))
                           for c in st.conditions)
    return (st.effect, st.principal, st.not_principal, lower(st.actions), lower(st.not_actions),
            None if st.resources is None else frozenset(st.resources),
            None if st.not_resources is None else frozenset(st.not_resources), conditions)


def _redundant(patterns: Sequence[str], location: Callable[[int], str], ignore_case: bool, code: str,
               report: Report) -> None:
    """Report each pattern that another one of the same list already covers (the later of two equals).

    Only plausible coverers are tried: an equal pattern, or a wildcard pattern whose literal start
    begins this one (found by prefix in a dict), rather than every pair of the list.
    """
    texts = [p.lower() if ignore_case else p for p in patterns]
    equal: dict[str, list[int]] = {}
    by_prefix: dict[str, list[int]] = {}
    for j, text in enumerate(texts):
        if _wild(text):
            by_prefix.setdefault(_literal_start(text), []).append(j)
        else:
            equal.setdefault(text, []).append(j)
    lengths = sorted({len(prefix) for prefix in by_prefix})
    for i, pattern in enumerate(patterns):
        text = texts[i]
        candidates = set(equal.get(text, ()))
        for size in lengths:
            if size > len(text):
                break
            candidates.update(by_prefix.get(text[:size], ()))
        for j in sorted(candidates - {i}):
            if not _covers(texts[j], text, False):
                continue
            if j < i or not _covers(text, texts[j], False):
                report(SUGGESTION, code, f"{pattern} is redundant: {patterns[j]} already covers it.", location(i))
                break


def _literal_start(pattern: str) -> str:
    """The text before the first wildcard: whatever a pattern covers starts with it."""
    cut = min((k for k in (pattern.find("*"), pattern.find("?")) if k >= 0), default=len(pattern))
    return pattern[:cut]


def _covers(general: str, specific: str, ignore_case: bool) -> bool:
    """True when every name ``specific`` matches is also matched by ``general`` (both IAM patterns)."""
    if ignore_case:
        general, specific = general.lower(), specific.lower()
    return bool(_subsumer(general)(specific))


def _subsumer(general: str) -> Callable[[str], Any]:
    # ``*`` may absorb anything, wildcards included; ``?`` only one literal character of the other pattern.
    return compile_pieces(((True, general),), exclude="*?")


# -- helpers ----------------------------------------------------------------------------------

def _raw_statements(doc: Document) -> list[Mapping[str, Any]]:
    """The statements as written, for telling ``"Action": "x"`` from ``"Action": ["x"]`` in locations."""
    body: Any = doc.source.get("Statement")
    if isinstance(body, list):
        return body
    return [body] if isinstance(body, Mapping) else [{} for _ in doc.statements]


def _at(raw: Mapping[str, Any], where: str, element: str, index: int) -> str:
    """``Statement[0].Action[1]`` when the element is a list, ``Statement[0].Action`` when a string."""
    return f"{where}.{element}[{index}]" if isinstance(raw.get(element), list) else f"{where}.{element}"


def _wild(text: str) -> bool:
    return "*" in text or "?" in text


def _all_stars(resource: str) -> bool:
    return bool(resource) and set(resource) == {"*"}
