"""Invoke through boto3 against a running server: functions really run, as their execution role.

Each function here is real code run by Lamina's runtime; what the tests assert is what the
function returned, printed and did with its role's credentials (IAM users it created, calls it
was refused), and the answers AWS gives around it (204, 202, 404, 429, 400, the timeout document).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from functions_support import create, error_of, execution_role, unique, user_client, zipped

from lamina.pytest_plugin import LaminaServer, start_server

ECHO = """\
import os, time

def handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    print("echoing", event.get("name"))
    return {"event": event, "request_id": context.aws_request_id, "arn": context.invoked_function_arn,
            "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"], "left_ms": context.get_remaining_time_in_millis()}

def fail(event, context):
    raise ValueError("no " + event.get("name", "thing"))
"""
AS_ROLE = """\
import boto3

def handler(event, context):
    who = boto3.client("sts").get_caller_identity()["Arn"]
    try:
        boto3.client("lambda").get_function(FunctionName=event["other"])
        read = "allowed"
    except Exception as error:
        read = str(error)
    return {"who": who, "read": read}

def create_user(event, context):
    iam = boto3.client("iam")
    made = [u for u in iam.list_users()["Users"] if u["UserName"].startswith(event["prefix"])]
    iam.create_user(UserName=f"{event['prefix']}-{len(made) + 1}")
    if event.get("fail"):
        raise RuntimeError("attempt failed on purpose")
    return "made"
