"""Account aliases: CreateAccountAlias, DeleteAccountAlias, ListAccountAliases.

An account has at most one alias, and an alias names one account in this Lamina (AWS: in the
partition), so another account's alias is EntityAlreadyExists. Creating an alias when the account
already has one replaces it, as AWS's console "Edit" does with the same call. The model's pattern
and length are checked by the protocol layer before the handler runs.
"""

from __future__ import annotations

from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import Authorization, operation
from lamina.store import NotFound, Store
from lamina.store.repositories import account_aliases, accounts

from ._common import account_of, transaction


@operation("iam", "CreateAccountAlias", authorization=Authorization(actions=("iam:CreateAccountAlias",)))
def create_account_alias(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        accounts.set_account_alias(conn, account_of(ctx), ctx.params["AccountAlias"])


@operation("iam", "DeleteAccountAlias", authorization=Authorization(actions=("iam:DeleteAccountAlias",)))
def delete_account_alias(ctx: RequestContext, store: Store) -> None:
    alias = ctx.params["AccountAlias"]
    with transaction(store) as conn:
        if account_aliases.alias_of(conn, account_of(ctx)) != alias:
            raise NotFound("account alias", alias)
        accounts.set_account_alias(conn, account_of(ctx), None)


@operation("iam", "ListAccountAliases", authorization=Authorization(actions=("iam:ListAccountAliases",)))
def list_account_aliases(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        alias = account_aliases.alias_of(conn, account_of(ctx))
    return {"AccountAliases": [alias] if alias else [], "IsTruncated": False}
