"""Service-linked roles: CreateServiceLinkedRole, DeleteServiceLinkedRole, GetServiceLinkedRoleDeletionStatus.

Each service's role (name, AWS managed policy, whether a custom suffix is allowed, the description
the service gives it) is data, ``lamina/data/service_linked_roles.json``, read off AWS's recorded
answers and documentation. A service-linked role is an ordinary role row whose path is
``/aws-service-role/SERVICE/``: the plain role operations refuse to change or delete it
(``UnmodifiableEntity``, see ``require_modifiable``), only DeleteServiceLinkedRole removes it.

Deletion is decided when it is requested: Lamina's linked service is Lambda, so a role is in use
while a Lambda function of the account runs as it; the task is then FAILED with the functions in
``RoleUsageList``, otherwise the role goes and the task is SUCCEEDED.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from lamina import managed_policies
from lamina.context import RequestContext
from lamina.policy import ContextValue
from lamina.protocols import ServiceError
from lamina.services.registry import Authorization, operation
from lamina.store import Connection, NotFound, Store
from lamina.store.repositories import attachments, inline_policies, roles, service_linked_roles
from lamina.store.repositories.roles import RoleRow

from ._common import account_of, entity_arn, iam_arn, role_label, transaction
from .errors import invalid_input
from .protected_roles import SERVICE_ROLE_PATH, is_service_linked
from .roles import role_shape

MAX_ROLE_NAME = 64
"""A role name's longest (the model's ``roleNameType``): the service's name and the suffix together."""


@cache
def service_table() -> Mapping[str, Mapping[str, Any]]:
    """AWS service principal -> its service-linked role (``RoleName``, ``Policies``, ``CustomSuffix``,
    optional ``Description``)."""
    text = (resources.files("lamina") / "data" / "service_linked_roles.json").read_text("utf-8")
    loaded: dict[str, Mapping[str, Any]] = json.loads(text)
    return loaded


