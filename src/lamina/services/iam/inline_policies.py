"""Put/Get/List/Delete User/Group/RolePolicy: inline policies embedded in one entity.

Documents are checked with the identity grammar and against IAM's aggregate size per entity (whitespace not
counted): user 2,048, group 5,120, role 10,240 characters. GetXPolicy returns the document URL-encoded, as AWS does.
"""

from __future__ import annotations

from typing import Any

from lamina.context import RequestContext
from lamina.policy import PolicyKind
from lamina.services.registry import Authorization, Operation
from lamina.store import NotFound, Store, StoreError
from lamina.store.repositories import OwnerKind, inline_policies, owner_id

from ._common import account_of, check_document, check_marker_items, encoded, entity_arn, entity_label, transaction
from .errors import from_store, limit_exceeded, no_such_entity
from .protected_roles import require_modifiable

_NAME_PARAM: dict[OwnerKind, str] = {"user": "UserName", "group": "GroupName", "role": "RoleName"}
_NOUN = {"user": "User", "group": "Group", "role": "Role"}
AGGREGATE_LIMITS = {"user": 2048, "group": 5120, "role": 10240}


def _compact_len(document: str) -> int:
    return len("".join(document.split()))


def _missing(kind: OwnerKind, policy_name: str, error: NotFound) -> Exception:
    if error.kind == "inline policy":
        return no_such_entity(f"The {kind} policy with name {policy_name} cannot be found.")
    return from_store(error)


def _put(kind: OwnerKind, ctx: RequestContext, store: Store) -> None:
    name, policy_name, document = ctx.params[_NAME_PARAM[kind]], ctx.params["PolicyName"], ctx.params["PolicyDocument"]
    limit = AGGREGATE_LIMITS[kind]
    check_document(document, PolicyKind.IDENTITY)
    with transaction(store) as conn:
        if kind == "role":
            require_modifiable(conn, account_of(ctx), name)
        owner = owner_id(conn, account_of(ctx), kind, name)
        others = inline_policies.inline_documents(conn, kind, owner)
        others.pop(policy_name, None)
        if sum(map(_compact_len, others.values())) + _compact_len(document) > limit:
            raise limit_exceeded(f"Maximum policy size of {limit} bytes exceeded for {kind} {name}")
        inline_policies.put_inline_policy(conn, account_of(ctx), kind, name, policy_name, document)


def _get(kind: OwnerKind, ctx: RequestContext, store: Store) -> dict[str, Any]:
    name, policy_name = ctx.params[_NAME_PARAM[kind]], ctx.params["PolicyName"]
    try:
        with store.transaction(read_only=True) as conn:
            document = inline_policies.get_inline_policy(conn, account_of(ctx), kind, name, policy_name)
    except NotFound as error:
        raise _missing(kind, policy_name, error) from error
    except StoreError as error:
        raise from_store(error) from error
    return {_NAME_PARAM[kind]: name, "PolicyName": policy_name, "PolicyDocument": encoded(document)}


def _list(kind: OwnerKind, ctx: RequestContext, store: Store) -> dict[str, Any]:
    marker, max_items = check_marker_items(ctx.params)
    with transaction(store, read_only=True) as conn:
        page = inline_policies.list_inline_policy_names(conn, account_of(ctx), kind, ctx.params[_NAME_PARAM[kind]],
                                                        marker=marker, max_items=max_items)
    result: dict[str, Any] = {"PolicyNames": list(page.items), "IsTruncated": page.is_truncated}
    if page.marker:
        result["Marker"] = page.marker
    return result


def _delete(kind: OwnerKind, ctx: RequestContext, store: Store) -> None:
    name, policy_name = ctx.params[_NAME_PARAM[kind]], ctx.params["PolicyName"]
    try:
        with store.transaction() as conn:
            if kind == "role":
                require_modifiable(conn, account_of(ctx), name)
            inline_policies.delete_inline_policy(conn, account_of(ctx), kind, name, policy_name)
    except NotFound as error:
        raise _missing(kind, policy_name, error) from error
    except StoreError as error:
        raise from_store(error) from error


def _bind(handler: Any, kind: OwnerKind) -> Any:
    def bound(ctx: RequestContext, store: Store) -> Any:
        return handler(kind, ctx, store)

    bound.__name__ = f"{handler.__name__}_{kind}"
    return bound


def _operations(kind: OwnerKind) -> list[Operation]:
    noun = _NOUN[kind]
    resources = entity_arn(kind, _NAME_PARAM[kind])
    label = entity_label(kind)
    found = []
    for name, handler in ((f"Put{noun}Policy", _put), (f"Get{noun}Policy", _get),
                          (f"List{noun}Policies", _list), (f"Delete{noun}Policy", _delete)):
        auth = Authorization(actions=(f"iam:{name}",), resources=resources, label=label)
        found.append(Operation("iam", name, _bind(handler, kind), auth))
    return found


_KINDS: tuple[OwnerKind, ...] = ("user", "group", "role")
OPERATIONS = [found for kind in _KINDS for found in _operations(kind)]
"""Put, Get, List and Delete inline policies of users, groups and roles (``registry.collect`` reads this)."""
