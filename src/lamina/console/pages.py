"""The console's pages: each one calls the API's operations as the signed-in principal (``Page.call``)."""

from __future__ import annotations

import base64
import binascii
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from lamina.authorization import AccessDenied
from lamina.catalog import default_catalog
from lamina.context import RequestContext, new_request_id
from lamina.policy import PolicyKind, validate_policy
from lamina.protocols import Response, ServiceError
from lamina.store.repositories import audit

from . import web
from .app import Page, denial_of

if TYPE_CHECKING:
    from .app import Console

__all__ = ["register"]

NAME = r"([\w+=,.@-]{1,128})"
FUNCTION = r"([\w-]{1,64})"
RUNTIMES = ("python3.13", "python3.12", "python3.11", "nodejs22.x", "nodejs20.x")
"""The runtimes the create form offers (the API takes every runtime Lamina knows)."""
LOG_WINDOW_SECONDS, LOG_LINES = 3600, 100
CHANGE_PASSWORD_POLICY = "arn:aws:iam::aws:policy/IAMUserChangePassword"
"""Attached with a login profile that requires a reset, as AWS's console does."""
AUDIT_SCAN = 1000
"""How many of the latest audit events the audit page filters."""


def register(console: Console) -> None:
    """Every page's route, in one list."""
    for method, pattern, handler in (
        ("GET", "/home", home),
        ("GET", "/password", password_form), ("POST", "/password", change_password),
        ("GET", "/lambda/functions", functions), ("GET", f"/lambda/functions/{FUNCTION}", function),
        ("GET", "/lambda/create", create_function_form), ("POST", "/lambda/create", create_function),
        ("POST", f"/lambda/functions/{FUNCTION}/invoke", invoke),
        ("POST", f"/lambda/functions/{FUNCTION}/code", update_code),
        ("POST", f"/lambda/functions/{FUNCTION}/configuration", update_configuration),
        ("GET", "/iam/users", users), ("POST", "/iam/users", create_user),
        ("GET", f"/iam/users/{NAME}", user), ("POST", f"/iam/users/{NAME}/policies", user_policy),
        ("POST", f"/iam/users/{NAME}/keys", create_key), ("POST", f"/iam/users/{NAME}/keys/(\\w+)", change_key),
        ("POST", f"/iam/users/{NAME}/login-profile", login_profile),
        ("POST", f"/iam/users/{NAME}/inline", user_inline),
        ("POST", f"/iam/users/{NAME}/groups", user_groups), ("POST", f"/iam/users/{NAME}/boundary", user_boundary),
        ("GET", "/iam/groups", groups), ("POST", "/iam/groups", create_group), ("GET", f"/iam/groups/{NAME}", group),
        ("POST", f"/iam/groups/{NAME}/policies", group_policy),
        ("GET", "/iam/roles", roles), ("GET", f"/iam/roles/{NAME}", role), ("POST", f"/iam/roles/{NAME}/trust", trust),
        ("POST", f"/iam/roles/{NAME}/policies", role_policy),
        ("GET", "/iam/policies", policies), ("POST", "/iam/policies", create_policy),
        ("GET", "/simulator", simulator), ("POST", "/simulator", simulate),
        ("GET", "/audit", audit_page),
        ("POST", "/validate", validate),
    ):
        console.route(method, pattern, handler)


async def home(page: Page) -> Response:
    return page.render("home.html")


# -- password ------------------------------------------------------------------------------------

async def password_form(page: Page) -> Response:
    return page.render("password.html", message="")


async def change_password(page: Page) -> Response:
    """ChangePassword as the user: the account's password policy and the gate apply as in the API."""
    form = page.form
    if form.get("new", "") != form.get("confirm", ""):
        return page.render("password.html", 400, message="The new passwords do not match.")
    _, problem = await page.attempt("iam", "ChangePassword", {"OldPassword": form.get("old", ""),
                                                             "NewPassword": form.get("new", "")})
    if problem is not None:
        return page.render("password.html", 400, message=problem if isinstance(problem, str) else problem.message)
    page.console.password_changed(page.session)
    return web.redirect(f"{web.PREFIX}/home")


# -- Lambda --------------------------------------------------------------------------------------

