"""Service-linked roles are protected: the plain role operations may read them, never change them.

AWS answers ``UnmodifiableEntity`` when DeleteRole, UpdateRole, UpdateAssumeRolePolicy or a policy
operation names a role under ``/aws-service-role/``; only the linked service (in Lamina,
DeleteServiceLinkedRole) removes one. Kept apart from ``service_linked_roles`` so the role modules
can use it without importing the operations that import them.
"""

from __future__ import annotations

from lamina.store import Connection, NotFound
from lamina.store.repositories import roles
from lamina.store.repositories.roles import RoleRow

from .errors import unmodifiable_entity

SERVICE_ROLE_PATH = "/aws-service-role/"


def is_service_linked(role: RoleRow) -> bool:
    return role.path.startswith(SERVICE_ROLE_PATH)


def require_modifiable(conn: Connection, account_id: str, role_name: str) -> None:
    """UnmodifiableEntity, in AWS's words, when ``role_name`` is a service-linked role."""
    try:
        role = roles.get_role(conn, account_id, role_name)
    except NotFound:
        return  # the operation itself answers NoSuchEntity
    if is_service_linked(role):
        raise unmodifiable_entity(f"Cannot perform the operation on the protected role '{role.name}' - "
                                  "this role is only modifiable by AWS")
