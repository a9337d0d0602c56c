"""Service last accessed data, from Lamina's audit trail: GenerateServiceLastAccessedDetails,
GetServiceLastAccessedDetails(WithEntities) and ListPoliciesGrantingServiceAccess.

A report lists every service the entity's policies allow (``*`` allows every service the catalog
knows), each with the last time one of the entity's principals made an authenticated request to
it (allowed or denied: AWS counts attempts), which principal and how many did. The job is computed
when generated and kept; AWS runs it in the background, Lamina answers COMPLETED at once.
ACTION_LEVEL adds the last use of each tracked action for the services AWS tracks actions of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import NotFound, Store
from lamina.store.repositories import reports

from ._common import account_of, check_marker_items
from ._entity_policies import Entity, allowed_namespaces, granting, require_kind, resolve, service_name
from .credential_errors import transaction
from .declarations import derived_authorization
from .errors import invalid_input, no_such_entity

TRACKED_ACTION_SERVICES = frozenset({"ec2", "iam", "lambda", "s3"})
"""The services whose actions AWS tracks for ACTION_LEVEL reports."""


def _entity_usage(entity: Entity, accesses: Sequence[reports.LastAccess]) -> dict[str, dict[str, Any]]:
    """Per namespace: each principal's latest time and each action's latest (time, principal)."""
    by_principal = {p.arn: p for p in entity.principals}
    prefixes = {p.audit_prefix: p for p in entity.principals if p.audit_prefix}
    usage: dict[str, dict[str, Any]] = {}
    for access in accesses:
        principal = by_principal.get(access.principal_arn) or next(
            (p for prefix, p in prefixes.items() if access.principal_arn.startswith(prefix)), None)
        if principal is None or ":" not in access.action:
            continue
        namespace, action = access.action.split(":", 1)
        entry = usage.setdefault(namespace, {"entities": {}, "actions": {}})
        when = access.time.isoformat()
        entry["entities"][principal.arn] = max(entry["entities"].get(principal.arn, ""), when)
        if entry["actions"].get(action, ("",))[0] < when:
            entry["actions"][action] = (when, principal.arn)
    return usage


def _service_rows(entity: Entity, usage: dict[str, dict[str, Any]], granularity: str) -> list[dict[str, Any]]:
    rows = []
    for namespace in sorted(allowed_namespaces(held.document for held in entity.held)):
        row: dict[str, Any] = {"ServiceName": service_name(namespace), "ServiceNamespace": namespace,
                               "TotalAuthenticatedEntities": 0}
        used = usage.get(namespace)
        if used:
            latest_arn, latest = max(used["entities"].items(), key=lambda item: item[1])
            row |= {"LastAuthenticated": latest, "LastAuthenticatedEntity": latest_arn,
                    "TotalAuthenticatedEntities": len(used["entities"])}
        if granularity == "ACTION_LEVEL" and namespace in TRACKED_ACTION_SERVICES:
            row["TrackedActionsLastAccessed"] = [
                {"ActionName": action, "LastAccessedEntity": arn, "LastAccessedTime": when}
                for action, (when, arn) in sorted((used or {}).get("actions", {}).items())]
        rows.append(row | {"_entities": (used or {}).get("entities", {})})
    return rows


@operation("iam", "GenerateServiceLastAccessedDetails",
           authorization=derived_authorization("iam", "GenerateServiceLastAccessedDetails"))
def generate_service_last_accessed_details(ctx: RequestContext, store: Store) -> dict[str, Any]:
    account, granularity = account_of(ctx), ctx.params.get("Granularity") or "SERVICE_LEVEL"
    started = datetime.now(UTC).replace(microsecond=0)
    with transaction(store) as conn:
        entity = resolve(conn, account, ctx.params["Arn"])
        accesses = reports.last_accesses(conn, account, [p.arn for p in entity.principals],
                                         [p.audit_prefix for p in entity.principals if p.audit_prefix])
        result = {"services": _service_rows(entity, _entity_usage(entity, accesses), granularity),
                  "principals": [asdict(p) for p in entity.principals]}
        job = reports.save_job(conn, account, "service", entity.arn, granularity, result, started)
    return {"JobId": job.job_id}


def _job(ctx: RequestContext, store: Store) -> reports.LastAccessedJob:
    with transaction(store, read_only=True) as conn:
        try:
            return reports.get_job(conn, account_of(ctx), ctx.params["JobId"])
        except NotFound as error:
            raise no_such_entity(f"No such job exists with id {ctx.params['JobId']}") from error


def _paged(ctx: RequestContext, items: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    marker, max_items = check_marker_items(ctx.params)
    start = 0
    if marker is not None:
        if not marker.isdigit():
            raise invalid_input("Invalid Marker.")
        start = int(marker)
    page = items[start:start + max_items]
    more = start + max_items < len(items)
    return page, ({"IsTruncated": True, "Marker": str(start + max_items)} if more else {"IsTruncated": False})


def _times(value: Any) -> Any:
    """The job's stored ISO times back to timestamps for the serializer."""
    if isinstance(value, dict):
        return {k: (datetime.fromisoformat(v) if k in ("LastAuthenticated", "LastAccessedTime") else _times(v))
                for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_times(item) for item in value]
    return value