"""
NODE = """\
exports.handler = async (event, context) => ({ node: process.version, got: event, id: context.awsRequestId });
"""
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    running = start_server(tmp_path_factory.mktemp("invoke") / "data", options=["--event-retry-delays", "0.2,0.2"])
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def echo(server: LaminaServer, role: str) -> str:
    name = unique("echo")
    create(server.client("lambda"), role, name, Handler="app.handler", zip=zipped({"app.py": ECHO}), Timeout=5)
    return name


def _payload(answer: dict[str, Any]) -> Any:
    return json.loads(answer["Payload"].read())


def test_a_python_function_answers_with_what_it_returned(server: LaminaServer, echo: str) -> None:
    answer = server.client("lambda").invoke(FunctionName=echo, Payload=json.dumps({"name": "ada"}))
    found = _payload(answer)
    assert answer["StatusCode"] == 200 and answer["ExecutedVersion"] == "$LATEST" and "FunctionError" not in answer
    assert found["event"] == {"name": "ada"}
    assert found["request_id"] == answer["ResponseMetadata"]["RequestId"]  # one id, as AWS's X-Amzn-RequestId
    assert found["arn"] == f"arn:aws:lambda:{server.region}:{server.account_id}:function:{echo}"
    assert found["version"] == "$LATEST"
    assert 0 < found["left_ms"] <= 5000


def test_log_tail_holds_the_function_output_and_aws_report_lines(server: LaminaServer, echo: str) -> None:
    answer = server.client("lambda").invoke(FunctionName=echo, Payload=b'{"name": "grace"}', LogType="Tail")
    log = base64.b64decode(answer["LogResult"]).decode()
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert "echoing grace" in log
    assert f"END RequestId: {request_id}" in log
    assert f"REPORT RequestId: {request_id}\tDuration: " in log and "\tMemory Size: 128 MB\t" in log


def test_an_unhandled_error_is_answered_as_aws_shapes_it(server: LaminaServer, role: str) -> None:
    name = unique("failing")
    create(server.client("lambda"), role, name, Handler="app.fail", zip=zipped({"app.py": ECHO}))
    answer = server.client("lambda").invoke(FunctionName=name, Payload=b'{"name": "luck"}')
    found = _payload(answer)
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    assert found["errorType"] == "ValueError" and found["errorMessage"] == "no luck"
    assert isinstance(found["stackTrace"], list) and found["stackTrace"]


def test_a_function_past_its_timeout_is_stopped_with_aws_words(server: LaminaServer, role: str) -> None:
    name = unique("slow")
    create(server.client("lambda"), role, name, Handler="app.handler", zip=zipped({"app.py": ECHO}), Timeout=1)
    answer = server.client("lambda").invoke(FunctionName=name, Payload=b'{"sleep": 5}')
    found = _payload(answer)
    assert answer["FunctionError"] == "Unhandled"
    assert found == {"errorType": "Sandbox.Timedout", "errorMessage":
                     f"RequestId: {answer['ResponseMetadata']['RequestId']} Error: Task timed out after 1.00 seconds"}


def test_dry_run_and_not_found(server: LaminaServer, echo: str) -> None:
    client = server.client("lambda")
    assert client.invoke(FunctionName=echo, InvocationType="DryRun")["StatusCode"] == 204
    missing = f"arn:aws:lambda:{server.region}:{server.account_id}:function:nowhere"
    assert error_of(lambda: client.invoke(FunctionName="nowhere")) == (
        "ResourceNotFoundException", f"Function not found: {missing}:$LATEST", 404)
    assert error_of(lambda: client.invoke(FunctionName="nowhere", Qualifier="7")) == (
        "ResourceNotFoundException", f"Function not found: {missing}:7", 404)


def test_a_payload_that_is_not_json_is_refused(server: LaminaServer, echo: str) -> None:
    code, message, status = error_of(lambda: server.client("lambda").invoke(FunctionName=echo, Payload=b"{nope"))
    assert (code, status) == ("InvalidRequestContentException", 400)
    assert message.startswith("Could not parse request body into json: Could not parse payload into json: ")


def test_versions_and_aliases_run_the_version_they_name(server: LaminaServer, role: str) -> None:
    client, name = server.client("lambda"), unique("versioned")
    create(client, role, name, Handler="app.handler", zip=zipped({"app.py": ECHO}), Publish=True)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    by_alias = client.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")
    found = _payload(by_alias)
    assert by_alias["ExecutedVersion"] == "1"
    assert found["arn"].endswith(f":function:{name}:live") and found["version"] == "1"
    assert client.invoke(FunctionName=f"{name}:1", Payload=b"{}")["ExecutedVersion"] == "1"


def test_reserved_concurrency_zero_throttles_every_call(server: LaminaServer, role: str) -> None:
    client, name = server.client("lambda"), unique("stopped")
    create(client, role, name, Handler="app.handler", zip=zipped({"app.py": ECHO}))
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(client.exceptions.TooManyRequestsException) as raised:
        client.invoke(FunctionName=name, Payload=b"{}")
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert response["Error"]["Message"] == "Rate Exceeded."


def test_the_function_calls_lamina_as_its_execution_role(server: LaminaServer) -> None:
    iam, client = server.client("iam"), server.client("lambda")
    role_name, name, other = unique("reader"), unique("as-role"), unique("other")
    role = execution_role(server, name=role_name)
    create(client, role, other)
    create(client, role, name, Handler="app.handler", zip=zipped({"app.py": AS_ROLE}), Timeout=30)
    event = json.dumps({"other": other}).encode()

    denied = _payload(client.invoke(FunctionName=name, Payload=event))
    assert denied["who"] == f"arn:aws:sts::{server.account_id}:assumed-role/{role_name}/{name}"
    other_arn = f"arn:aws:lambda:{server.region}:{server.account_id}:function:{other}"
    assert (f"User: {denied['who']} is not authorized to perform: lambda:GetFunction on resource: {other_arn} "
            "because no identity-based policy allows the lambda:GetFunction action") in denied["read"]

    iam.put_role_policy(RoleName=role_name, PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": other_arn}]}))
    assert _payload(client.invoke(FunctionName=name, Payload=event))["read"] == "allowed"


def test_invoke_is_authorized_as_lambda_invoke_function(server: LaminaServer, echo: str) -> None:
    arn = f"arn:aws:lambda:{server.region}:{server.account_id}:function:{echo}"
    user = unique("caller")
    client = user_client(server, "lambda", user)
    code, message, status = error_of(lambda: client.invoke(FunctionName=echo, Payload=b"{}"))
    assert (code, status) == ("AccessDeniedException", 403)
    assert message == (f"User: arn:aws:iam::{server.account_id}:user/{user} is not authorized to perform: "
                       f"lambda:InvokeFunction on resource: {arn} because no identity-based policy allows the "
                       "lambda:InvokeFunction action")
    server.client("lambda").add_permission(FunctionName=echo, StatementId=unique("s"), Action="lambda:InvokeFunction",
                                           Principal=f"arn:aws:iam::{server.account_id}:user/{user}")
    assert client.invoke(FunctionName=echo, Payload=b"{}")["StatusCode"] == 200


def test_an_event_runs_later_and_a_failing_one_is_tried_three_times(server: LaminaServer) -> None:
    iam, client = server.client("iam"), server.client("lambda")
    role_name, name = unique("maker"), unique("events")
    role = execution_role(server, name=role_name)
    iam.put_role_policy(RoleName=role_name, PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    create(client, role, name, Handler="app.create_user", zip=zipped({"app.py": AS_ROLE}), Timeout=30)

    ok, failing = unique("ok"), unique("bad")
    assert client.invoke(FunctionName=name, InvocationType="Event",
                         Payload=json.dumps({"prefix": ok}).encode())["StatusCode"] == 202
    assert client.invoke(FunctionName=name, InvocationType="Event",
                         Payload=json.dumps({"prefix": failing, "fail": True}).encode())["StatusCode"] == 202

    def made(prefix: str) -> list[str]:
        return sorted(u["UserName"] for u in iam.list_users()["Users"] if u["UserName"].startswith(prefix))

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (len(made(ok)) < 1 or len(made(failing)) < 3):
        time.sleep(0.2)
    time.sleep(1.0)  # a fourth attempt, if there were one, would have come by now (retries wait 0.2 s)
    assert made(ok) == [f"{ok}-1"]
    assert made(failing) == [f"{failing}-1", f"{failing}-2", f"{failing}-3"]


def test_a_node_function_runs(server: LaminaServer, role: str) -> None:
    client, name = server.client("lambda"), unique("node")
    create(client, role, name, Runtime="nodejs20.x", Handler="index.handler", zip=zipped({"index.js": NODE}))
    answer = client.invoke(FunctionName=name, Payload=b'{"x": 1}')
    found = _payload(answer)
    assert found["got"] == {"x": 1} and found["node"].startswith("v20.")
    assert found["id"] == answer["ResponseMetadata"]["RequestId"]


def test_the_api_keeps_answering_while_a_function_runs(server: LaminaServer, echo: str) -> None:
    client, iam = server.client("lambda"), server.client("iam")
    finished: list[dict[str, Any]] = []
    slow = threading.Thread(target=lambda: finished.append(
        client.invoke(FunctionName=echo, Payload=b'{"sleep": 3}')))
    slow.start()
    try:
        while not _running(server):
            time.sleep(0.05)
        for _ in range(5):
            iam.get_user()  # answered while the invocation is still in flight
        assert slow.is_alive() and not finished
    finally:
        slow.join()
    assert finished[0]["StatusCode"] == 200


def _running(server: LaminaServer) -> bool:
    """True once an invocation is in flight, as the node's health report counts them."""
    with urllib.request.urlopen(f"{server.endpoint_url}/_lamina/health", timeout=5) as response:
        return int(json.load(response)["invocations_running"]) > 0


