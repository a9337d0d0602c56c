"""Service-linked role deletion tasks, and which Lambda functions still use a role.

A deletion task is decided when it is submitted (Lamina's linked services answer at once), so a
task is stored SUCCEEDED, or FAILED with the reason and the resources that use the role, shaped
as AWS's ``RoleUsageList``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from lamina.arn import format_arn

from ..errors import NotFound
from ..schema import lambda_functions, lambda_versions, service_linked_role_deletions
from ._common import now


@dataclass(frozen=True)
class DeletionTask:
    task_id: str
    account_id: str
    role_name: str
    status: str
    reason: dict[str, Any] | None
    created_at: datetime


def record_deletion(conn: Connection, account_id: str, task_id: str, role_name: str, status: str,
                    reason: dict[str, Any] | None = None) -> DeletionTask:
    task = DeletionTask(task_id, account_id, role_name, status, reason, now())
    conn.execute(service_linked_role_deletions.insert().values(
        task_id=task_id, account_id=account_id, role_name=role_name, status=status,
        reason=json.dumps(reason) if reason is not None else None, created_at=task.created_at))
    return task


def get_deletion(conn: Connection, account_id: str, task_id: str) -> DeletionTask:
    row = conn.execute(select(service_linked_role_deletions).where(
        service_linked_role_deletions.c.task_id == task_id,
        service_linked_role_deletions.c.account_id == account_id)).first()
    if row is None:
        raise NotFound("deletion task", task_id)
    return DeletionTask(row.task_id, row.account_id, row.role_name, row.status,
                        json.loads(row.reason) if row.reason else None, row.created_at)


def functions_using_role(conn: Connection, account_id: str, role_arn: str) -> dict[str, list[str]]:
    """The functions whose $LATEST or a published version runs as ``role_arn``, by region:
    ``{region: [function ARN, ...]}`` (each function once, sorted)."""
    query = (select(lambda_functions.c.region, lambda_functions.c.name, lambda_versions.c.config)
             .join(lambda_versions, lambda_versions.c.function_id == lambda_functions.c.function_id)
             .where(lambda_functions.c.account_id == account_id, lambda_versions.c.config.contains(role_arn)))
    found: dict[str, set[str]] = {}
    for row in conn.execute(query):
        if json.loads(row.config).get("Role") == role_arn:
            arn = format_arn("lambda", row.region, account_id, f"function:{row.name}")
            found.setdefault(row.region, set()).add(arn)
    return {region: sorted(arns) for region, arns in sorted(found.items())}
