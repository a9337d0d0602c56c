"""Function URL configs end to end: boto3 against ``lamina serve``, the URL it announces, the URL condition keys."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from test_versions_support import (
    ACCT,
    ARN,
    REGION,
    client_error,
    create_served_function,
    open_store,
    recorded,
    recorded_error,
    served,
    user_client,
)

from lamina.pytest_plugin import LaminaServer
from lamina.store.repositories import lambda_aliases, lambda_versions

EXCEPTIONS = "url_config_exceptions"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    with served(tmp_path_factory, "urls") as running:
        create_served_function(running, "fn")
        store = open_store(running.data_dir)
        try:
            with store.transaction() as conn:
                lambda_versions.publish_version(conn, ACCT, REGION, "fn")
                lambda_aliases.create_alias(conn, ACCT, REGION, "fn", "urlalias", "1")
        finally:
            store.close()
        yield running


def shape(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: ("lambda-url" if k == "FunctionUrl" else "date" if k.endswith("Time") else v)
            for k, v in answer.items() if k != "ResponseMetadata"}


def test_url_lifecycle(server: LaminaServer, lam: Any) -> None:
    lifecycle = "url_config_lifecycle"
    created = lam.create_function_url_config(FunctionName="fn", AuthType="NONE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert shape(created) == {**recorded(f"{lifecycle}/url_creation")["Response"], "FunctionArn": f"{ARN}:fn"}
    port = urllib.parse.urlsplit(server.endpoint_url).port
    assert re.fullmatch(rf"http://[a-z0-9]{{32}}\.lambda-url\.{REGION}\.localhost:{port}/", created["FunctionUrl"])
    got = lam.get_function_url_config(FunctionName="fn")
    assert shape(got) == {**recorded(f"{lifecycle}/get_url_config")["Response"], "FunctionArn": f"{ARN}:fn"}
    updated = lam.update_function_url_config(FunctionName="fn", AuthType="AWS_IAM")
    assert shape(updated) == {**recorded(f"{lifecycle}/updated_url_config")["Response"], "FunctionArn": f"{ARN}:fn"}
    code, message, status = client_error(lambda: lam.create_function_url_config(FunctionName="fn", AuthType="NONE"))
    expected = recorded_error(f"{lifecycle}/failed_duplication")
    assert (code, status) == (expected[0], expected[2]) and message == expected[1].replace(
        "arn:<partition>:lambda:<region>:111111111111:function:<resource:1>", f"{ARN}:fn")
    alias = lam.create_function_url_config(FunctionName="fn", Qualifier="urlalias", AuthType="NONE")
    listed = lam.list_function_url_configs(FunctionName="fn")["FunctionUrlConfigs"]
    assert [c["FunctionArn"] for c in listed] == [f"{ARN}:fn", f"{ARN}:fn:urlalias"]
    assert listed[1]["FunctionUrl"] == alias["FunctionUrl"] != listed[0]["FunctionUrl"]
    assert lam.delete_function_url_config(FunctionName="fn")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert client_error(lambda: lam.get_function_url_config(FunctionName="fn")) == recorded_error(
        f"{lifecycle}/failed_getter")
    assert lam.get_function_url_config(FunctionName="fn", Qualifier="urlalias")["FunctionUrl"] == alias["FunctionUrl"]


@pytest.mark.parametrize("qualifier", ["1", "2", "$LATEST"])
def test_versions_cannot_have_urls(lam: Any, qualifier: str) -> None:
    suffix = {"1": "qualifier_version", "2": "qualifier_version_doesnotexist", "$LATEST": "qualifier_latest"}[qualifier]
    assert client_error(lambda: lam.create_function_url_config(FunctionName="fn", Qualifier=qualifier,
                                                               AuthType="NONE")) == recorded_error(
        f"{EXCEPTIONS}/create_function_url_config_{suffix}")


def test_missing_functions_and_aliases(lam: Any) -> None:
    assert client_error(lambda: lam.create_function_url_config(FunctionName="nope", AuthType="NONE")) == \
        recorded_error(f"{EXCEPTIONS}/create_function_url_config_name_doesnotexist")
    assert client_error(lambda: lam.get_function_url_config(FunctionName="fn", Qualifier="missing")) == \
        recorded_error(f"{EXCEPTIONS}/get_function_url_config_qualifier_alias_doesnotexist")
    assert client_error(lambda: lam.update_function_url_config(FunctionName=f"{ARN}:fn:urlalias",
                                                               Qualifier="other", AuthType="NONE")) == \
        recorded_error(f"{EXCEPTIONS}/update_function_url_config_qualifier_alias_doesnotmatch_arn")
    assert client_error(lambda: lam.list_function_url_configs(FunctionName="nope")) == recorded_error(
        "url_config_list_paging/list_function_notfound")


def test_auth_type_condition_is_decided_by_the_gate(server: LaminaServer) -> None:
    lam = user_client(server, "url-maker", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["lambda:CreateFunctionUrlConfig", "lambda:DeleteFunctionUrlConfig"],
         "Resource": "*", "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"},
                                        "ArnLike": {"lambda:FunctionArn": f"{ARN}:fn:*"}}}]})
    code, _, status = client_error(lambda: lam.create_function_url_config(FunctionName="fn", Qualifier="urlalias",
                                                                          AuthType="NONE"))
    assert (code, status) == ("AccessDeniedException", 403)
    assert client_error(lambda: lam.create_function_url_config(FunctionName="fn", AuthType="AWS_IAM"))[2] == 403
    root = server.client("lambda")
    root.delete_function_url_config(FunctionName="fn", Qualifier="urlalias")
    made = lam.create_function_url_config(FunctionName="fn", Qualifier="urlalias", AuthType="AWS_IAM")
    assert made["AuthType"] == "AWS_IAM"
    lam.delete_function_url_config(FunctionName="fn", Qualifier="urlalias")