WEB = """\
import json

def handler(event, context):
    if event["rawPath"] == "/raw":
        return {"plain": True, "method": event["requestContext"]["http"]["method"]}
    return {"statusCode": 201, "headers": {"X-From": "function"}, "cookies": ["a=1", "b=2"],
            "body": json.dumps({"path": event["rawPath"], "query": event.get("queryStringParameters"),
                                "body": event.get("body"), "who": event["requestContext"].get("authorizer")})}
"""


def _url_request(server: LaminaServer, url: str, path: str = "/", method: str = "GET", body: bytes | None = None,
                 headers: dict[str, str] | None = None, sign: bool = False) -> tuple[int, dict[str, str], bytes]:
    """A request to a function URL, sent to the server's own address with the URL's Host header
    (``*.localhost`` names need no resolver that way)."""
    host = url.split("//", 1)[1].rstrip("/")
    target = f"{server.endpoint_url}{path}"
    sent = {"Host": host, **(headers or {})}
    if sign:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        signed = AWSRequest(method=method, url=f"http://{host}{path}", data=body or b"", headers=sent)
        SigV4Auth(Credentials(server.access_key_id, server.secret_access_key), "lambda", server.region).add_auth(signed)
        sent = dict(signed.headers.items())
    request = urllib.request.Request(target, data=body, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_a_public_function_url_needs_both_permissions(server: LaminaServer, role: str) -> None:
    client, name = server.client("lambda"), unique("web")
    create(client, role, name, Handler="app.handler", zip=zipped({"app.py": WEB}))
    url = client.create_function_url_config(FunctionName=name, AuthType="NONE", Cors={
        "AllowOrigins": ["https://app.example"], "AllowMethods": ["POST"], "MaxAge": 60})["FunctionUrl"]
    assert _url_request(server, url)[0:3:2] == (403, b'{"Message": "Forbidden"}')
    client.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                          FunctionUrlAuthType="NONE")
    assert _url_request(server, url)[0] == 403  # since October 2025, lambda:InvokeFunction too
    client.add_permission(FunctionName=name, StatementId="invoke", Action="lambda:InvokeFunction", Principal="*",
                          InvokedViaFunctionUrl=True)

    status, headers, body = _url_request(server, url, "/items?id=7&id=8", "POST", b"hi",
                                         {"Content-Type": "text/plain", "Origin": "https://app.example"})
    assert (status, headers["x-from"]) == (201, "function")
    assert json.loads(body) == {"path": "/items", "query": {"id": "7,8"}, "body": "hi", "who": None}
    assert headers["access-control-allow-origin"] == "https://app.example"
    status, headers, body = _url_request(server, url, "/raw")
    assert (status, headers["content-type"], json.loads(body)) == (200, "application/json",
                                                                   {"plain": True, "method": "GET"})

    status, headers, _ = _url_request(server, url, "/", "OPTIONS", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert (status, headers["access-control-allow-methods"], headers["access-control-max-age"]) == (200, "POST", "60")


def test_an_iam_function_url_takes_signed_requests(server: LaminaServer, role: str) -> None:
    client, name = server.client("lambda"), unique("private")
    create(client, role, name, Handler="app.handler", zip=zipped({"app.py": WEB}))
    url = client.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]
    assert url.startswith("http://") and ".lambda-url." in url
    assert _url_request(server, url, "/p")[0] == 403  # unsigned
    status, _, body = _url_request(server, url, "/p", sign=True)  # the account's root: its own identity allows
    assert status == 201
    assert json.loads(body)["who"]["iam"]["userArn"] == f"arn:aws:iam::{server.account_id}:root"


