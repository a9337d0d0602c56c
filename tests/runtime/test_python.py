"""Python functions through Lamina's bootstrap: results, AWS's error documents, context, variables, layers."""

from __future__ import annotations

import json
import re

import pytest
from runtime_support import ENDPOINT, Lambda, body, bundle, spec

from lamina.runtime import RuntimeUnavailable

ECHO = """
import json, os
count = 0

def handler(event, context):
    global count
    count += 1
    print("got", json.dumps(event))
    return {"event": event, "count": count, "pid": os.getpid()}
"""


def _task_root(lam: Lambda, code_sha: str) -> str:
    return "/var/task" if lam.invoker.sandbox_mode == "bwrap" else str(lam.invoker.work_dir / "code" / code_sha)


def test_a_value_comes_back_with_the_log_aws_writes(lam: Lambda) -> None:
    function = spec(f"echo-{lam.invoker.sandbox_mode}", bundle({"app.py": ECHO}))
    first = lam.invoke(function, {"a": 1})
    second = lam.invoke(function, {"a": 2})

    assert first.function_error is None and body(first)["event"] == {"a": 1}
    assert body(second)["count"] == 2 and body(second)["pid"] == body(first)["pid"], "the warm environment served"
    assert first.init_duration_ms is not None and second.init_duration_ms is None
    lines = second.log.splitlines()
    assert lines[0] == f"START RequestId: {second.request_id} Version: $LATEST"
    assert lines[1] == 'got {"a": 2}'
    assert lines[2] == f"END RequestId: {second.request_id}"
    assert re.fullmatch(
        rf"REPORT RequestId: {second.request_id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\t", lines[3],
    )
    assert "\tInit Duration: " in first.log.splitlines()[-1]


def test_an_exception_is_answered_with_awss_error_document(lam: Lambda) -> None:
    code = bundle({"app.py": 'def handler(event, context):\n    raise ValueError("boom")\n'})
    result = lam.invoke(spec(f"raises-{lam.invoker.sandbox_mode}", code))

    root = _task_root(lam, code.sha256)
    assert result.function_error == "Unhandled" and result.error_type == "ValueError"
    assert body(result) == {
        "errorMessage": "boom", "errorType": "ValueError", "requestId": result.request_id,
        "stackTrace": [f'  File "{root}/app.py", line 2, in handler\n    raise ValueError("boom")\n'],
    }
    assert "[ERROR] ValueError: boom\rTraceback (most recent call last):\r\u00a0\u00a0File" in result.log
    assert "Status:" not in result.log, "a function's own error is not a platform failure"


