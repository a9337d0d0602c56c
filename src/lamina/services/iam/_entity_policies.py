"""Which identity policies an IAM entity (user, group, role, managed policy) holds, which services
their Allow statements name, and who acts through them: the facts behind the service-last-accessed
reports and ListPoliciesGrantingServiceAccess.

A user holds its own inline and attached policies and those of its groups; a group and a role
their own; a managed policy is itself. ``principals`` says whose audited requests count for the
entity: a user's own, a role's sessions (``assumed-role/NAME/…``), a group's members, a policy's
attached users, group members and roles.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lamina import managed_policies
from lamina.arn import format_arn, parse_arn
from lamina.catalog import default_catalog
from lamina.protocols import ServiceError
from lamina.store import Connection, NotFound
from lamina.store.repositories import OwnerKind, attachments, groups, inline_policies, policies, roles, users

from .errors import invalid_input, no_such_entity

KINDS = ("user", "group", "role", "policy")


@dataclass(frozen=True)
class HeldPolicy:
    """One policy an entity holds, as ListPoliciesGrantingServiceAccess names it."""

    name: str
    kind: str  # INLINE | MANAGED
    document: str
    arn: str | None = None
    entity_type: str | None = None  # USER | GROUP | ROLE, for an inline policy
    entity_name: str | None = None


@dataclass(frozen=True)
class Principal:
    """An entity whose requests count, as EntityInfo describes it."""

    arn: str
    name: str
    type: str  # USER | ROLE
    id: str
    path: str
    audit_prefix: str | None = None  # a role's sessions: arn:aws:sts::ACCT:assumed-role/NAME/


@dataclass(frozen=True)
class Entity:
    kind: str
    arn: str
    held: tuple[HeldPolicy, ...]
    principals: tuple[Principal, ...] = field(default=())


def _user_principal(row: Any) -> Principal:
    return Principal(row.arn, row.name, "USER", row.user_id, row.path)


def _role_principal(row: Any) -> Principal:
    prefix = format_arn("sts", "", row.account_id, f"assumed-role/{row.name}/")
    return Principal(row.arn, row.name, "ROLE", row.role_id, row.path, prefix)


def _managed(conn: Connection, arn: str) -> HeldPolicy:
    found = managed_policies.get(arn)
    if found is not None:
        return HeldPolicy(found.name, "MANAGED", managed_policies.document(arn) or "{}", arn)
    policy = policies.get_policy(conn, arn)
    version = policies.get_policy_version(conn, arn, policy.default_version_id)
    return HeldPolicy(policy.name, "MANAGED", version.document, arn)


def _own(conn: Connection, kind: OwnerKind, owner_id: str, name: str) -> list[HeldPolicy]:
    inline = [HeldPolicy(pname, "INLINE", doc, None, kind.upper(), name)
              for pname, doc in sorted(inline_policies.inline_documents(conn, kind, owner_id).items())]
    return inline + [_managed(conn, arn) for arn in attachments.attached_policy_arns(conn, kind, owner_id)]


def _all(page_of: Any) -> list[Any]:
    found, marker = [], None
    while True:
        page = page_of(marker)
        found += list(page.items)
        if page.marker is None:
            return found
        marker = page.marker


def resolve(conn: Connection, account: str, arn: str) -> Entity:
    """The entity ``arn`` names, with its policies and principals; AWS's errors when it is no such thing."""
    try:
        parsed = parse_arn(arn)
    except ValueError as error:
        raise invalid_input(f"ARN {arn} is not valid.") from error
    kind, _, rest = parsed.resource.partition("/")
    if parsed.service != "iam" or kind not in KINDS:
        raise invalid_input(f"ARN {arn} is not valid.")
    name = rest.rsplit("/", 1)[-1]
    try:
        return _resolve(conn, account, kind, name, arn)
    except NotFound as error:
        raise no_such_entity(f"The entity {arn} does not exist.") from error


def _resolve(conn: Connection, account: str, kind: str, name: str, arn: str) -> Entity:
    if kind == "user":
        user = users.get_user(conn, account, name)
        held = _own(conn, "user", user.user_id, user.name)
        for group in _all(lambda m: groups.list_groups_for_user(conn, account, user.name, marker=m)):
            held += _own(conn, "group", group.group_id, group.name)
        return Entity(kind, user.arn, tuple(held), (_user_principal(user),))
    if kind == "group":
        group = groups.get_group(conn, account, name)
        members = _all(lambda m: groups.list_group_members(conn, account, group.name, marker=m))
        return Entity(kind, group.arn, tuple(_own(conn, "group", group.group_id, group.name)),
                      tuple(_user_principal(u) for u in members))
    if kind == "role":
        role = roles.get_role(conn, account, name)
        return Entity(kind, role.arn, tuple(_own(conn, "role", role.role_id, role.name)), (_role_principal(role),))
    return Entity(kind, arn, (_managed(conn, arn),), tuple(_policy_principals(conn, account, arn)))


def _policy_principals(conn: Connection, account: str, arn: str) -> list[Principal]:
    found: dict[str, Principal] = {}
    for entity in attachments.list_entities_for_policy(conn, arn):
        if attachments.entity_path(conn, account, entity.kind, entity.entity_id) is None:
            continue
        if entity.kind == "user":
            principal = _user_principal(users.get_user_by_id(conn, entity.entity_id))
            found[principal.arn] = principal
        elif entity.kind == "role":
            principal = _role_principal(roles.get_role_by_id(conn, entity.entity_id))
            found[principal.arn] = principal
        else:
            for user in _all(lambda m, g=entity.name: groups.list_group_members(conn, account, g, marker=m)):
                found[user.arn] = _user_principal(user)
    return list(found.values())


# --- which services a document allows ---------------------------------------------------------


@cache
def _namespaces() -> tuple[str, ...]:
    return default_catalog().services()


def service_name(namespace: str) -> str:
    return default_catalog().service_name(namespace) or namespace


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [v for v in value or () if isinstance(v, str)]


def allowed_namespaces(documents: Iterable[str]) -> set[str]:
    """The services whose actions some Allow statement names (``NotAction``: every service)."""
    found: set[str] = set()
    for document in documents:
        try:
            statements = json.loads(document).get("Statement", [])
        except (ValueError, AttributeError):
            continue
        for statement in [statements] if isinstance(statements, dict) else statements:
            if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                return set(_namespaces())
            for action in _listed(statement.get("Action")):
                prefix = action.split(":", 1)[0].lower() if ":" in action else "*"
                found |= set(fnmatch.filter(_namespaces(), prefix)) if any(c in prefix for c in "*?") else {prefix}
    return found & set(_namespaces())


def granting(entity: Entity, namespace: str) -> list[HeldPolicy]:
    """The entity's policies that allow some action of ``namespace``."""
    return [held for held in entity.held if namespace in allowed_namespaces([held.document])]


def require_kind(entity: Entity, kinds: tuple[str, ...]) -> None:
    if entity.kind not in kinds:
        raise ServiceError("InvalidInput", f"ARN {entity.arn} is not valid.", 400, True)
