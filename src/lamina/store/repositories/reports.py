"""What IAM's reports are built from and kept as: each account's last credential report, the
service-last-accessed jobs, and the audit trail read by principal for them.

A report is computed when asked for and kept, so that the Get* operations answer the same text
until a new one is generated (as AWS keeps a credential report for four hours).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select

from .. import dialect
from ..errors import NotFound
from ..schema import account_properties, audit_events, credential_reports, last_accessed_jobs
from ._common import now
from .accounts import require_account


@dataclass(frozen=True)
class CredentialReport:
    content: str
    generated_at: datetime


@dataclass(frozen=True)
class LastAccessedJob:
    job_id: str
    account_id: str
    kind: str  # service | organizations
    entity_arn: str
    granularity: str
    result: Any  # JSON value
    created_at: datetime
    completed_at: datetime


@dataclass(frozen=True)
class LastAccess:
    """The latest authenticated request of one principal to one action (from the audit trail)."""

    principal_arn: str
    action: str
    time: datetime


def save_credential_report(conn: Connection, account_id: str, content: str) -> CredentialReport:
    require_account(conn, account_id)
    report = CredentialReport(content, now())
    dialect.upsert(conn, credential_reports, {"account_id": account_id, "content": content,
                                              "created_at": report.generated_at}, keys=("account_id",))
    return report


def get_credential_report(conn: Connection, account_id: str) -> CredentialReport:
    row = conn.execute(select(credential_reports).where(credential_reports.c.account_id == account_id)).first()
    if row is None:
        raise NotFound("credential_report", account_id)
    return CredentialReport(row.content, row.created_at)


def save_job(conn: Connection, account_id: str, kind: str, entity_arn: str, granularity: str,
             result: Any, created_at: datetime) -> LastAccessedJob:
    job = LastAccessedJob(str(uuid.uuid4()), account_id, kind, entity_arn, granularity, result, created_at, now())
    conn.execute(last_accessed_jobs.insert().values(
        job_id=job.job_id, account_id=account_id, kind=kind, entity_arn=entity_arn, granularity=granularity,
        result=json.dumps(result), created_at=created_at, completed_at=job.completed_at))
    return job


def get_job(conn: Connection, account_id: str, job_id: str, kind: str = "service") -> LastAccessedJob:
    row = conn.execute(select(last_accessed_jobs).where(last_accessed_jobs.c.job_id == job_id,
                                                        last_accessed_jobs.c.account_id == account_id,
                                                        last_accessed_jobs.c.kind == kind)).first()
    if row is None:
        raise NotFound("job", job_id)
    return LastAccessedJob(row.job_id, row.account_id, row.kind, row.entity_arn, row.granularity,
                           json.loads(row.result), row.created_at, row.completed_at)


def last_accesses(conn: Connection, account_id: str, principals: Iterable[str],
                  principal_prefixes: Iterable[str] = ()) -> list[LastAccess]:
    """Per (principal, action), the latest audited request of the named principals and of those whose
    ARN starts with one of ``principal_prefixes`` (a role's sessions), whatever the decision: AWS
    counts every authenticated attempt."""
    column = audit_events.c.principal_arn
    wanted = [column.in_(list(principals))] + [func.substr(column, 1, len(p)) == p for p in principal_prefixes]
    query = (select(column, audit_events.c.action, func.max(audit_events.c.time).label("time"))
             .where(audit_events.c.account_id == account_id, or_(*wanted))
             .group_by(column, audit_events.c.action))
    return [LastAccess(row.principal_arn, row.action, row.time) for row in conn.execute(query)]


def put_account_properties(conn: Connection, account_id: str, properties: dict[str, str]) -> None:
    """Set (add or replace) the account's properties by name."""
    require_account(conn, account_id)
    for name, value in properties.items():
        dialect.upsert(conn, account_properties, {"account_id": account_id, "name": name, "value": value},
                       keys=("account_id", "name"))


def account_properties_of(conn: Connection, account_id: str) -> dict[str, str]:
    query = select(account_properties).where(account_properties.c.account_id == account_id)
    return {row.name: row.value for row in conn.execute(query.order_by(account_properties.c.name))}
