"""The policy simulator, the editors' live validation and the audit page."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from lamina.authorization import AccessDenied
from lamina.context import RequestContext, new_request_id
from lamina.policy import PolicyKind
from lamina.protocols import Response, ServiceError
from lamina.store.repositories import audit

from . import web
from .app import Page, denial_of
from .policy_text import policy_findings

__all__ = ["audit_page", "simulate", "simulator", "validate"]

AUDIT_SCAN = 1000
"""How many of the latest audit events the audit page filters."""


async def simulator(page: Page) -> Response:
    query = page.request.query
    return page.render("simulator.html", principal=query.get("principal", page.session.caller.arn),
                       actions=query.get("action", ""), resources=query.get("resource", "*"), policy="",
                       context_keys="", results=None, problem=None, texts=[])


async def simulate(page: Page) -> Response:
    """SimulatePrincipalPolicy (a principal) or SimulateCustomPolicy (pasted policies), as the user."""
    form = page.form
    actions = [item for item in form.get("actions", "").replace(",", " ").split() if item]
    resources = [item for item in form.get("resources", "").split() if item] or ["*"]
    entries = _context_entries(form.get("context", ""))
    params: dict[str, Any] = {"ActionNames": actions, "ResourceArns": resources}
    if entries:
        params["ContextEntries"] = entries
    policy = form.get("policy", "").strip()
    if policy:
        params["PolicyInputList"] = [policy]
        operation = "SimulateCustomPolicy"
    else:
        params["PolicySourceArn"] = form.get("principal", "").strip()
        operation = "SimulatePrincipalPolicy"
    result, problem = await page.attempt("iam", operation, params)
    results = (result or {}).get("EvaluationResults", [])
    if policy:
        texts = [("Pasted policy", _highlighted(policy, results))]
    else:
        texts = await _principal_texts(page, params["PolicySourceArn"], results)
    return page.render("simulator.html", 200 if problem is None else 400, principal=form.get("principal", ""),
                       actions=form.get("actions", ""), resources=form.get("resources", ""), policy=policy,
                       context_keys=form.get("context", ""), results=results, problem=problem, texts=texts)


_KINDS = {"user": "User", "role": "Role", "group": "Group"}


async def _principal_texts(page: Page, arn: str, results: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """The text of each policy that decided, read as the user (GetPolicyVersion, Get*Policy), with
    the deciding statements' lines marked; a policy the user may not read is left out."""
    kind, _, rest = arn.split(":", 5)[-1].partition("/")
    name, label = rest.rsplit("/", 1)[-1], _KINDS.get(kind)
    if label is None or not name:
        return []
    attached, _ = await page.attempt("iam", f"ListAttached{label}Policies", {f"{label}Name": name})
    arns = {item["PolicyName"]: item["PolicyArn"] for item in (attached or {}).get("AttachedPolicies", [])}
    texts = []
    for source_id, source_type in dict.fromkeys((statement["SourcePolicyId"], statement["SourcePolicyType"])
                                                for result in results for statement in
                                                result.get("MatchedStatements", [])):
        document = await _policy_document(page, label, name, source_id, source_type, arns)
        if document:
            mine = [{"MatchedStatements": [statement for statement in result.get("MatchedStatements", [])
                                           if statement["SourcePolicyId"] == source_id]} for result in results]
            texts.append((f"{source_id} ({source_type})", _highlighted(document, mine)))
    return texts


async def _policy_document(page: Page, label: str, name: str, source_id: str, source_type: str,
                           arns: dict[str, str]) -> str | None:
    if source_type == "IAM Policy" and source_id in arns:
        found, _ = await page.attempt("iam", "GetPolicy", {"PolicyArn": arns[source_id]})
        version = (found or {}).get("Policy", {}).get("DefaultVersionId")
        if version is None:
            return None
        found, _ = await page.attempt("iam", "GetPolicyVersion", {"PolicyArn": arns[source_id], "VersionId": version})
        document = (found or {}).get("PolicyVersion", {}).get("Document")
    elif source_type == label.lower():
        found, _ = await page.attempt("iam", f"Get{label}Policy", {f"{label}Name": name, "PolicyName": source_id})
        document = (found or {}).get("PolicyDocument")
    else:
        return None
    return unquote(document) if isinstance(document, str) else None


