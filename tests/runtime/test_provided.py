"""``provided.*`` functions bring their own bootstrap: a shell script, or AWS's own ``awslambdaric``."""

from __future__ import annotations

import shutil
import sys

import pytest
from runtime_support import Lambda, body, bundle, spec

SHELL_BOOTSTRAP = """#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  ID="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r\\n')"
  echo "handling $ID"
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" -d "{\\"echo\\": $EVENT, \\"handler\\": \\"$_HANDLER\\"}"
done
"""


@pytest.mark.skipif(shutil.which("curl") is None, reason="the shell bootstrap needs curl")
def test_a_shell_bootstrap_speaks_the_runtime_api(lam: Lambda) -> None:
    code = bundle({"bootstrap": SHELL_BOOTSTRAP}, {"bootstrap": 0o755})
    function = spec(f"shell-{lam.invoker.sandbox_mode}", code, runtime="provided.al2023", handler="my.handler")
    first = lam.invoke(function, {"n": 1})
    second = lam.invoke(function, {"n": 2})

    assert body(first) == {"echo": {"n": 1}, "handler": "my.handler"}
    assert body(second)["echo"] == {"n": 2} and second.init_duration_ms is None
    assert f"handling {second.request_id}" in second.log


def test_a_missing_bootstrap_is_an_invalid_entrypoint(plain: Lambda) -> None:
    result = plain.invoke(spec("no-bootstrap", bundle({"app.py": ""}), runtime="provided.al2", handler="x"))

    assert result.error_type == "Runtime.InvalidEntrypoint"
    assert "Couldn't find valid bootstrap(s): [" in body(result)["errorMessage"]


def test_awslambdaric_runs_unchanged_against_lamina(plain: Lambda) -> None:
    pytest.importorskip("awslambdaric", reason="awslambdaric (a dev dependency) is not installed on this Python")
    bootstrap = f"#!/bin/sh\nexec {sys.executable} -m awslambdaric $_HANDLER\n"
    handler = (
        "def handler(event, context):\n"
        "    if event.get('fail'):\n        raise KeyError('nope')\n"
        "    return {'echo': event, 'id': context.aws_request_id, 'left': context.get_remaining_time_in_millis() > 0}\n"
    )
    code = bundle({"bootstrap": bootstrap, "app.py": handler}, {"bootstrap": 0o755})
    function = spec("awslambdaric", code, runtime="provided.al2023", handler="app.handler")
    ok = plain.invoke(function, {"a": 1})
    failed = plain.invoke(function, {"fail": True})

    assert body(ok) == {"echo": {"a": 1}, "id": ok.request_id, "left": True}
    assert failed.function_error == "Unhandled" and failed.error_type == "KeyError"
    document = body(failed)
    assert (document["errorType"], document["errorMessage"], document["requestId"]) == (
        "KeyError", "'nope'", failed.request_id)
    assert failed.init_duration_ms is None, "the same environment answered both"
