"""Gather the policies that apply to a caller from the store, compiled by the engine.

User: its inline and attached policies and those of its groups, and its boundary. Role
session: the role's inline and attached policies, its boundary, and the session's policies.
Root: none (it has full access). Principals are looked up by unique id (``AIDA…``, ``AROA…``),
never by name: a principal deleted and re-created under its old name is another principal.
Documents are compiled by ``parse_policy``, which caches by content, so gathering costs a few
reads and dictionary lookups.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

from lamina.policy import MalformedPolicyDocument, Policy, PolicyKind, PolicySet, parse_policy
from lamina.store import Connection, NotFound
from lamina.store.repositories import (
    OwnerKind,
    attachments,
    groups,
    inline_policies,
    policies,
    roles,
    sessions,
    tags,
    users,
)


def is_aws_owned(arn: str) -> bool:
    """An ARN in AWS's own account ``aws`` (its managed policies, ``arn:PARTITION:iam::aws:policy/...``),
    which belongs to no customer account and exists in every partition."""
    if ":iam:" not in arn:  # the common answer, without splitting (the service is the third part)
        return False
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[4] == "aws"


NOTHING = parse_policy('{"Version": "2012-10-17", "Statement": []}', PolicyKind.IDENTITY, "unreadable-policy")
"""Stands in for a boundary or session policy whose document cannot be read: it allows
nothing, so an unreadable limit never widens access (fail closed)."""
ROOT_ACCESS = parse_policy('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", '
                           '"Resource": "*"}]}', PolicyKind.IDENTITY, "root-user")
"""The root user's full access, as the identity side of a federated user the root made (the engine
grants root itself without policies, but a federated user is not the root)."""


@dataclass(frozen=True)
class PrincipalPolicies:
    """The identity side of a caller: what ``PolicySet`` needs, plus the caller's tags."""

    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    session: tuple[Policy, ...] | None = None
    tags: tuple[tuple[str, str], ...] = ()

    def policy_set(self, resource: Policy | None = None) -> PolicySet:
        """The engine's ``PolicySet``: these policies, with ``resource`` as the resource-based policy."""
        if resource is None:
            return self._identity_only
        return PolicySet(identity=self.identity, boundary=self.boundary, session=self.session, resource=resource)

    @functools.cached_property
    def _identity_only(self) -> PolicySet:
        """Built once per (cached, immutable) instance: most decisions have no resource-based policy."""
        return PolicySet(identity=self.identity, boundary=self.boundary, session=self.session)


def managed_document(conn: Connection, arn: str) -> str | None:
    """The default version's document of a managed policy (AWS managed or the account's)."""
    if is_aws_owned(arn):
        try:
            module = importlib.import_module("lamina.managed_policies")
        except ModuleNotFoundError:
            return None
        found: str | None = module.document(arn)
        return found
    try:
        row = policies.get_policy(conn, arn)
        return policies.get_policy_version(conn, arn, row.default_version_id).document
    except NotFound:
        return None


def _compile(document: str | None, policy_id: str) -> Policy | None:
    if document is None:
        return None
    try:
        return parse_policy(document, PolicyKind.IDENTITY, policy_id)
    except MalformedPolicyDocument:  # stored documents were checked when written; never fail open
        return None


def _owned(conn: Connection, kind: OwnerKind, owner_id: str, owner_name: str) -> list[Policy]:
    found = [_compile(doc, f"{kind}/{owner_name}/{name}")
             for name, doc in sorted(inline_policies.inline_documents(conn, kind, owner_id).items())]
    attached = attachments.attached_policy_arns(conn, kind, owner_id)
    found += [_compile(managed_document(conn, arn), arn) for arn in attached]
    return [p for p in found if p is not None]


def _boundary(conn: Connection, arn: str | None) -> Policy | None:
    return None if arn is None else _compile(managed_document(conn, arn), arn) or NOTHING


def for_user(conn: Connection, account_id: str, user_name: str) -> PrincipalPolicies:
    """The policies of the user named ``user_name`` now (the simulator's question)."""
    return _user(conn, users.get_user(conn, account_id, user_name))


def for_user_id(conn: Connection, user_id: str) -> PrincipalPolicies:
    """The policies of the user with unique id ``user_id``; NotFound once it is deleted."""
    return _user(conn, users.get_user_by_id(conn, user_id))


def _user(conn: Connection, user: users.UserRow) -> PrincipalPolicies:
    """A user's own policies, its groups' policies, its boundary and its tags."""
    identity = _owned(conn, "user", user.user_id, user.name)
    for group in groups.list_groups_for_user(conn, user.account_id, user.name, max_items=1000).items:
        identity += _owned(conn, "group", group.group_id, group.name)
    user_tags = tuple(tags.all_tags(conn, "user", user.user_id).items())
    return PrincipalPolicies(tuple(identity), _boundary(conn, user.permissions_boundary), None, user_tags)


def for_role(conn: Connection, account_id: str, role_name: str) -> PrincipalPolicies:
    """The policies of the role named ``role_name`` now (the simulator's question)."""
    return _role(roles.get_role(conn, account_id, role_name), conn)


def for_role_id(conn: Connection, role_id: str) -> PrincipalPolicies:
    """The policies of the role with unique id ``role_id``; NotFound once it is deleted."""
    return _role(roles.get_role_by_id(conn, role_id), conn)


def _role(role: roles.RoleRow, conn: Connection) -> PrincipalPolicies:
    """A role's policies, boundary and tags (its sessions add their own policies and tags)."""
    role_tags = tuple(tags.all_tags(conn, "role", role.role_id).items())
    return PrincipalPolicies(tuple(_owned(conn, "role", role.role_id, role.name)),
                             _boundary(conn, role.permissions_boundary), None, role_tags)


def for_session(conn: Connection, access_key_id: str, base: PrincipalPolicies) -> PrincipalPolicies:
    """``base`` narrowed by the session's policies, with session tags over the role's tags."""
    session = sessions.get_session(conn, access_key_id).spec
    passed = [_compile(doc, f"session-policy-{i}") for i, doc in enumerate(session.session_policies)]
    passed += [_compile(managed_document(conn, arn), arn) for arn in session.session_policy_arns]
    merged = {key.lower(): (key, value) for key, value in base.tags}
    merged.update({key.lower(): (key, value) for key, value in session.tags.items()})
    session_policies = tuple(p or NOTHING for p in passed)
    return PrincipalPolicies(base.identity, base.boundary,
                             session_policies if passed else None, tuple(merged.values()))


def for_federated_session(conn: Connection, access_key_id: str, base: PrincipalPolicies) -> PrincipalPolicies:
    """A federated user (GetFederationToken): its maker's policies narrowed by the session's.

    Unlike a role session, a federated user that was given no session policy has no permissions
    (AWS: "If you do not pass a policy ... the resulting federated user session has no
    permissions"), so the session side is then ``NOTHING`` rather than no limit at all.
    """
    found = for_session(conn, access_key_id, base)
    return found if found.session is not None else PrincipalPolicies(found.identity, found.boundary, (NOTHING,),
                                                                       found.tags)


def for_federated_user_source(conn: Connection, account_id: str, source_id: str) -> PrincipalPolicies:
    """The identity side of the user (or root) who made a federated user."""
    if source_id == account_id:
        return PrincipalPolicies((ROOT_ACCESS,))
    return for_user_id(conn, source_id)
