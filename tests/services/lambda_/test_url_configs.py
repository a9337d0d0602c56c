"""Function URL configs in-process: on the function or an alias, AWS's errors, the URL Lamina serves, condition keys."""

from __future__ import annotations

import re
from typing import Any

import pytest
from test_versions_support import (
    ACCT,
    ARN,
    REGION,
    assert_recorded,
    create_function,
    ctx,
    deps,
    error_of,
    make_store,
    publish,
    recorded,
)

from lamina.services import declaration
from lamina.services.lambda_.url_configs import (
    create_function_url_config,
    delete_function_url_config,
    function_url,
    get_function_url_config,
    list_function_url_configs,
    update_function_url_config,
)
from lamina.settings import Settings
from lamina.store import Store
from lamina.store.repositories import lambda_aliases

EXCEPTIONS = "url_config_exceptions"
URL = re.compile(r"http://[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:4599/")


@pytest.fixture
def store() -> Store:
    """``fn`` with version 1 and alias ``urlalias`` on it."""
    made = make_store()
    create_function(made, "fn")
    publish(made, "fn")
    with made.transaction() as conn:
        lambda_aliases.create_alias(conn, ACCT, REGION, "fn", "urlalias", "1")
    return made


def call(handler: Any, store: Store, operation: str, **params: Any) -> Any:
    needs_store = handler is delete_function_url_config
    return handler(ctx(operation, **params), store if needs_store else deps(store))


def create(store: Store, **params: Any) -> Any:
    return call(create_function_url_config, store, "CreateFunctionUrlConfig", **{"AuthType": "NONE", **params})


def shape(answer: Any) -> dict[str, Any]:
    """What the recordings compare: every field, with the URL and times as AWS's normaliser writes them."""
    return {k: ("lambda-url" if k == "FunctionUrl" else "date" if k.endswith("Time") else v)
            for k, v in answer.items()}


def test_lifecycle_answers_as_aws(store: Store) -> None:
    lifecycle = "url_config_lifecycle"
    created = create(store, FunctionName="fn")
    assert URL.fullmatch(created["FunctionUrl"]) and created["FunctionArn"] == f"{ARN}:fn"
    assert shape(created) == {**recorded(f"{lifecycle}/url_creation")["Response"], "FunctionArn": f"{ARN}:fn"}
    got = call(get_function_url_config, store, "GetFunctionUrlConfig", FunctionName="fn")
    assert shape(got) == {**recorded(f"{lifecycle}/get_url_config")["Response"], "FunctionArn": f"{ARN}:fn"}
    assert got["FunctionUrl"] == created["FunctionUrl"]
    updated = call(update_function_url_config, store, "UpdateFunctionUrlConfig", FunctionName="fn",
                   AuthType="AWS_IAM")
    assert shape(updated) == {**recorded(f"{lifecycle}/updated_url_config")["Response"], "FunctionArn": f"{ARN}:fn"}
    assert updated["FunctionUrl"] == created["FunctionUrl"]
    duplicate = error_of(lambda: create(store, FunctionName="fn"))
    assert_recorded(duplicate, f"{lifecycle}/failed_duplication", {"fn": "<resource:1>"})
    assert call(delete_function_url_config, store, "DeleteFunctionUrlConfig", FunctionName="fn") is None
    gone = error_of(lambda: call(get_function_url_config, store, "GetFunctionUrlConfig", FunctionName="fn"))
    assert_recorded(gone, f"{lifecycle}/failed_getter")