async def functions(page: Page) -> Response:
    found, problem = await page.attempt("lambda", "ListFunctions", {})
    return page.render("functions.html", functions=(found or {}).get("Functions", []), problem=problem)


async def function(page: Page, invocation: dict[str, Any] | None = None, status: int = 200,
                   notice: Any = None) -> Response:
    name = page.arg(1)
    found, problem = await page.attempt("lambda", "GetFunction", {"FunctionName": name})
    sections: dict[str, Any] = {}
    if found is not None:
        for key, operation, pick in (("versions", "ListVersionsByFunction", "Versions"),
                                     ("aliases", "ListAliases", "Aliases"), ("policy", "GetPolicy", "Policy"),
                                     ("url", "GetFunctionUrlConfig", None)):
            result, trouble = await page.attempt("lambda", operation, {"FunctionName": name})
            if isinstance(trouble, str) and trouble.startswith("ResourceNotFoundException"):
                trouble = ""  # no policy, no URL: nothing to show
            sections[key] = trouble if result is None else (result.get(pick) if pick else result)
        if isinstance(sections.get("policy"), str) and sections["policy"]:
            sections["policy"] = _pretty(sections["policy"])
        sections["logs"] = await _recent_logs(page, name)
    return page.render("function.html", status, name=name, found=found, problem=problem, sections=sections,
                       invocation=invocation, event=page.form.get("event", '{\n  "key": "value"\n}'),
                       notice=notice)


async def _recent_logs(page: Page, name: str) -> Any:
    """The last hour's log events of the function (CloudWatch Logs' FilterLogEvents, as the user)."""
    since = int((time.time() - LOG_WINDOW_SECONDS) * 1000)
    result, problem = await page.attempt("logs", "FilterLogEvents", {"logGroupName": f"/aws/lambda/{name}",
                                                                      "startTime": since, "limit": 1000})
    if problem is not None:
        return "" if isinstance(problem, str) and problem.startswith("ResourceNotFound") else problem
    events = result.get("events", [])[-LOG_LINES:]
    return [(datetime.fromtimestamp(event["timestamp"] / 1000, UTC).strftime("%H:%M:%S"),
             str(event.get("message", "")).rstrip("\n")) for event in events]


async def create_function_form(page: Page, problem: Any = None, status: int = 200) -> Response:
    found, listing = await page.attempt("iam", "ListRoles", {})
    roles = [item["Arn"] for item in (found or {}).get("Roles", [])]
    return page.render("function_create.html", status, roles=roles, runtimes=RUNTIMES, problem=problem,
                       roles_problem=listing, form=page.form)


async def create_function(page: Page) -> Response:
    """CreateFunction from the uploaded zip: the role is passed, so ``iam:PassRole`` applies as in the API."""
    form = page.form
    name = form.get("name", "").strip()
    params: dict[str, Any] = {"FunctionName": name, "Runtime": form.get("runtime", ""),
                              "Role": form.get("role", "").strip(), "Handler": form.get("handler", "").strip(),
                              "Code": {"ZipFile": page.request.files.get("code", b"")}}
    _, problem = await page.attempt("lambda", "CreateFunction", params)
    if problem is not None:
        return await create_function_form(page, problem, 400)
    return web.redirect(f"{web.PREFIX}/lambda/functions/{quote(name)}")


async def update_code(page: Page) -> Response:
    _, problem = await page.attempt("lambda", "UpdateFunctionCode", {"FunctionName": page.arg(1),
                                                                     "ZipFile": page.request.files.get("code", b"")})
    return await function(page, notice=problem or "The function's code was updated.",
                          status=200 if problem is None else 400)


async def update_configuration(page: Page) -> Response:
    form = page.form
    try:
        params: dict[str, Any] = {"FunctionName": page.arg(1), "Handler": form.get("handler", "").strip(),
                                  "Description": form.get("description", ""),
                                  "MemorySize": int(form.get("memory", "128")),
                                  "Timeout": int(form.get("timeout", "3"))}
    except ValueError:
        return await function(page, notice="Memory and timeout are whole numbers.", status=400)
    _, problem = await page.attempt("lambda", "UpdateFunctionConfiguration", params)
    return await function(page, notice=problem or "The function's configuration was updated.",
                          status=200 if problem is None else 400)


