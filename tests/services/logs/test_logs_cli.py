"""A function's logs through the AWS CLI (v1, installed by `make test` into .cli-venv), over a data
directory that already holds them: describe-log-groups, describe-log-streams, get-log-events and
filter-log-events with the arguments ``aws logs tail`` passes. (``aws logs tail`` itself is an AWS
CLI v2 command; v1 has none. Its FilterLogEvents calls are replayed through boto3 in
``test_logs_server.py``.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from logs_support import GROUP, NOW, STREAMS, seed

from lamina.pytest_plugin import LaminaServer, start_server

REPO = Path(__file__).resolve().parents[3]
AWS = os.environ.get("LAMINA_AWS_CLI") or str(REPO / ".cli-venv" / "bin" / "aws")
if not Path(AWS).exists():
    AWS = shutil.which("aws") or AWS

pytestmark = pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by `make test` (.cli-venv)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    data_dir = tmp_path_factory.mktemp("logs-cli") / "data"
    seed(data_dir)
    started = start_server(data_dir)
    yield started
    started.stop()


def aws(server: LaminaServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": server.access_key_id, "AWS_SECRET_ACCESS_KEY": server.secret_access_key,
           "AWS_DEFAULT_REGION": server.region, "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    return subprocess.run([AWS, "--endpoint-url", server.endpoint_url, "--output", "json", *args],
                          capture_output=True, text=True, env=env, check=False)


def ok(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_describe_log_groups_and_streams(server: LaminaServer) -> None:
    groups = ok(aws(server, "logs", "describe-log-groups", "--log-group-name-prefix", "/aws/lambda/"))
    assert [group["logGroupName"] for group in groups["logGroups"]] == [GROUP]
    streams = ok(aws(server, "logs", "describe-log-streams", "--log-group-name", GROUP, "--order-by", "LastEventTime",
                     "--descending"))
    assert [s["logStreamName"] for s in streams["logStreams"]] == list(STREAMS)


def test_get_log_events(server: LaminaServer) -> None:
    found = ok(aws(server, "logs", "get-log-events", "--log-group-name", GROUP, "--log-stream-name", STREAMS[1],
                   "--start-from-head"))
    messages = [event["message"] for event in found["events"]]
    assert messages[1:3] == ["[ERROR] Task failed: boom\n", "Traceback follows\n"] and len(messages) == 5
    assert str(found["nextForwardToken"]).startswith("f/")


def test_filter_log_events_as_tail_calls_it(server: LaminaServer) -> None:
    since = str(int((NOW - timedelta(minutes=10)).timestamp() * 1000))
    found = ok(aws(server, "logs", "filter-log-events", "--log-group-name", GROUP, "--interleaved", "--start-time",
                   since, "--filter-pattern", "?ERROR ?WARN"))
    assert [event["message"] for event in found["events"]] == [
        "[ERROR] Task failed: boom\n", "a WARN line\n"]
    every = ok(aws(server, "logs", "filter-log-events", "--log-group-name", GROUP, "--page-size", "3"))
    assert len(every["events"]) == 14  # the CLI followed every nextToken


def test_a_missing_group_is_aws_error(server: LaminaServer) -> None:
    missing = aws(server, "logs", "get-log-events", "--log-group-name", "/aws/lambda/none", "--log-stream-name", "s")
    assert missing.returncode != 0
    assert "(ResourceNotFoundException)" in missing.stderr
    assert "The specified log group does not exist." in missing.stderr
