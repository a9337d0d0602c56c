"""One module per aggregate; plain functions taking a Connection from ``Store.transaction()``.

This package and its public modules are the store's whole surface for the layers above: they
import nothing from ``_common`` or ``_lambda`` and build no SQL. ``OwnerKind`` and ``owner_id``
(which user, group or role a name means) are re-exported here for them.

from lamina.store.repositories import users, access_keys
with store.transaction() as conn:
    user = users.create_user(conn, account_id, "alice")
    issued = access_keys.create_access_key(conn, store.secret_box, account_id, "alice")
"""

from . import (
    access_keys,
    account_aliases,
    account_summary,
    accounts,
    attachments,
    audit,
    groups,
    identity_providers,
    inline_policies,
    instance_profiles,
    lambda_aliases,
    lambda_async_invocations,
    lambda_code,
    lambda_code_links,
    lambda_functions,
    lambda_layer_policies,
    lambda_layers,
    lambda_policies,
    lambda_urls,
    lambda_versions,
    log_events,
    login_profiles,
    mfa_devices,
    named_principals,
    policies,
    roles,
    server_certificates,
    service_linked_roles,
    sessions,
    sts_preferences,
    tags,
    user_credentials,
    users,
)
from ._common import OwnerKind, Page, owner_id
from ._lambda import LATEST, FunctionRow, Status, VersionRow, sha256_base64, version_number

__all__ = [
    "LATEST",
    "FunctionRow",
    "OwnerKind",
    "Page",
    "Status",
    "VersionRow",
    "access_keys",
    "account_aliases",
    "account_summary",
    "accounts",
    "attachments",
    "audit",
    "groups",
    "identity_providers",
    "inline_policies",
    "instance_profiles",
    "lambda_aliases",
    "lambda_async_invocations",
    "lambda_code",
    "lambda_code_links",
    "lambda_functions",
    "lambda_layer_policies",
    "lambda_layers",
    "lambda_policies",
    "lambda_urls",
    "lambda_versions",
    "log_events",
    "login_profiles",
    "mfa_devices",
    "named_principals",
    "owner_id",
    "policies",
    "roles",
    "server_certificates",
    "service_linked_roles",
    "sessions",
    "sha256_base64",
    "sts_preferences",
    "tags",
    "user_credentials",
    "users",
    "version_number",
]
