"""The IAM pages: password, users (policies, boundary, inline policies, groups, access keys, console
access), groups, roles (trust policy editor) and policies."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote, unquote

from lamina.policy import PolicyKind
from lamina.protocols import Response

from . import web
from .app import Page
from .policy_text import STARTER, policy_findings, pretty

__all__ = ["change_key", "change_password", "create_group", "create_key", "create_policy", "create_role", "create_user",
           "group",
           "group_policy", "groups", "login_profile", "password_form", "policies", "role", "role_policy", "roles",
           "trust", "user", "user_boundary", "user_groups", "user_inline", "user_policy", "users"]

LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}, indent=2)
"""A new role's trust policy to start from: a function's execution role."""
CHANGE_PASSWORD_POLICY = "arn:aws:iam::aws:policy/IAMUserChangePassword"
"""Attached with a login profile that requires a reset, as AWS's console does."""


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
                       notice=notice or {}, starter=STARTER)


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
                                     "findings": policy_findings(document, PolicyKind.IDENTITY)}, 400)
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


async def roles(page: Page, problem: Any = None, status: int = 200) -> Response:
    found, listing = await page.attempt("iam", "ListRoles", {})
    return page.render("roles.html", status, roles=(found or {}).get("Roles", []), problem=problem or listing,
                       name=page.form.get("name", ""), document=page.form.get("document", LAMBDA_TRUST))


async def create_role(page: Page) -> Response:
    """CreateRole with the trust policy written in the editor (Lambda's, to start with)."""
    name = page.form.get("name", "").strip()
    _, problem = await page.attempt("iam", "CreateRole", {"RoleName": name,
                                                          "AssumeRolePolicyDocument": page.form.get("document", "")})
    if problem is not None:
        return await roles(page, problem, 400)
    return web.redirect(f"{web.PREFIX}/iam/roles/{quote(name)}")


async def role(page: Page, document: str | None = None, notice: Any = None, status: int = 200) -> Response:
    name = page.arg(1)
    found, problem = await page.attempt("iam", "GetRole", {"RoleName": name})
    attached, _ = await page.attempt("iam", "ListAttachedRolePolicies", {"RoleName": name}) if found else (None, None)
    trust_text = document
    if trust_text is None and found is not None:
        trust_text = pretty(unquote(str(found["Role"].get("AssumeRolePolicyDocument", ""))))
    return page.render("role.html", status, name=name, found=found, problem=problem, trust=trust_text or "",
                       attached=(attached or {}).get("AttachedPolicies", []), notice=notice,
                       findings=policy_findings(trust_text or "", PolicyKind.TRUST) if document is not None else [])


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
                       problem=problem or listing, document=document or STARTER, findings=findings or [],
                       name=page.form.get("name", ""))


async def create_policy(page: Page) -> Response:
    """CreatePolicy; its errors and the validator's findings (Access Analyzer's) are shown beside the editor."""
    document, name = page.form.get("document", ""), page.form.get("name", "").strip()
    found = policy_findings(document, PolicyKind.IDENTITY)
    _, problem = await page.attempt("iam", "CreatePolicy", {"PolicyName": name, "PolicyDocument": document})
    if problem is not None:
        return await policies(page, problem, document, 400, found)
    return await policies(page, None, "", 200, found)