def _context_entries(text: str) -> list[dict[str, Any]]:
    """``key=value`` lines as SimulatePrincipalPolicy's ContextEntries (string values)."""
    entries = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            entries.append({"ContextKeyName": key.strip(), "ContextKeyValues": [value.strip()],
                            "ContextKeyType": "string"})
    return entries


def _highlighted(policy: str, results: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """The pasted policy's lines, each marked when a matched statement covers it."""
    marked: set[int] = set()
    for result in results:
        for statement in result.get("MatchedStatements", []):
            start, end = statement.get("StartPosition", {}), statement.get("EndPosition", {})
            marked.update(range(int(start.get("Line", 0)), int(end.get("Line", -1)) + 1))
    return [(line, number in marked) for number, line in enumerate(policy.splitlines(), start=1)]


def _check(page: Page, service: str, action: str) -> None:
    """A gate check for an action that is no Lamina operation (reading the audit trail, validating a
    policy), as the session's principal; raises the gate's AccessDenied."""
    ctx = RequestContext(new_request_id(), "POST", web.PREFIX, "", (), b"", source_ip=page.request.ctx.source_ip,
                         secure=page.request.ctx.secure, service=service, caller=page.session.caller,
                         region=page.console.app.settings.region)
    page.console.app.gate.check(ctx, action, "*")


async def validate(page: Page) -> Response:
    """The validator's findings for the editor's text, as JSON for ``console.js`` (Access Analyzer's
    ValidatePolicy, so ``access-analyzer:ValidatePolicy`` is checked as in AWS's console)."""
    kinds = {"identity": PolicyKind.IDENTITY, "trust": PolicyKind.TRUST, "resource": PolicyKind.RESOURCE}
    kind = kinds.get(page.form.get("kind", ""), PolicyKind.IDENTITY)
    try:
        _check(page, "access-analyzer", "access-analyzer:ValidatePolicy")
    except AccessDenied as denied:
        return web.json_answer(403, {"denied": denied.message})
    return web.json_answer(200, {"findings": policy_findings(page.form.get("document", ""), kind)})


async def audit_page(page: Page) -> Response:
    """The account's decisions, for a principal allowed CloudTrail's ``cloudtrail:LookupEvents``."""
    try:
        _check(page, "cloudtrail", "cloudtrail:LookupEvents")
    except AccessDenied as denied:
        return page.render("audit.html", 403, events=[], problem=denial_of(denied, page.session), filters={})
    except ServiceError as error:
        return page.render("audit.html", 400, events=[], problem=error.message, filters={})
    filters = {key: page.request.query.get(key, "").strip() for key in ("principal", "action", "decision", "since",
                                                                         "until")}
    store = page.console.app.store
    page.console.app.audit.flush()
    with store.transaction(read_only=True) as conn:
        events = audit.list_events(conn, page.session.caller.account_id, max_items=AUDIT_SCAN).items
    shown = [event for event in events if _matches(event, filters)]
    return page.render("audit.html", events=shown[:200], problem=None, filters=filters)


def _matches(event: audit.AuditEvent, filters: dict[str, str]) -> bool:
    if filters["principal"] and filters["principal"] not in (event.principal_arn or ""):
        return False
    if filters["action"] and filters["action"].lower() not in event.action.lower():
        return False
    if filters["decision"] and filters["decision"] != event.decision:
        return False
    at = event.time.isoformat()  # ISO text compares in time order; a shorter bound is a prefix
    if filters["since"] and at < filters["since"]:
        return False
    return not (filters["until"] and at[:len(filters["until"])] > filters["until"])