async def invoke(page: Page) -> Response:
    """Invoke with the test event; the result, its duration (from the log's REPORT line) and the log tail."""
    event = page.form.get("event", "{}")
    try:
        json.loads(event)
    except ValueError:
        return await function(page, {"error": "The test event is not valid JSON."}, 400)
    result, problem = await page.attempt("lambda", "Invoke", {"FunctionName": page.arg(1), "Payload": event.encode(),
                                                              "LogType": "Tail"})
    if problem is not None:
        return await function(page, {"problem": problem}, 403 if not isinstance(problem, str) else 400)
    log = _decoded_log(result.get("LogResult"))
    payload = result.get("Payload") or b""
    return await function(page, {"status": result.get("StatusCode"), "error": result.get("FunctionError"),
                                 "payload": payload.decode("utf-8", "replace") if isinstance(payload, bytes) else
                                 str(payload), "log": log, "duration": _duration(log)})


def _decoded_log(encoded: str | None) -> str:
    try:
        return base64.b64decode(encoded or "").decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def _duration(log: str) -> str:
    for line in log.splitlines():
        if line.startswith("REPORT") and "Duration:" in line:
            return line.split("Duration:", 1)[1].split("\t")[0].strip()
    return ""


# -- IAM users ------------------------------------------------------------------------------------

async def users(page: Page, problem: Any = None, status: int = 200) -> Response:
    found, listing = await page.attempt("iam", "ListUsers", {})
    return page.render("users.html", status, users=(found or {}).get("Users", []), problem=problem or listing)


async def create_user(page: Page) -> Response:
    name = page.form.get("name", "").strip()
    _, problem = await page.attempt("iam", "CreateUser", {"UserName": name})
    if problem is not None:
        return await users(page, problem, 400)
    return web.redirect(f"{web.PREFIX}/iam/users/{quote(name)}")


async def user(page: Page, notice: dict[str, Any] | None = None, status: int = 200) -> Response:
    name = page.arg(1)
    found, problem = await page.attempt("iam", "GetUser", {"UserName": name})
    sections: dict[str, Any] = {}
    if found is not None:
        for key, operation, pick in (("policies", "ListAttachedUserPolicies", "AttachedPolicies"),
                                     ("access_keys", "ListAccessKeys", "AccessKeyMetadata"),
                                     ("groups", "ListGroupsForUser", "Groups"),
                                     ("inline", "ListUserPolicies", "PolicyNames"),
                                     ("profile", "GetLoginProfile", "LoginProfile")):
            result, trouble = await page.attempt("iam", operation, {"UserName": name})
            sections[key] = trouble if result is None else result.get(pick)
    return page.render("user.html", status, name=name, found=found, problem=problem, sections=sections,
                       notice=notice or {}, starter=_STARTER)


async def user_policy(page: Page) -> Response:
    operation = "DetachUserPolicy" if page.form.get("do") == "detach" else "AttachUserPolicy"
    _, problem = await page.attempt("iam", operation, {"UserName": page.arg(1),
                                                       "PolicyArn": page.form.get("policy_arn", "").strip()})
    if problem is not None:
        return await user(page, {"problem": problem}, 400)
    return web.redirect(f"{web.PREFIX}/iam/users/{quote(page.arg(1))}")


async def user_inline(page: Page) -> Response:
    """PutUserPolicy (an inline policy written in the editor) or DeleteUserPolicy."""
    params = {"UserName": page.arg(1), "PolicyName": page.form.get("policy_name", "").strip()}
    if page.form.get("do") == "delete":
        _, problem = await page.attempt("iam", "DeleteUserPolicy", params)
    else:
        document = page.form.get("document", "")
        _, problem = await page.attempt("iam", "PutUserPolicy", {**params, "PolicyDocument": document})
        if problem is not None:
            return await user(page, {"problem": problem, "document": document,
                                     "findings": _findings(document, PolicyKind.IDENTITY)}, 400)
    if problem is not None:
        return await user(page, {"problem": problem}, 400)
    return web.redirect(f"{web.PREFIX}/iam/users/{quote(page.arg(1))}")


