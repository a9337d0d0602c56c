"""The counts behind GetAccountSummary: how many of each IAM entity an account holds."""

from __future__ import annotations

from sqlalchemy import Connection, Table, func, select

from ..schema import (
    access_keys,
    attachments,
    groups,
    instance_profiles,
    managed_policies,
    oidc_providers,
    roles,
    saml_providers,
    server_certificates,
    users,
)


def _count(conn: Connection, table: Table, account_id: str) -> int:
    query = select(func.count()).select_from(table).where(table.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())


def entity_counts(conn: Connection, account_id: str) -> dict[str, int]:
    """Users, groups, roles, customer managed policies, instance profiles, policy attachments (any
    managed policy attached to any user, group or role), server certificates, identity providers
    (OIDC and SAML), and the root user's access keys."""
    root_keys = select(func.count()).select_from(access_keys).where(
        access_keys.c.account_id == account_id, access_keys.c.user_id.is_(None))
    return {
        "Users": _count(conn, users, account_id),
        "Groups": _count(conn, groups, account_id),
        "Roles": _count(conn, roles, account_id),
        "Policies": _count(conn, managed_policies, account_id),
        "InstanceProfiles": _count(conn, instance_profiles, account_id),
        "PolicyVersionsInUse": _count(conn, attachments, account_id),
        "ServerCertificates": _count(conn, server_certificates, account_id),
        "Providers": _count(conn, oidc_providers, account_id) + _count(conn, saml_providers, account_id),
        "RootAccessKeys": int(conn.execute(root_keys).scalar_one()),
    }
