"""Reserved concurrency and account settings end to end: boto3 against ``lamina serve``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_versions_support import (
    ARN,
    client_error,
    client_normalised,
    create_served_function,
    recorded,
    recorded_error,
    served,
)

from lamina.pytest_plugin import LaminaServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    with served(tmp_path_factory, "concurrency") as running:
        create_served_function(running, "fn")
        create_served_function(running, "other")
        yield running


def without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def test_function_concurrency_lifecycle(lam: Any) -> None:
    lifecycle = "function_concurrency"
    assert without_metadata(lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=0)) == \
        recorded(f"{lifecycle}/put_function_concurrency_with_reserved_0")["Response"]
    lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=1)
    assert without_metadata(lam.get_function_concurrency(FunctionName="fn")) == recorded(
        f"{lifecycle}/get_function_concurrency")["Response"]
    assert lam.delete_function_concurrency(FunctionName="fn")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert without_metadata(lam.get_function_concurrency(FunctionName="fn")) == {}


def test_function_concurrency_errors(lam: Any) -> None:
    prefix = "function_concurrency_exceptions"
    assert client_normalised(client_error(lambda: lam.put_function_concurrency(
        FunctionName="doesnotexist", ReservedConcurrentExecutions=1)), {"doesnotexist": "doesnotexist"}) == \
        recorded_error(f"{prefix}/put_function_concurrency_with_function_name_doesnotexist")
    assert client_error(lambda: lam.put_function_concurrency(
        FunctionName=f"{ARN}:fn:1", ReservedConcurrentExecutions=1)) == recorded_error(
        f"{prefix}/put_function_concurrency_with_qualified_arn")
    code, message, status = client_error(lambda: lam.put_function_concurrency(
        FunctionName="fn", ReservedConcurrentExecutions=901))
    expected = recorded_error("function_concurrency_limits/put_function_concurrency_below_unreserved_min_value")
    assert (code, message, status) == (expected[0], expected[1].replace("<min_unreserved_concurrency>", "100"),
                                       expected[2])


def test_account_settings(lam: Any) -> None:
    lam.put_function_concurrency(FunctionName="other", ReservedConcurrentExecutions=100)
    settings = lam.get_account_settings()
    expected = recorded("account_settings/acc_settings_modded")["Response"]
    assert sorted(settings["AccountLimit"]) == expected["AccountLimit"]
    assert sorted(settings["AccountUsage"]) == expected["AccountUsage"]
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 900
    assert settings["AccountLimit"]["CodeSizeZipped"] == 52428800
    assert settings["AccountUsage"]["FunctionCount"] == 2 and settings["AccountUsage"]["TotalCodeSize"] > 0
