"""Every modelled CloudWatch Logs operation is declared for the gate, on the resource AWS evaluates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest

from lamina.auth.credentials import root_caller
from lamina.catalog import default_catalog
from lamina.context import RequestContext
from lamina.services import declaration
from lamina.store import Store, open_store

ACCT = "123456789012"
GROUP_ARN = f"arn:aws:logs:us-east-1:{ACCT}:log-group"
NEWER_THAN_CATALOG = {"GetLogObject"}
"""Operations botocore models that the installed Service Authorization Reference does not list yet."""


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    opened = open_store("sqlite://")
    yield opened
    opened.close()


def _ctx(params: dict[str, Any]) -> RequestContext:
    ctx = RequestContext("r", "POST", "/", "", (), b"")
    ctx.caller, ctx.region, ctx.params = root_caller(ACCT, "AKIAROOT"), "us-east-1", params
    return ctx


@pytest.mark.parametrize("name", botocore.session.get_session().get_service_model("logs").operation_names)
def test_every_operation_is_declared_with_a_known_action(name: str) -> None:
    found = declaration("logs", name)
    assert found is not None and found.actions == (f"logs:{name}",)
    if name not in NEWER_THAN_CATALOG:
        assert default_catalog().action(found.actions[0]) is not None


@pytest.mark.parametrize(("operation", "params", "resources"), [
    ("DescribeLogGroups", {}, [f"{GROUP_ARN}::log-stream:"]),
    ("DescribeLogStreams", {"logGroupName": "/aws/lambda/f"}, [f"{GROUP_ARN}:/aws/lambda/f:log-stream:"]),
    ("FilterLogEvents", {"logGroupIdentifier": f"{GROUP_ARN}:/aws/lambda/f:*"},
     [f"{GROUP_ARN}:/aws/lambda/f:log-stream:"]),
    ("GetLogEvents", {"logGroupName": "/aws/lambda/f", "logStreamName": "s"},
     [f"{GROUP_ARN}:/aws/lambda/f:log-stream:s"]),
    ("StartLiveTail", {"logGroupIdentifiers": [f"{GROUP_ARN}:a", f"{GROUP_ARN}:b"]},
     [f"{GROUP_ARN}:a:log-stream:", f"{GROUP_ARN}:b:log-stream:"]),
    ("TagResource", {"resourceArn": f"{GROUP_ARN}:a", "tags": {"k": "v"}}, [f"{GROUP_ARN}:a"]),
    ("DescribeDestinations", {}, ["*"]),
])
def test_the_resource_is_the_one_aws_evaluates(store: Store, operation: str, params: dict[str, Any],
                                               resources: list[str]) -> None:
    found = declaration("logs", operation)
    assert found is not None and list(found.resources(_ctx(params), store)) == resources


def test_create_log_group_tags_are_request_tags(store: Store) -> None:
    found = declaration("logs", "CreateLogGroup")
    assert found is not None and found.context is not None
    assert found.context(_ctx({"logGroupName": "g", "tags": {"team": "a"}}), store) == {
        "aws:RequestTag/team": "a", "aws:TagKeys": ["team"]}