async def user_groups(page: Page) -> Response:
    """AddUserToGroup or RemoveUserFromGroup."""
    operation = "RemoveUserFromGroup" if page.form.get("do") == "remove" else "AddUserToGroup"
    _, problem = await page.attempt("iam", operation, {"UserName": page.arg(1),
                                                       "GroupName": page.form.get("group", "").strip()})
    if problem is not None:
        return await user(page, {"problem": problem}, 400)
    return web.redirect(f"{web.PREFIX}/iam/users/{quote(page.arg(1))}")


async def user_boundary(page: Page) -> Response:
    """PutUserPermissionsBoundary, or DeleteUserPermissionsBoundary when the field is empty."""
    arn = page.form.get("boundary_arn", "").strip()
    if arn:
        _, problem = await page.attempt("iam", "PutUserPermissionsBoundary",
                                        {"UserName": page.arg(1), "PermissionsBoundary": arn})
    else:
        _, problem = await page.attempt("iam", "DeleteUserPermissionsBoundary", {"UserName": page.arg(1)})
    if problem is not None:
        return await user(page, {"problem": problem}, 400)
    return web.redirect(f"{web.PREFIX}/iam/users/{quote(page.arg(1))}")


async def create_key(page: Page) -> Response:
    """CreateAccessKey: the only page that ever shows the secret, with a CSV download made in the page."""
    result, problem = await page.attempt("iam", "CreateAccessKey", {"UserName": page.arg(1)})
    if problem is not None:
        return await user(page, {"problem": problem}, 409 if isinstance(problem, str) else 403)
    key = result["AccessKey"]
    csv = f"Access key ID,Secret access key\n{key['AccessKeyId']},{key['SecretAccessKey']}\n"
    href = "data:text/csv;base64," + base64.b64encode(csv.encode()).decode()
    return await user(page, {"new_key": key, "csv_href": href})


async def change_key(page: Page) -> Response:
    name, key_id = page.arg(1), page.arg(2)
    do = page.form.get("do", "")
    if do == "delete":
        _, problem = await page.attempt("iam", "DeleteAccessKey", {"UserName": name, "AccessKeyId": key_id})
    else:
        status = "Active" if do == "activate" else "Inactive"
        _, problem = await page.attempt("iam", "UpdateAccessKey", {"UserName": name, "AccessKeyId": key_id,
                                                                   "Status": status})
    if problem is not None:
        return await user(page, {"problem": problem}, 400)
    return web.redirect(f"{web.PREFIX}/iam/users/{quote(name)}")


async def login_profile(page: Page) -> Response:
    params = {"UserName": page.arg(1), "Password": page.form.get("password", ""),
              "PasswordResetRequired": page.form.get("reset") == "on"}
    _, problem = await page.attempt("iam", "CreateLoginProfile", params)
    if problem is None and params["PasswordResetRequired"]:  # as AWS's console does, so the user can change it
        _, problem = await page.attempt("iam", "AttachUserPolicy", {"UserName": page.arg(1),
                                                                    "PolicyArn": CHANGE_PASSWORD_POLICY})
    if problem is not None:
        return await user(page, {"problem": problem}, 400)
    return web.redirect(f"{web.PREFIX}/iam/users/{quote(page.arg(1))}")


# -- groups, roles, policies ----------------------------------------------------------------------

async def groups(page: Page, problem: Any = None, status: int = 200) -> Response:
    found, listing = await page.attempt("iam", "ListGroups", {})
    return page.render("groups.html", status, groups=(found or {}).get("Groups", []), problem=problem or listing)


async def create_group(page: Page) -> Response:
    name = page.form.get("name", "").strip()
    _, problem = await page.attempt("iam", "CreateGroup", {"GroupName": name})
    if problem is not None:
        return await groups(page, problem, 400)
    return web.redirect(f"{web.PREFIX}/iam/groups/{quote(name)}")


async def group(page: Page, notice: Any = None, status: int = 200) -> Response:
    name = page.arg(1)
    found, problem = await page.attempt("iam", "GetGroup", {"GroupName": name})
    attached, trouble = await page.attempt("iam", "ListAttachedGroupPolicies", {"GroupName": name}) \
        if found else (None, None)
    return page.render("group.html", status, name=name, found=found, problem=problem, notice=notice,
                       attached=trouble if attached is None else attached.get("AttachedPolicies", []))