def test_invoke_with_response_stream_sends_the_answer_as_events(server: LaminaServer, echo: str, role: str) -> None:
    client = server.client("lambda")
    answer = client.invoke_with_response_stream(FunctionName=echo, Payload=b'{"name": "streamed"}', LogType="Tail")
    events = list(answer["EventStream"])
    chunks = b"".join(e["PayloadChunk"]["Payload"] for e in events if "PayloadChunk" in e)
    assert json.loads(chunks)["event"] == {"name": "streamed"}
    complete = events[-1]["InvokeComplete"]
    assert "ErrorCode" not in complete and "echoing streamed" in base64.b64decode(complete["LogResult"]).decode()

    failing = unique("stream-fail")
    create(client, role, failing, Handler="app.fail", zip=zipped({"app.py": ECHO}))
    events = list(client.invoke_with_response_stream(FunctionName=failing, Payload=b"{}")["EventStream"])
    assert events[-1]["InvokeComplete"]["ErrorCode"] == "ValueError"
    assert events[-1]["InvokeComplete"]["ErrorDetails"] == "no thing"


def test_a_linked_directory_runs_its_current_files(server: LaminaServer, role: str, tmp_path: Path) -> None:
    client, name = server.client("lambda"), unique("linked")
    create(client, role, name, Handler="app.handler", zip=zipped({"app.py": "def handler(e, c):\n    return 'zip'\n"}))
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text("def handler(e, c):\n    return 'first edit'\n")
    command = [sys.executable, "-m", "lamina.cli", "functions", "link", name, str(source), "--data-dir",
               str(server.data_dir), "--account-id", server.account_id, "--region", server.region]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"now runs {source}" in done.stdout

    def answer() -> Any:
        return _payload(client.invoke(FunctionName=name, Payload=b"{}"))

    deadline = time.monotonic() + 10
    while answer() == "zip" and time.monotonic() < deadline:  # the server's read cache lasts up to a second
        time.sleep(0.2)
    assert answer() == "first edit"
    (source / "app.py").write_text("def handler(e, c):\n    return 'second edit, no deploy'\n")
    assert answer() == "second edit, no deploy"
    assert client.get_function(FunctionName=name)["Configuration"]["CodeSha256"]  # the API still shows the zip

    unlink = [*command[:4], "unlink", name, *command[7:]]
    assert subprocess.run(unlink, capture_output=True, text=True, timeout=60).returncode == 0
    deadline = time.monotonic() + 10
    while answer() != "zip" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert answer() == "zip"