def _trust_policy(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def _role_name(ctx: RequestContext) -> str:
    """The role's name: the service's, with ``_SUFFIX`` when a custom suffix is given and allowed."""
    service = ctx.params["AWSServiceName"]
    entry = service_table().get(service)
    if entry is None:
        raise invalid_input(f"Unrecognized service principal name: {service}")
    suffix = ctx.params.get("CustomSuffix")
    if suffix is None:
        return str(entry["RoleName"])
    if not entry["CustomSuffix"]:
        raise invalid_input(f"Custom suffix is not allowed for {service}")
    name = f"{entry['RoleName']}_{suffix}"
    if len(name) > MAX_ROLE_NAME:
        raise ServiceError("ValidationError", "1 validation error detected: Value at 'roleName' failed to satisfy "
                           f"constraint: Member must have length less than or equal to {MAX_ROLE_NAME}", 400, True)
    return name


def _new_role_arn(ctx: RequestContext, store: Store) -> Sequence[str]:
    service = ctx.params["AWSServiceName"]
    entry = service_table().get(service)
    name = f"{entry['RoleName']}" if entry else "*"
    if entry and ctx.params.get("CustomSuffix"):
        name += f"_{ctx.params['CustomSuffix']}"
    return [iam_arn(account_of(ctx), "role", f"{SERVICE_ROLE_PATH}{service}/", name)]


def _service_name_key(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    return {"iam:AWSServiceName": ctx.params["AWSServiceName"]}


def _new_role_label(ctx: RequestContext) -> str:
    entry = service_table().get(ctx.params["AWSServiceName"])
    return f"role {entry['RoleName']}" if entry else "*"


@operation("iam", "CreateServiceLinkedRole", authorization=Authorization(
    actions=("iam:CreateServiceLinkedRole",), resources=_new_role_arn, context=_service_name_key,
    label=_new_role_label))
def create_service_linked_role(ctx: RequestContext, store: Store) -> dict[str, Any]:
    service = ctx.params["AWSServiceName"]
    name = _role_name(ctx)
    entry = service_table()[service]
    account = account_of(ctx)
    with transaction(store) as conn:
        try:
            roles.get_role(conn, account, name)
        except NotFound:
            pass
        else:
            raise invalid_input(f"Service role name {name} has been taken in this account, please try a different "
                                "suffix.")
        role = roles.create_role(conn, account, name, _trust_policy(service),
                                 path=f"{SERVICE_ROLE_PATH}{service}/",
                                 description=ctx.params.get("Description") or entry.get("Description"))
        for arn in entry["Policies"]:
            if managed_policies.get(arn) is not None:  # two policies' documents are not published: see docs/iam.md
                attachments.attach_policy_arn(conn, account, "role", name, arn)
        shape = role_shape(conn, role)
    shape.pop("RoleLastUsed")
    shape.pop("MaxSessionDuration")
    return {"Role": shape}


def _service_of(role: RoleRow) -> str:
    return role.path[len(SERVICE_ROLE_PATH):].strip("/")


def _usage(conn: Connection, role: RoleRow) -> dict[str, Any] | None:
    """Why the role cannot go yet, in AWS's ``DeletionTaskFailureReasonType`` shape, or None."""
    used = service_linked_roles.functions_using_role(conn, role.account_id, role.arn)
    if not used:
        return None
    return {"Reason": f"The service-linked role {role.name} is in use by Lambda functions: change their execution "
                      "role or delete them, then delete the role again.",
            "RoleUsageList": [{"Region": region, "Resources": arns} for region, arns in used.items()]}


def _delete(conn: Connection, role: RoleRow) -> None:
    for arn in attachments.attached_policy_arns(conn, "role", role.role_id):
        attachments.detach_policy(conn, role.account_id, "role", role.name, arn)
    for name in inline_policies.inline_documents(conn, "role", role.role_id):
        inline_policies.delete_inline_policy(conn, role.account_id, "role", role.name, name)
    roles.delete_role(conn, role.account_id, role.name)


@operation("iam", "DeleteServiceLinkedRole", authorization=Authorization(
    actions=("iam:DeleteServiceLinkedRole",), resources=entity_arn("role", "RoleName"), label=role_label))
def delete_service_linked_role(ctx: RequestContext, store: Store) -> dict[str, Any]:
    account = account_of(ctx)
    with transaction(store) as conn:
        role = roles.get_role(conn, account, ctx.params["RoleName"])
        if not is_service_linked(role):
            raise invalid_input(f"Role {role.name} is not a service-linked role.")
        task_id = f"task{role.path}{role.name}/{uuid.uuid4()}"
        reason = _usage(conn, role)
        if reason is None:
            _delete(conn, role)
        service_linked_roles.record_deletion(conn, account, task_id, role.name,
                                             "FAILED" if reason else "SUCCEEDED", reason)
    return {"DeletionTaskId": task_id}


def _task_role_arn(ctx: RequestContext, store: Store) -> Sequence[str]:
    """``task/aws-service-role/SERVICE/NAME/UUID`` names its role: ``role/aws-service-role/SERVICE/NAME``."""
    parts = str(ctx.params["DeletionTaskId"]).split("/")
    if len(parts) < 5 or parts[0] != "task":
        return ["*"]
    return [iam_arn(account_of(ctx), "role", "/" + "/".join(parts[1:-2]) + "/", parts[-2])]


@operation("iam", "GetServiceLinkedRoleDeletionStatus", authorization=Authorization(
    actions=("iam:GetServiceLinkedRoleDeletionStatus",), resources=_task_role_arn))
def get_service_linked_role_deletion_status(ctx: RequestContext, store: Store) -> dict[str, Any]:
    task_id = str(ctx.params["DeletionTaskId"])
    if not task_id.startswith("task/"):
        raise invalid_input(f"Invalid deletion task id: {task_id}")
    with transaction(store, read_only=True) as conn:
        task = service_linked_roles.get_deletion(conn, account_of(ctx), task_id)
    answer: dict[str, Any] = {"Status": task.status}
    if task.reason is not None:
        answer["Reason"] = task.reason
    return answer


__all__ = ["service_table"]