def test_cors_and_invoke_mode_are_kept_and_replaced(store: Store) -> None:
    cors = {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET"], "MaxAge": 60}
    created = create(store, FunctionName="fn", Cors=cors, InvokeMode="RESPONSE_STREAM")
    assert (created["Cors"], created["InvokeMode"]) == (cors, "RESPONSE_STREAM")
    updated = call(update_function_url_config, store, "UpdateFunctionUrlConfig", FunctionName="fn",
                   Cors={"AllowCredentials": True})
    assert updated["Cors"] == {"AllowCredentials": True} and updated["AuthType"] == "NONE"


def test_alias_urls_stand_apart_and_list_in_order(store: Store) -> None:
    empty = call(list_function_url_configs, store, "ListFunctionUrlConfigs", FunctionName="fn")
    assert empty == {**recorded("url_config_list_paging/list_all_empty")["Response"], "NextMarker": None}
    on_alias = create(store, FunctionName="fn", Qualifier="urlalias")
    assert on_alias["FunctionArn"] == f"{ARN}:fn:urlalias"
    by_arn = create(store, FunctionName=f"{ARN}:fn")
    assert by_arn["FunctionUrl"] != on_alias["FunctionUrl"]
    listed = call(list_function_url_configs, store, "ListFunctionUrlConfigs", FunctionName="fn")
    expected = recorded("url_config_list_paging/list_all")["Response"]["FunctionUrlConfigs"]
    assert [shape(c) for c in listed["FunctionUrlConfigs"]] == [
        {**expected[0], "FunctionArn": f"{ARN}:fn"}, {**expected[1], "FunctionArn": f"{ARN}:fn:urlalias"}]
    page = call(list_function_url_configs, store, "ListFunctionUrlConfigs", FunctionName="fn", MaxItems=1)
    assert len(page["FunctionUrlConfigs"]) == 1 and page["NextMarker"]
    call(delete_function_url_config, store, "DeleteFunctionUrlConfig", FunctionName="fn")
    kept = call(get_function_url_config, store, "GetFunctionUrlConfig", FunctionName="fn:urlalias")
    assert kept["FunctionArn"] == f"{ARN}:fn:urlalias"


@pytest.mark.parametrize("operation", ["create", "get", "delete", "update"])
def test_missing_functions_aliases_and_configs(store: Store, operation: str) -> None:
    handlers = {"create": (create_function_url_config, "CreateFunctionUrlConfig"),
                "get": (get_function_url_config, "GetFunctionUrlConfig"),
                "delete": (delete_function_url_config, "DeleteFunctionUrlConfig"),
                "update": (update_function_url_config, "UpdateFunctionUrlConfig")}
    handler, name = handlers[operation]
    prefix = f"{EXCEPTIONS}/{operation}_function_url_config"
    cases = {"name_doesnotexist": {"FunctionName": "nope"},
             "arn_doesnotexist": {"FunctionName": f"{ARN}:nope"},
             "qualifier_alias_doesnotexist": {"FunctionName": "fn", "Qualifier": "missing"}}
    if operation != "create":
        cases["config_doesnotexist"] = {"FunctionName": "fn", "Qualifier": "urlalias"}
    if operation != "delete":  # AWS answered an internal failure to this one
        cases["qualifier_alias_doesnotmatch_arn"] = {"FunctionName": f"{ARN}:fn:urlalias", "Qualifier": "other"}
    for case, params in cases.items():
        assert_recorded(error_of(lambda params=params: call(handler, store, name, AuthType="NONE", **params)),
                        f"{prefix}_{case}")


def test_list_of_a_missing_function(store: Store) -> None:
    error = error_of(lambda: call(list_function_url_configs, store, "ListFunctionUrlConfigs", FunctionName="nope"))
    assert_recorded(error, "url_config_list_paging/list_function_notfound")


@pytest.mark.parametrize(("host", "port", "expected"), [
    ("127.0.0.1", 4599, "http://abc.lambda-url.us-east-1.localhost:4599/"),
    ("0.0.0.0", 8080, "http://abc.lambda-url.us-east-1.localhost:8080/"),
    ("::1", 4599, "http://abc.lambda-url.us-east-1.localhost:4599/"),
    ("lamina.internal", 4599, "http://abc.lambda-url.us-east-1.lamina.internal:4599/"),
])
def test_the_url_reaches_lamina(host: str, port: int, expected: str) -> None:
    assert function_url(Settings(host=host, port=port), "abc", "us-east-1") == expected


def test_url_declarations_carry_the_auth_type_and_function_arn(store: Store) -> None:
    found = declaration("lambda", "CreateFunctionUrlConfig")
    assert found is not None and found.context is not None
    request = ctx("CreateFunctionUrlConfig", FunctionName="fn", Qualifier="urlalias", AuthType="AWS_IAM")
    assert list(found.resources(request, store)) == [f"{ARN}:fn:urlalias"]
    keys = found.context(request, store)
    assert (keys["lambda:FunctionUrlAuthType"], keys["lambda:FunctionArn"]) == ("AWS_IAM", f"{ARN}:fn:urlalias")
    create(store, FunctionName="fn")
    getter = declaration("lambda", "GetFunctionUrlConfig")
    assert getter is not None and getter.context is not None
    existing = getter.context(ctx("GetFunctionUrlConfig", FunctionName="fn"), store)
    assert existing["lambda:FunctionUrlAuthType"] == "NONE"
    absent = getter.context(ctx("GetFunctionUrlConfig", FunctionName="nope"), store)
    assert "lambda:FunctionUrlAuthType" not in absent
