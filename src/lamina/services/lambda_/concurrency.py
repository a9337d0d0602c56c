"""PutFunctionConcurrency, GetFunctionConcurrency and DeleteFunctionConcurrency: reserved concurrency.

A reservation sets aside part of the account's concurrent executions in a region for one function
(and caps it there). AWS keeps at least 100 of the account's limit unreserved, so a reservation
that would leave less is refused; the store sums the reservations under a lock on the account, so
two nodes cannot both take the last of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import LimitExceeded, NotFound, Store
from lamina.store.repositories import lambda_functions

from .declarations import declaration
from .errors import InvalidParameterValueException, ResourceNotFoundException
from .names import LATEST, function_ref, unqualified_only

__all__ = ["ACCOUNT_CONCURRENCY", "delete_function_concurrency", "get_function_concurrency",
           "put_function_concurrency"]

ACCOUNT_CONCURRENCY = 1000
"""AWS's default quota of concurrent executions per account and region."""
MINIMUM_UNRESERVED = lambda_functions.MINIMUM_UNRESERVED


@operation("lambda", "PutFunctionConcurrency", authorization=declaration("PutFunctionConcurrency"))
def put_function_concurrency(ctx: RequestContext, store: Store) -> Mapping[str, Any]:
    """Reserve (or change the reservation of) concurrency for the function itself, not a version."""
    ref = unqualified_only(function_ref(ctx))
    reserved = int(ctx.params["ReservedConcurrentExecutions"])
    try:
        with store.transaction() as conn:
            lambda_functions.put_function_concurrency(conn, ref.account, ref.region, ref.name, reserved,
                                                      account_limit=ACCOUNT_CONCURRENCY,
                                                      minimum_unreserved=MINIMUM_UNRESERVED)
    except NotFound:
        raise ResourceNotFoundException(f"Function not found: {ref.arn}:{LATEST}") from None
    except LimitExceeded:
        raise InvalidParameterValueException(
            "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
            f"below its minimum value of [{MINIMUM_UNRESERVED}].") from None
    return {"ReservedConcurrentExecutions": reserved}


@operation("lambda", "GetFunctionConcurrency", authorization=declaration("GetFunctionConcurrency"))
def get_function_concurrency(ctx: RequestContext, store: Store) -> Mapping[str, Any]:
    """The reservation; an empty answer when the function draws on the unreserved pool."""
    ref = unqualified_only(function_ref(ctx))
    try:
        with store.transaction(read_only=True) as conn:
            function = lambda_functions.get_function(conn, ref.account, ref.region, ref.name)
    except NotFound:
        raise ResourceNotFoundException(f"Function not found: {ref.arn}") from None
    return {"ReservedConcurrentExecutions": function.reserved_concurrency}


@operation("lambda", "DeleteFunctionConcurrency", authorization=declaration("DeleteFunctionConcurrency"))
def delete_function_concurrency(ctx: RequestContext, store: Store) -> None:
    ref = unqualified_only(function_ref(ctx))
    try:
        with store.transaction() as conn:
            lambda_functions.delete_function_concurrency(conn, ref.account, ref.region, ref.name)
    except NotFound:
        raise ResourceNotFoundException(f"Function not found: {ref.arn}") from None