@operation("iam", "GetServiceLastAccessedDetails",
           authorization=derived_authorization("iam", "GetServiceLastAccessedDetails"))
def get_service_last_accessed_details(ctx: RequestContext, store: Store) -> dict[str, Any]:
    job = _job(ctx, store)
    page, paging = _paged(ctx, job.result["services"])
    return {"JobStatus": "COMPLETED", "JobType": job.granularity, "JobCreationDate": job.created_at,
            "ServicesLastAccessed": _times(page), "JobCompletionDate": job.completed_at, **paging}


@operation("iam", "GetServiceLastAccessedDetailsWithEntities",
           authorization=derived_authorization("iam", "GetServiceLastAccessedDetailsWithEntities"))
def get_service_last_accessed_details_with_entities(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """Each principal behind the report, with its last request to the service (if any)."""
    job = _job(ctx, store)
    namespace = ctx.params["ServiceNamespace"]
    service = next((s for s in job.result["services"] if s["ServiceNamespace"] == namespace), None)
    used = service["_entities"] if service else {}
    details = []
    for principal in job.result["principals"]:
        info = {"Arn": principal["arn"], "Name": principal["name"], "Type": principal["type"], "Id": principal["id"],
                "Path": principal["path"]}
        entry: dict[str, Any] = {"EntityInfo": info}
        if principal["arn"] in used:
            entry["LastAuthenticated"] = datetime.fromisoformat(used[principal["arn"]])
        details.append(entry)
    page, paging = _paged(ctx, details)
    return {"JobStatus": "COMPLETED", "JobCreationDate": job.created_at, "JobCompletionDate": job.completed_at,
            "EntityDetailsList": page, **paging}


@operation("iam", "ListPoliciesGrantingServiceAccess",
           authorization=derived_authorization("iam", "ListPoliciesGrantingServiceAccess"))
def list_policies_granting_service_access(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """For each namespace asked about, the user's, group's or role's policies that allow it."""
    with transaction(store, read_only=True) as conn:
        entity = resolve(conn, account_of(ctx), ctx.params["Arn"])
    require_kind(entity, ("user", "group", "role"))
    entries = []
    for namespace in ctx.params["ServiceNamespaces"]:
        listed = []
        for held in granting(entity, namespace):
            item: dict[str, Any] = {"PolicyName": held.name, "PolicyType": held.kind}
            if held.arn:
                item["PolicyArn"] = held.arn
            if held.entity_type:
                item |= {"EntityType": held.entity_type, "EntityName": held.entity_name}
            listed.append(item)
        entries.append({"ServiceNamespace": namespace, "Policies": listed})
    return {"PoliciesGrantingServiceAccess": entries, "IsTruncated": False}
