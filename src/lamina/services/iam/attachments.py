"""Attach/Detach/ListAttached User/Group/RolePolicies and ListEntitiesForPolicy.

The store's ``attach_policy`` knows only customer policies (it looks the ARN up in its own table), so an AWS
managed policy (package data, see ``lamina.managed_policies``) is attached here with the same rules: the entity
must exist, attaching twice changes nothing, and the 11th policy is LimitExceeded. Listing reads the attached
ARNs and names each from the store or the package data.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from lamina import managed_policies
from lamina.context import RequestContext
from lamina.services.registry import Authorization, Operation, operation
from lamina.store import Connection, NotFound, Store, StoreError
from lamina.store.repositories import OwnerKind, attachments, owner_id, policies

from ._common import (
    account_of,
    check_marker_items,
    entity_arn,
    entity_label,
    policy_arn_context,
    policy_arn_resource,
    require_arn,
    require_attachable,
    transaction,
)
from .errors import from_store, invalid_input, no_such_entity, policy_not_attachable
from .protected_roles import require_modifiable

_NAME_PARAM: dict[OwnerKind, str] = {"user": "UserName", "group": "GroupName", "role": "RoleName"}
_OP_NAME = {"user": "User", "group": "Group", "role": "Role"}
_SERVICE_ROLE_PATH = "/aws-service-role/"
"""AWS's service role policies live here; only service-linked roles (whose path starts so) take them."""


def _attach(kind: OwnerKind, ctx: RequestContext, store: Store) -> None:
    arn, name = ctx.params["PolicyArn"], ctx.params[_NAME_PARAM[kind]]
    require_arn(arn)
    with transaction(store) as conn:
        entity = owner_id(conn, account_of(ctx), kind, name)
        if kind == "role":
            require_modifiable(conn, account_of(ctx), name)
        require_attachable(conn, arn, account_of(ctx))
        aws = managed_policies.get(arn)
        if aws is not None:
            if aws.path.startswith(_SERVICE_ROLE_PATH) and not (
                    kind == "role" and (attachments.entity_path(conn, account_of(ctx), kind, entity) or "").startswith(
                        _SERVICE_ROLE_PATH)):
                raise policy_not_attachable(_OP_NAME[kind])
            attachments.attach_policy_arn(conn, account_of(ctx), kind, name, arn)
        else:
            attachments.attach_policy(conn, account_of(ctx), kind, name, arn)


def _detach(kind: OwnerKind, ctx: RequestContext, store: Store) -> None:
    arn, name = ctx.params["PolicyArn"], ctx.params[_NAME_PARAM[kind]]
    try:
        with store.transaction() as conn:
            if kind == "role":
                require_modifiable(conn, account_of(ctx), name)
            attachments.detach_policy(conn, account_of(ctx), kind, name, arn)
    except NotFound as error:
        if error.kind == "policy attachment":
            raise no_such_entity(f"Policy {arn} was not found.") from error
        raise from_store(error) from error
    except StoreError as error:
        raise from_store(error) from error


def _policy_name(conn: Connection, arn: str) -> str:
    aws = managed_policies.get(arn)
    if aws is not None:
        return aws.name
    return policies.get_policy(conn, arn).name


