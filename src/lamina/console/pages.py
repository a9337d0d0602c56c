"""The console's routes, in one list; the pages live in ``lambda_pages``, ``iam_pages`` and ``tools_pages``,
and each calls the API's operations as the signed-in principal (``Page.call``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lamina.protocols import Response

from .app import Page
from .iam_pages import (
    change_key,
    change_password,
    create_group,
    create_key,
    create_policy,
    create_role,
    create_user,
    group,
    group_policy,
    groups,
    login_profile,
    password_form,
    policies,
    role,
    role_policy,
    roles,
    trust,
    user,
    user_boundary,
    user_groups,
    user_inline,
    user_policy,
    users,
)
from .lambda_pages import (
    create_function,
    create_function_form,
    function,
    functions,
    invoke,
    update_code,
    update_configuration,
)
from .tools_pages import audit_page, simulate, simulator, validate

if TYPE_CHECKING:
    from .app import Console

__all__ = ["register"]

NAME = r"([\w+=,.@-]{1,128})"
FUNCTION = r"([\w-]{1,64})"


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
        ("GET", "/iam/roles", roles), ("POST", "/iam/roles", create_role), ("GET", f"/iam/roles/{NAME}", role),
        ("POST", f"/iam/roles/{NAME}/trust", trust),
        ("POST", f"/iam/roles/{NAME}/policies", role_policy),
        ("GET", "/iam/policies", policies), ("POST", "/iam/policies", create_policy),
        ("GET", "/simulator", simulator), ("POST", "/simulator", simulate),
        ("GET", "/audit", audit_page),
        ("POST", "/validate", validate),
    ):
        console.route(method, pattern, handler)


async def home(page: Page) -> Response:
    return page.render("home.html")