def test_layers_are_on_the_path_in_order(server: LaminaServer, role: str) -> None:
    client = server.client("lambda")
    first = client.publish_layer_version(LayerName=unique("base"), Content={"ZipFile": zipped({
        "python/shared.py": "WHO = 'base layer'\n", "python/only_base.py": "X = 1\n"})})["LayerVersionArn"]
    second = client.publish_layer_version(LayerName=unique("over"), Content={"ZipFile": zipped({
        "python/shared.py": "WHO = 'later layer wins'\n"})})["LayerVersionArn"]
    name = unique("layered")
    source = "import shared, only_base\n\ndef handler(event, context):\n    return [shared.WHO, only_base.X]\n"
    create(client, role, name, Handler="app.handler", zip=zipped({"app.py": source}), Layers=[first, second])
    assert _payload(client.invoke(FunctionName=name, Payload=b"{}")) == ["later layer wins", 1]


def test_each_invocation_log_is_kept_in_the_function_log_group(server: LaminaServer, echo: str) -> None:
    answer = server.client("lambda").invoke(FunctionName=echo, Payload=b'{"name": "kept"}')
    request_id = answer["ResponseMetadata"]["RequestId"]
    logs = server.client("logs")
    deadline, messages = time.monotonic() + 10, []
    while time.monotonic() < deadline:  # written in batches, a fraction of a second later
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{echo}", filterPattern=f'"{request_id}"')
        messages = [e["message"] for e in events["events"]]
        if any(m.startswith("REPORT") for m in messages):
            break
        time.sleep(0.1)
    assert any(m.startswith(f"START RequestId: {request_id}") for m in messages)
    assert any(m.startswith(f"REPORT RequestId: {request_id}") for m in messages)
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{echo}")["logStreams"]
    assert streams and all("[$LATEST]" in s["logStreamName"] for s in streams)
    everything = logs.get_log_events(logGroupName=f"/aws/lambda/{echo}", logStreamName=streams[0]["logStreamName"],
                                     startFromHead=True)["events"]
    assert any("echoing" in e["message"] for e in everything)