@pytest.mark.parametrize(("files", "handler", "expected"), [
    ({}, "missing.handler", {
        "errorMessage": "Unable to import module 'missing': No module named 'missing'",
        "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}),
    ({"app.py": "def handler(e, c):\n    return 1\n"}, "app.nothere", {
        "errorMessage": "Handler 'nothere' missing on module 'app'",
        "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}),
    ({"app.py": "x = 1\n"}, "nodot", {
        "errorMessage": "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)",
        "errorType": "Runtime.MalformedHandlerName", "requestId": "", "stackTrace": []}),
], ids=["import-error", "handler-not-found", "malformed"])
def test_init_failures_are_awss_runtime_errors(plain: Lambda, files: dict[str, str], handler: str,
                                                expected: dict[str, object]) -> None:
    result = plain.invoke(spec(f"init-{handler}", bundle(files or {"other.py": ""}), handler=handler))

    assert result.function_error == "Unhandled"
    assert body(result) == expected
    assert f"[ERROR] {expected['errorType']}: {expected['errorMessage']}" in result.log
    assert f"Phase: init\tStatus: error\tError Type: {expected['errorType']}" in result.log
    assert result.log.splitlines()[-1].endswith(f"Status: error\tError Type: {expected['errorType']}\t")


def test_a_syntax_error_is_a_user_code_syntax_error(plain: Lambda) -> None:
    result = plain.invoke(spec("syntax", bundle({"app.py": "def handler(event, context)\n    return 1\n"})))

    document = body(result)
    assert document["errorType"] == "Runtime.UserCodeSyntaxError"
    assert document["errorMessage"].startswith("Syntax error in module 'app': ")
    assert document["stackTrace"][0].startswith('  File "') and "Line 1" in document["stackTrace"][0]


CONTEXT = """
import os

def handler(event, context):
    names = ["aws_request_id", "invoked_function_arn", "function_name", "function_version",
             "memory_limit_in_mb", "log_group_name", "log_stream_name"]
    found = {name: getattr(context, name) for name in names}
    found["remaining"] = context.get_remaining_time_in_millis()
    found["custom"] = context.client_context.custom if context.client_context else None
    found["identity"] = context.identity.cognito_identity_id
    found["env"] = dict(os.environ)
    return found
"""


def test_context_and_environment_variables_are_awss(lam: Lambda) -> None:
    function = spec(
        f"context-{lam.invoker.sandbox_mode}", bundle({"app.py": CONTEXT}), memory_size=256, timeout=7,
        environment={"MINE": "mine", "AWS_REGION": "mars-1", "LANG": "C.UTF-8"},
    )
    result = lam.invoke(
        function, client_context=json.dumps({"custom": {"k": "v"}}),
        cognito_identity=json.dumps({"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}),
    )

    found = body(result)
    env = found.pop("env")
    assert found["aws_request_id"] == result.request_id
    assert found["invoked_function_arn"] == function.function_arn
    assert (found["function_name"], found["function_version"], found["memory_limit_in_mb"]) == (
        function.function_name, "$LATEST", "256")
    assert found["log_group_name"] == f"/aws/lambda/{function.function_name}"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", found["log_stream_name"])
    assert result.log_stream == found["log_stream_name"]
    assert 0 < found["remaining"] <= 7000
    assert found["custom"] == {"k": "v"} and found["identity"] == "id-1"

    root = _task_root(lam, function.code.sha256)
    assert env["MINE"] == "mine" and env["LANG"] == "C.UTF-8", "a function's own variables, unreserved ones too"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1", "reserved keys cannot be overridden"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == function.function_name
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256" and env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == found["log_stream_name"]
    assert env["_HANDLER"] == "app.handler" and env["LAMBDA_TASK_ROOT"] == root
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12" and env["TZ"] == ":UTC"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
    assert env["AWS_ENDPOINT_URL"] == ENDPOINT
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]) == (
        "ASIAEXAMPLEKEY", "example-secret", "example-token")
    opt = "/opt" if lam.invoker.sandbox_mode == "bwrap" else f"{env['LAMBDA_RUNTIME_DIR']}/no-layers"
    assert env["PYTHONPATH"].split(":")[:2] == [f"{opt}/python/lib/python3.12/site-packages", f"{opt}/python"]
    assert "PYTEST_CURRENT_TEST" not in env and "VIRTUAL_ENV" not in env, "nothing of Lamina's environment leaks in"


def test_layers_are_on_the_path_in_order(lam: Lambda) -> None:
    first = bundle({"python/helper.py": "WHO = 'first'\n", "python/only_first.py": "X = 1\n"})
    second = bundle({"python/helper.py": "WHO = 'second'\n"})
    handler = "import helper, only_first\n\ndef handler(e, c):\n    return [helper.WHO, only_first.X]\n"
    code = bundle({"app.py": handler})
    result = lam.invoke(spec(f"layers-{lam.invoker.sandbox_mode}", code, layers=(first, second)))

    assert body(result) == ["second", 1], "later layers replace earlier files; all are on sys.path"


def test_boto3_is_there_and_talks_to_lamina_with_the_roles_credentials(plain: Lambda) -> None:
    code = bundle({"app.py": (
        "import boto3\n\ndef handler(e, c):\n"
        "    client = boto3.client('sts')\n"
        "    creds = boto3.Session().get_credentials()\n"
        "    return [client.meta.endpoint_url, client.meta.region_name, creds.access_key, creds.token]\n"
    )})
    result = plain.invoke(spec("boto3", code))

    assert body(result) == [ENDPOINT, "us-east-1", "ASIAEXAMPLEKEY", "example-token"]


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_other_python_versions_run_the_same_bootstrap(plain: Lambda, version: str) -> None:
    try:
        plain.run(plain.invoker._interpreters.resolve(f"python{version}"))
    except RuntimeUnavailable as missing:
        pytest.skip(str(missing))
    code = bundle({"pkg/mod.py": "import sys\n\ndef fn(e, c):\n    return '%d.%d' % sys.version_info[:2]\n"})
    result = plain.invoke(spec(f"py{version}", code, runtime=f"python{version}", handler="pkg/mod.fn"))

    assert body(result) == version, result.log


def test_bytes_and_logging_are_handled_as_aws_does(plain: Lambda) -> None:
    code = bundle({"app.py": (
        "import logging\nlogging.getLogger().setLevel(logging.INFO)\n\n"
        "def handler(e, c):\n    logging.info('hello %s', 'there')\n    return b'raw'\n"
    )})
    result = plain.invoke(spec("bytes", code))

    assert result.payload == b"raw"
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.search(rf"\[INFO\]\t{stamp}\t{result.request_id}\thello there", result.log)


def test_what_init_prints_comes_before_start(plain: Lambda) -> None:
    code = bundle({"app.py": "print('loading')\n\ndef handler(e, c):\n    print('running')\n"})
    result = plain.invoke(spec("init-output", code))

    assert result.log.startswith(f"loading\nSTART RequestId: {result.request_id} Version: $LATEST\nrunning\nEND")


def test_the_log_kept_per_invocation_is_bounded(plain: Lambda) -> None:
    code = bundle({"app.py": "def handler(e, c):\n    for n in range(40000):\n        print('line', n, 'x' * 60)\n"})
    result = plain.invoke(spec("chatty", code))

    assert len(result.log) < 1_100_000
    assert "bytes of earlier output dropped]" in result.log and "line 39999 " in result.log, "the most recent is kept"
    assert result.log.splitlines()[-2] == f"END RequestId: {result.request_id}"


def test_the_interpreter_runs_without_site_as_aws_runtime_has_no_host_packages(lam: Lambda) -> None:
    """``python -S``: no host site-packages on the path (nor their .pth hooks), ``exit`` still there."""
    code = ("import sys, sysconfig\n\ndef handler(event, context):\n"
            "    return {'no_site': sys.flags.no_site, 'exit': callable(exit) and callable(quit),\n"
            "            'host_packages': sysconfig.get_paths()['purelib'] in sys.path}\n")
    result = lam.invoke(spec(f"nosite-{lam.invoker.sandbox_mode}", bundle({"app.py": code})))
    assert body(result) == {"no_site": 1, "exit": True, "host_packages": False}