def _list(kind: OwnerKind, ctx: RequestContext, store: Store) -> dict[str, Any]:
    """At most 10 per entity, so sorted in memory; PathPrefix filters on the policy's path; the marker is the
    last ARN returned (base64), so it stays valid while policies are attached or detached between pages."""
    prefix = ctx.params.get("PathPrefix", "/")
    marker, max_items = check_marker_items(ctx.params)
    with transaction(store, read_only=True) as conn:
        owner = owner_id(conn, account_of(ctx), kind, ctx.params[_NAME_PARAM[kind]])
        found = [{"PolicyName": _policy_name(conn, arn), "PolicyArn": arn}
                 for arn in attachments.attached_policy_arns(conn, kind, owner)]
    found = sorted((item for item in found if _path_of(item["PolicyArn"]).startswith(prefix)),
                   key=lambda item: (item["PolicyName"].lower(), item["PolicyArn"]))
    if marker:
        after = _unmark(marker)
        found = [item for item in found if (item["PolicyName"].lower(), item["PolicyArn"]) > after]
    result: dict[str, Any] = {"AttachedPolicies": found[:max_items], "IsTruncated": len(found) > max_items}
    if len(found) > max_items:
        last = found[max_items - 1]
        result["Marker"] = base64.urlsafe_b64encode(json.dumps([last["PolicyName"].lower(),
                                                                last["PolicyArn"]]).encode()).decode()
    return result


def _unmark(marker: str) -> tuple[str, str]:
    try:
        name, arn = json.loads(base64.urlsafe_b64decode(marker.encode()))
        return str(name), str(arn)
    except (ValueError, TypeError) as error:
        raise invalid_input("Invalid Marker.") from error


def _path_of(arn: str) -> str:
    resource = arn.split(":", 5)[5]
    return resource[len("policy"):resource.rindex("/") + 1]


def _operations(kind: OwnerKind) -> list[Operation]:
    noun, param = _OP_NAME[kind], _NAME_PARAM[kind]
    label = entity_label(kind)
    entity = entity_arn(kind, param)
    found = []
    for verb, handler in (("Attach", _attach), ("Detach", _detach)):
        name = f"{verb}{noun}Policy"
        auth = Authorization(actions=(f"iam:{name}",), resources=entity, context=policy_arn_context, label=label)
        found.append(Operation("iam", name, _bind(handler, kind), auth))
    listed = f"ListAttached{noun}Policies"
    found.append(Operation("iam", listed, _bind(_list, kind),
                           Authorization(actions=(f"iam:{listed}",), resources=entity, label=label)))
    return found


def _bind(handler: Any, kind: OwnerKind) -> Any:
    def bound(ctx: RequestContext, store: Store) -> Any:
        return handler(kind, ctx, store)

    bound.__name__ = f"{handler.__name__}_{kind}"
    return bound


_KINDS: tuple[OwnerKind, ...] = ("user", "group", "role")
OPERATIONS = [found for kind in _KINDS for found in _operations(kind)]
"""Attach, Detach and ListAttached…Policies for users, groups and roles (``registry.collect`` reads this)."""


@operation("iam", "ListEntitiesForPolicy", authorization=Authorization(
    actions=("iam:ListEntitiesForPolicy",), resources=policy_arn_resource))
def list_entities_for_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    arn = ctx.params["PolicyArn"]
    wanted = ctx.params.get("EntityFilter")
    acct = account_of(ctx)
    with transaction(store, read_only=True) as conn:
        if managed_policies.get(arn) is None:
            policies.get_policy(conn, arn)
        prefix, usage = ctx.params.get("PathPrefix", "/"), ctx.params.get("PolicyUsageFilter")
        found: list[tuple[str, str, str]] = []
        if usage != "PermissionsBoundary":
            found += [(e.kind, e.name, e.entity_id) for e in attachments.list_entities_for_policy(conn, arn)
                      if (attachments.entity_path(conn, acct, e.kind, e.entity_id) or "").startswith(prefix)]
        if usage != "PermissionsPolicy":
            found += [(e.kind, e.name, e.entity_id) for e, path in attachments.bounded_entities(conn, acct, arn)
                      if path.startswith(prefix)]
    result: dict[str, Any] = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": [], "IsTruncated": False}
    for kind, name, entity_id in dict.fromkeys(found):
        if wanted in ("User", "Group", "Role") and wanted.lower() != kind:
            continue
        noun = kind.capitalize()
        result[f"Policy{noun}s"].append({f"{noun}Name": name, f"{noun}Id": entity_id})
    return result
