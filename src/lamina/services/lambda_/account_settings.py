"""GetAccountSettings: the account's Lambda limits in the request's region and what it uses of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import Store
from lamina.store.repositories import lambda_functions

from .concurrency import ACCOUNT_CONCURRENCY
from .declarations import declaration

__all__ = ["LIMITS", "get_account_settings"]

LIMITS = {
    "TotalCodeSize": 75 * 1024**3,  # 80530636800
    "CodeSizeUnzipped": 250 * 1024**2,
    "CodeSizeZipped": 50 * 1024**2,
    "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
}
"""AWS's default quotas, as GetAccountSettings reports them (bytes, and executions)."""


@operation("lambda", "GetAccountSettings", authorization=declaration("GetAccountSettings"))
def get_account_settings(ctx: RequestContext, store: Store) -> Mapping[str, Any]:
    """Usage is counted from the store on each call, never kept: it cannot drift."""
    caller = ctx.require_caller()
    with store.transaction(read_only=True) as conn:
        usage = lambda_functions.account_usage(conn, caller.account_id, ctx.region or "us-east-1")
    unreserved = ACCOUNT_CONCURRENCY - usage.reserved_concurrency
    return {"AccountLimit": {**LIMITS, "UnreservedConcurrentExecutions": unreserved},
            "AccountUsage": {"TotalCodeSize": usage.total_code_size, "FunctionCount": usage.function_count}}
