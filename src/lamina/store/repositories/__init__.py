"""One module per aggregate; plain functions taking a Connection from ``Store.transaction()``.

from lamina.store.repositories import users, access_keys
with store.transaction() as conn:
    user = users.create_user(conn, account_id, "alice")
    issued = access_keys.create_access_key(conn, store.secret_box, account_id, "alice")
"""

from . import (
    access_keys,
    accounts,
    attachments,
    audit,
    groups,
    inline_policies,
    lambda_aliases,
    lambda_code,
    lambda_functions,
    lambda_policies,
    lambda_urls,
    lambda_versions,
    login_profiles,
    named_principals,
    policies,
    roles,
    sessions,
    tags,
    users,
)
from ._common import Page
from ._lambda import LATEST, FunctionRow, Status, VersionRow

__all__ = [
    "LATEST",
    "FunctionRow",
    "Page",
    "Status",
    "VersionRow",
    "access_keys",
    "accounts",
    "attachments",
    "audit",
    "groups",
    "inline_policies",
    "lambda_aliases",
    "lambda_code",
    "lambda_functions",
    "lambda_policies",
    "lambda_urls",
    "lambda_versions",
    "login_profiles",
    "named_principals",
    "policies",
    "roles",
    "sessions",
    "tags",
    "users",
]
