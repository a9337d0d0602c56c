"""Reserved concurrency and GetAccountSettings in-process: the account limit, the unreserved minimum, usage."""

from __future__ import annotations

from typing import Any

import pytest
from test_versions_support import (
    ARN,
    ZIP,
    assert_recorded,
    create_function,
    ctx,
    error_of,
    make_store,
    publish,
    recorded,
)

from lamina.services.lambda_.account_settings import get_account_settings
from lamina.services.lambda_.concurrency import (
    delete_function_concurrency,
    get_function_concurrency,
    put_function_concurrency,
)
from lamina.store import Store

NAMES = {"fn": "<function-name:1>", "doesnotexist": "doesnotexist", "nope": "<nonexisting-fn-name>"}


@pytest.fixture
def store() -> Store:
    made = make_store()
    create_function(made, "fn")
    create_function(made, "other")
    return made


def put(store: Store, reserved: int, name: str = "fn") -> Any:
    return put_function_concurrency(ctx("PutFunctionConcurrency", FunctionName=name,
                                        ReservedConcurrentExecutions=reserved), store)


def get(store: Store, name: str = "fn") -> Any:
    return get_function_concurrency(ctx("GetFunctionConcurrency", FunctionName=name), store)


def test_reserve_read_and_delete(store: Store) -> None:
    lifecycle = "function_concurrency"
    for reserved in (0, 1):
        assert put(store, reserved) == recorded(f"{lifecycle}/put_function_concurrency_with_reserved_{reserved}")[
            "Response"]
    assert get(store) == recorded(f"{lifecycle}/get_function_concurrency")["Response"]
    assert delete_function_concurrency(ctx("DeleteFunctionConcurrency", FunctionName=f"{ARN}:fn"), store) is None
    assert {k: v for k, v in get(store).items() if v is not None} == recorded(
        f"{lifecycle}/get_function_concurrency_after_delete")["Response"]


def test_unreserved_concurrency_never_drops_below_100(store: Store) -> None:
    record = "function_concurrency_limits/put_function_concurrency_below_unreserved_min_value"
    expected = recorded(record)["Error"]["Message"].replace("<min_unreserved_concurrency>", "100")
    for reserved in (901, 1001):
        error = error_of(lambda reserved=reserved: put(store, reserved))  # type: ignore[misc]
        assert (error.code, error.message, error.status) == ("InvalidParameterValueException", expected, 400)
    put(store, 500, "other")
    assert error_of(lambda: put(store, 401)).message == expected
    assert put(store, 400) == {"ReservedConcurrentExecutions": 400}
    assert put(store, 300) == {"ReservedConcurrentExecutions": 300}  # its own old reservation is not counted


def test_concurrency_errors(store: Store) -> None:
    prefix = "function_concurrency_exceptions"
    assert_recorded(error_of(lambda: put(store, 1, "doesnotexist")),
                    f"{prefix}/put_function_concurrency_with_function_name_doesnotexist", NAMES)
    assert_recorded(error_of(lambda: put(store, 1, f"{ARN}:fn:1")),
                    f"{prefix}/put_function_concurrency_with_qualified_arn")
    assert_recorded(error_of(lambda: get(store, "nope")),
                    "ops_on_nonexisting_fn[get_function_concurrency]/not_found_exception", NAMES)
    gone = error_of(lambda: delete_function_concurrency(ctx("DeleteFunctionConcurrency", FunctionName="nope"), store))
    assert (gone.code, gone.status) == ("ResourceNotFoundException", 404)


def test_account_settings_count_functions_code_and_reservations(store: Store) -> None:
    first = get_account_settings(ctx("GetAccountSettings"), store)
    expected = recorded("account_settings/acc_settings_modded")["Response"]
    assert sorted(first["AccountLimit"]) == expected["AccountLimit"]
    assert sorted(first["AccountUsage"]) == expected["AccountUsage"]
    assert first["AccountLimit"]["ConcurrentExecutions"] == first["AccountLimit"]["UnreservedConcurrentExecutions"]
    assert first["AccountUsage"] == {"TotalCodeSize": 2 * len(ZIP), "FunctionCount": 2}
    put(store, 250)
    publish(store, "fn")
    after = get_account_settings(ctx("GetAccountSettings"), store)
    assert after["AccountLimit"]["UnreservedConcurrentExecutions"] == 750
    assert after["AccountUsage"] == {"TotalCodeSize": 3 * len(ZIP), "FunctionCount": 2}
    elsewhere = get_account_settings(ctx("GetAccountSettings", region="eu-west-1"), store)
    assert elsewhere["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}
