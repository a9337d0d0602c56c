"""Tags end to end: boto3 against ``lamina serve``, AWS's recorded answers, and tag conditions decided by the gate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_versions_support import (
    ACCT,
    ARN,
    client_error,
    client_normalised,
    create_served_function,
    recorded,
    recorded_error,
    served,
    user_client,
)

from lamina.pytest_plugin import LaminaServer

FN = f"{ARN}:fn"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    with served(tmp_path_factory, "tags") as running:
        create_served_function(running, "fn", tags={"key_a": "value_a"})
        create_served_function(running, "team-fn", tags={"team": "blue"})
        yield running


def test_tag_lifecycle(lam: Any) -> None:
    assert lam.list_tags(Resource=FN)["Tags"] == {"key_a": "value_a"}
    answer = lam.tag_resource(Resource=FN, Tags={"key_b": "value_b", "key_c": "value_c", "key_d": "value_d",
                                                 "key_e": "value_e"})
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
    lam.tag_resource(Resource=FN, Tags={"key_c": "value_x"})
    assert lam.list_tags(Resource=FN)["Tags"] == recorded("tag_lifecycle/list_tags_response_overwrite")["Response"][
        "Tags"]
    removed = lam.untag_resource(Resource=FN, TagKeys=["key_c", "key_d", "nomatch"])
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.list_tags(Resource=FN)["Tags"] == {"key_a": "value_a", "key_b": "value_b", "key_e": "value_e"}


def test_tag_errors_as_aws(lam: Any) -> None:
    names = {"doesnotexist": "doesnotexist"}
    missing = f"{ARN}:doesnotexist"
    assert client_normalised(client_error(lambda: lam.tag_resource(Resource=missing, Tags={"a": "b"})),
                             names) == recorded_error("tag_exceptions/tag_lambda_doesnotexist")
    for resource in (f"{FN}:1", f"{FN}:$LATEST", f"{FN}:alias"):
        assert client_error(lambda resource=resource: lam.tag_resource(Resource=resource, Tags={"a": "b"})) == \
            recorded_error("tag_versions/tag_resource_exception")
    assert client_error(lambda: lam.tag_resource(Resource=FN, Tags={})) == recorded_error(
        "tag_exceptions/tag_empty_tags")
    assert client_error(lambda: lam.untag_resource(Resource=FN, TagKeys=[])) == recorded_error(
        "tag_exceptions/untag_empty_keys")
    invalid = f"arn:aws:lambda:us-east-1:{ACCT}:foobar:fn"
    code, message, status = client_error(lambda: lam.list_tags(Resource=invalid))
    expected = recorded("tag_exceptions[lambda_function]/invalid_arn_exception") if False else None
    assert (code, status) == ("ValidationException", 400) and "at 'resource' failed to satisfy constraint" in message
    assert expected is None


def test_tag_limits(lam: Any) -> None:
    too_many = {f"{n}_key": f"{n}_value" for n in range(51)}
    assert client_error(lambda: lam.tag_resource(Resource=FN, Tags=too_many)) == recorded_error(
        "tag_limits/tag_lambda_too_many_tags")
    code, _, status = client_error(lambda: lam.tag_resource(Resource=FN, Tags={"k" * 129: "v"}))
    assert (code, status) == ("ValidationException", 400)
    code, _, status = client_error(lambda: lam.tag_resource(Resource=FN, Tags={"aws:reserved": "v"}))
    assert (code, status) == ("InvalidParameterValueException", 400)


def test_request_tag_conditions_are_decided_by_the_gate(server: LaminaServer) -> None:
    lam = user_client(server, "tagger", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:TagResource", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"},
                       "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}},
        {"Effect": "Allow", "Action": "lambda:ListTags", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]})
    lam.tag_resource(Resource=f"{ARN}:team-fn", Tags={"team": "blue"})
    code, message, status = client_error(lambda: lam.tag_resource(Resource=f"{ARN}:team-fn", Tags={"team": "red"}))
    assert (code, status) == ("AccessDeniedException", 403)
    assert f"lambda:TagResource on resource: {ARN}:team-fn" in message
    assert client_error(lambda: lam.tag_resource(Resource=f"{ARN}:team-fn", Tags={"team": "blue", "x": "y"}))[2] == 403
    assert lam.list_tags(Resource=f"{ARN}:team-fn")["Tags"] == {"team": "blue"}
    assert client_error(lambda: lam.list_tags(Resource=FN))[2] == 403