async def group_policy(page: Page) -> Response:
    operation = "DetachGroupPolicy" if page.form.get("do") == "detach" else "AttachGroupPolicy"
    _, problem = await page.attempt("iam", operation, {"GroupName": page.arg(1),
                                                       "PolicyArn": page.form.get("policy_arn", "").strip()})
    if problem is not None:
        return await group(page, problem, 400)
    return web.redirect(f"{web.PREFIX}/iam/groups/{quote(page.arg(1))}")


async def role_policy(page: Page) -> Response:
    operation = "DetachRolePolicy" if page.form.get("do") == "detach" else "AttachRolePolicy"
    _, problem = await page.attempt("iam", operation, {"RoleName": page.arg(1),
                                                       "PolicyArn": page.form.get("policy_arn", "").strip()})
    if problem is not None:
        return await role(page, None, problem, 400)
    return web.redirect(f"{web.PREFIX}/iam/roles/{quote(page.arg(1))}")


async def roles(page: Page) -> Response:
    found, problem = await page.attempt("iam", "ListRoles", {})
    return page.render("roles.html", roles=(found or {}).get("Roles", []), problem=problem)


async def role(page: Page, document: str | None = None, notice: Any = None, status: int = 200) -> Response:
    name = page.arg(1)
    found, problem = await page.attempt("iam", "GetRole", {"RoleName": name})
    attached, _ = await page.attempt("iam", "ListAttachedRolePolicies", {"RoleName": name}) if found else (None, None)
    trust_text = document
    if trust_text is None and found is not None:
        trust_text = _pretty(unquote(str(found["Role"].get("AssumeRolePolicyDocument", ""))))
    return page.render("role.html", status, name=name, found=found, problem=problem, trust=trust_text or "",
                       attached=(attached or {}).get("AttachedPolicies", []), notice=notice,
                       findings=_findings(trust_text or "", PolicyKind.TRUST) if document is not None else [])


async def trust(page: Page) -> Response:
    document = page.form.get("document", "")
    _, problem = await page.attempt("iam", "UpdateAssumeRolePolicy", {"RoleName": page.arg(1),
                                                                      "PolicyDocument": document})
    if problem is not None:
        return await role(page, document, problem, 400)
    return await role(page, None, "The trust policy was updated.")


async def policies(page: Page, problem: Any = None, document: str = "", status: int = 200,
                   findings: list[dict[str, str]] | None = None) -> Response:
    found, listing = await page.attempt("iam", "ListPolicies", {"Scope": "Local"})
    return page.render("policies.html", status, policies=(found or {}).get("Policies", []),
                       problem=problem or listing, document=document or _STARTER, findings=findings or [],
                       name=page.form.get("name", ""))


async def create_policy(page: Page) -> Response:
    """CreatePolicy; its errors and the validator's findings (Access Analyzer's) are shown beside the editor."""
    document, name = page.form.get("document", ""), page.form.get("name", "").strip()
    findings = _findings(document, PolicyKind.IDENTITY)
    _, problem = await page.attempt("iam", "CreatePolicy", {"PolicyName": name, "PolicyDocument": document})
    if problem is not None:
        return await policies(page, problem, document, 400, findings)
    return await policies(page, None, "", 200, findings)


_STARTER = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}]}, indent=2)


def _findings(document: str, kind: PolicyKind) -> list[dict[str, str]]:
    return [finding.as_dict() for finding in validate_policy(document, kind, default_catalog())]


def _pretty(document: str) -> str:
    try:
        return json.dumps(json.loads(document), indent=2)
    except ValueError:
        return document


# -- simulator and audit --------------------------------------------------------------------------

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
    return web.json_answer(200, {"findings": _findings(page.form.get("document", ""), kind)})


async def audit_page(page: Page) -> Response:
    """The account's decisions, for a principal allowed CloudTrail's ``cloudtrail:LookupEvents``."""
    try:
        _check(page, "cloudtrail", "cloudtrail:LookupEvents")
    except AccessDenied as denied:
        return page.render("audit.html", 403, events=[], problem=denial_of(denied, page.session), filters={})
    except ServiceError as error:
        return page.render("audit.html", 400, events=[], problem=error.message, filters={})
    filters = {key: page.request.query.get(key, "").strip() for key in ("principal", "action", "decision", "since")}
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
    return not (filters["since"] and event.time.isoformat() < filters["since"])
