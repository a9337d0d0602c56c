"""CloudWatch Logs through boto3 against a real server whose data directory holds a function's logs
(written before it started, as a restart finds them): groups, streams, events read forward and
backward, filtered, paged, and what ``aws logs tail`` (AWS CLI v2) calls; groups made, bounded and
dropped; every call authorized through the gate with AWS's resources and sentences."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from logs_support import GROUP, NOW, STREAMS, seed

from lamina.pytest_plugin import LaminaServer, start_server

Seeded = tuple[LaminaServer, list[tuple[str, str, Any]]]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    data_dir = tmp_path_factory.mktemp("logs") / "data"
    made = seed(data_dir)
    server = start_server(data_dir)
    yield server, made
    server.stop()


@pytest.fixture
def logs(seeded: Seeded) -> Any:
    return seeded[0].client("logs")


def millis(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


def error_of(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_describe_log_groups_shows_the_functions_group(seeded: Seeded, logs: Any) -> None:
    server = seeded[0]
    (group,) = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    arn = f"arn:aws:logs:{server.region}:{server.account_id}:log-group:{GROUP}"
    assert (group["logGroupName"], group["arn"], group["logGroupArn"]) == (GROUP, f"{arn}:*", arn)
    assert group["storedBytes"] > 0 and "retentionInDays" not in group
    assert logs.describe_log_groups(logGroupNamePrefix="/nothing")["logGroups"] == []


def test_describe_log_streams_newest_first(logs: Any) -> None:
    streams = logs.describe_log_streams(logGroupName=GROUP, orderBy="LastEventTime", descending=True)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [STREAMS[0], STREAMS[1]]
    assert streams[0]["lastEventTimestamp"] == millis(NOW - timedelta(minutes=1))
    assert streams[0]["firstEventTimestamp"] == millis(NOW - timedelta(minutes=3))
    by_name = logs.describe_log_streams(logGroupIdentifier=f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}")
    assert [s["logStreamName"] for s in by_name["logStreams"]] == sorted(STREAMS)


def test_get_log_events_reads_a_stream_as_lambda_wrote_it(seeded: Seeded, logs: Any) -> None:
    (stream, request_id, at), _, (_, last_id, _) = seeded[1]
    found = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True)
    messages = [event["message"] for event in found["events"]]
    assert messages[:3] == [f"START RequestId: {request_id} Version: $LATEST\n", "hello from the first call\n",
                            f"END RequestId: {request_id}\n"]
    assert messages[3].startswith(f"REPORT RequestId: {request_id}\tDuration: 1.52 ms\tBilled Duration: 2 ms\t")
    assert messages[-1].startswith(f"REPORT RequestId: {last_id}") and len(messages) == 9
    assert found["events"][0]["timestamp"] == millis(at)


def test_get_log_events_pages_forward_until_the_token_repeats(seeded: Seeded, logs: Any) -> None:
    stream = seeded[1][0][0]
    seen: list[str] = []
    token: str | None = None
    for _ in range(10):
        more = {"nextToken": token} if token else {"startFromHead": True}
        page = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, limit=4, **more)
        seen += [event["message"] for event in page["events"]]
        if page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    assert len(seen) == 9 and page["events"] == []


def test_get_log_events_reads_the_newest_first_then_backward(seeded: Seeded, logs: Any) -> None:
    stream = seeded[1][0][0]
    last_id = seeded[1][2][1]
    newest = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, limit=2)
    messages = [event["message"] for event in newest["events"]]
    assert messages[0] == f"END RequestId: {last_id}\n" and messages[1].startswith(f"REPORT RequestId: {last_id}")
    older = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, limit=3,
                                nextToken=newest["nextBackwardToken"])
    assert [event["message"] for event in older["events"]] == [
        f"START RequestId: {last_id} Version: $LATEST\n", "hello again\n", "a WARN line\n"]


def test_filter_log_events_matches_terms_across_streams(logs: Any) -> None:
    found = logs.filter_log_events(logGroupName=GROUP, filterPattern="?ERROR ?WARN", interleaved=True)["events"]
    assert [(e["logStreamName"], e["message"]) for e in found] == [(STREAMS[1], "[ERROR] Task failed: boom\n"),
                                                                    (STREAMS[0], "a WARN line\n")]
    assert all(e["eventId"] for e in found)
    phrase = logs.filter_log_events(logGroupName=GROUP, filterPattern='"Task failed"')["events"]
    assert [e["message"] for e in phrase] == ["[ERROR] Task failed: boom\n"]
    only = logs.filter_log_events(logGroupName=GROUP, logStreamNames=[STREAMS[1]], filterPattern="START")["events"]
    assert len(only) == 1


def test_filter_log_events_by_time_and_pages(logs: Any) -> None:
    late = logs.filter_log_events(logGroupName=GROUP, startTime=millis(NOW - timedelta(minutes=2)),
                                  endTime=millis(NOW - timedelta(minutes=2)))["events"]
    assert {e["logStreamName"] for e in late} == {STREAMS[1]} and len(late) == 5
    pages = list(logs.get_paginator("filter_log_events").paginate(logGroupName=GROUP,
                                                                  PaginationConfig={"PageSize": 4}))
    assert [len(page["events"]) for page in pages] == [4, 4, 4, 2]


def test_what_aws_logs_tail_calls(logs: Any) -> None:
    """AWS CLI v2's ``aws logs tail GROUP --since 10m`` pages FilterLogEvents with ``interleaved`` from
    a start time; ``--follow`` then polls again from the newest timestamp it printed and skips the
    event ids it has seen. (The CLI Lamina's tests install is v1, which has no ``logs tail``.)"""
    kwargs = {"logGroupName": GROUP, "interleaved": True, "startTime": millis(NOW - timedelta(minutes=10))}
    events = [event for page in logs.get_paginator("filter_log_events").paginate(**kwargs) for event in page["events"]]
    assert len(events) == 14 and [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    newest = max(event["timestamp"] for event in events)
    seen = {event["eventId"] for event in events if event["timestamp"] == newest}
    again = logs.filter_log_events(**{**kwargs, "startTime": newest})
    assert "nextToken" not in again and {event["eventId"] for event in again["events"]} == seen


def test_unsupported_patterns_and_missing_groups_get_aws_errors(logs: Any) -> None:
    code, message, status = error_of(lambda: logs.filter_log_events(logGroupName=GROUP, filterPattern="{ $.a = 1 }"))
    assert (code, status) == ("InvalidParameterException", 400)
    assert error_of(lambda: logs.get_log_events(logGroupName="/aws/lambda/none", logStreamName="s")) == (
        "ResourceNotFoundException", "The specified log group does not exist.", 400)
    assert error_of(lambda: logs.get_log_events(logGroupName=GROUP, logStreamName="none")) == (
        "ResourceNotFoundException", "The specified log stream does not exist.", 400)
    code, message, _ = error_of(lambda: logs.create_log_group(logGroupName="bad name"))
    assert code == "InvalidParameterException" and "Member must satisfy regular expression pattern" in message


def test_groups_made_bounded_and_dropped(logs: Any) -> None:
    logs.create_log_group(logGroupName="/app/made")
    assert error_of(lambda: logs.create_log_group(logGroupName="/app/made")) == (
        "ResourceAlreadyExistsException", "The specified log group already exists", 400)
    logs.put_retention_policy(logGroupName="/app/made", retentionInDays=7)
    (group,) = logs.describe_log_groups(logGroupNamePrefix="/app/")["logGroups"]
    assert group["retentionInDays"] == 7
    code, _, _ = error_of(lambda: logs.put_retention_policy(logGroupName="/app/made", retentionInDays=2))
    assert code == "InvalidParameterException"
    logs.delete_retention_policy(logGroupName="/app/made")
    logs.delete_log_group(logGroupName="/app/made")
    assert logs.describe_log_groups(logGroupNamePrefix="/app/")["logGroups"] == []


def test_an_operation_not_served_is_declared_then_not_implemented(logs: Any) -> None:
    code, message, status = error_of(lambda: logs.start_query(logGroupName=GROUP, startTime=1, endTime=2,
                                                              queryString="fields @message"))
    assert (code, status) == ("NotImplemented", 501) and "StartQuery" in message


def _user(server: LaminaServer, name: str, policy: dict[str, Any] | None) -> Any:
    iam = server.client("iam")
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="logs", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("logs", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])


def test_a_user_without_logs_get_log_events_is_denied_in_aws_words(seeded: Seeded) -> None:
    server, made = seeded
    stranger = _user(server, "no-logs", None)
    stream = made[0][0]
    code, message, status = error_of(lambda: stranger.get_log_events(logGroupName=GROUP, logStreamName=stream))
    resource = f"arn:aws:logs:{server.region}:{server.account_id}:log-group:{GROUP}:log-stream:{stream}"
    assert (code, status) == ("AccessDeniedException", 400)
    assert message == (f"User: arn:aws:iam::{server.account_id}:user/no-logs is not authorized to perform: "
                       f"logs:GetLogEvents on resource: {resource} because no identity-based policy allows the "
                       "logs:GetLogEvents action")
    code, message, _ = error_of(lambda: stranger.describe_log_groups())
    assert code == "AccessDeniedException" and (
        f"on resource: arn:aws:logs:{server.region}:{server.account_id}:log-group::log-stream: " in message)


def test_a_policy_on_group_star_grants_the_groups_reads_and_nothing_else(seeded: Seeded) -> None:
    server, made = seeded
    arn = f"arn:aws:logs:{server.region}:{server.account_id}:log-group:{GROUP}:*"
    reader = _user(server, "log-reader", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:DescribeLogStreams"],
         "Resource": arn}]})
    assert len(reader.get_log_events(logGroupName=GROUP, logStreamName=made[0][0])["events"]) == 9
    assert len(reader.filter_log_events(logGroupName=GROUP, filterPattern="START")["events"]) == 3
    assert len(reader.describe_log_streams(logGroupName=GROUP)["logStreams"]) == 2
    code, message, _ = error_of(lambda: reader.filter_log_events(logGroupName="/aws/lambda/other"))
    assert code == "AccessDeniedException" and "log-group:/aws/lambda/other:log-stream: because" in message
    assert error_of(lambda: reader.delete_log_group(logGroupName=GROUP))[0] == "AccessDeniedException"


def test_authentication_failures_in_the_json_envelope(seeded: Seeded) -> None:
    server = seeded[0]
    wrong_secret = server.client("logs", aws_secret_access_key="x" * 40)
    code, _, status = error_of(lambda: wrong_secret.describe_log_groups())
    assert (code, status) == ("InvalidSignatureException", 403)
    unknown = server.client("logs", aws_access_key_id="AKIAAAAAAAAAAAAAAAAA")
    code, message, status = error_of(lambda: unknown.describe_log_groups())
    assert (code, message, status) == ("UnrecognizedClientException",
                                       "The security token included in the request is invalid.", 403)
