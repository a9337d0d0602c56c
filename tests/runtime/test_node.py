"""Node.js functions through Lamina's bootstrap: async, callback and ES module handlers, errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from runtime_support import NODE, NODE_RUNTIME, Lambda, body, bundle, spec

from lamina.runtime import FunctionSpec

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js (node) is not installed")

ASYNC = """
let count = 0;
exports.handler = async (event, context) => {
  count += 1;
  console.log('got', event);
  return {
    event, count, pid: process.pid, awsRequestId: context.awsRequestId,
    invokedFunctionArn: context.invokedFunctionArn, functionName: context.functionName,
    memoryLimitInMB: context.memoryLimitInMB, logGroupName: context.logGroupName,
    remaining: context.getRemainingTimeInMillis(), custom: context.clientContext && context.clientContext.custom,
    nodePath: process.env.NODE_PATH, executionEnv: process.env.AWS_EXECUTION_ENV,
  };
};
"""


def node(name: str, files: dict[str, str], handler: str = "index.handler", **changes: Any) -> FunctionSpec:
    return spec(name, bundle(files), runtime=NODE_RUNTIME, handler=handler, **changes)


def test_an_async_handler_answers_with_its_context(lam: Lambda) -> None:
    function = node(f"node-async-{lam.invoker.sandbox_mode}", {"index.js": ASYNC})
    first = lam.invoke(function, {"a": 1}, client_context='{"custom": {"k": "v"}}')
    second = lam.invoke(function, {"a": 2})

    found = body(first)
    assert found["event"] == {"a": 1} and found["awsRequestId"] == first.request_id
    assert found["invokedFunctionArn"] == function.function_arn
    assert (found["functionName"], found["memoryLimitInMB"]) == (function.function_name, "128")
    assert found["logGroupName"] == f"/aws/lambda/{function.function_name}"
    assert 0 < found["remaining"] <= 3000 and found["custom"] == {"k": "v"}
    assert found["executionEnv"] == f"AWS_Lambda_{NODE_RUNTIME}"
    assert "/nodejs/node_modules" in found["nodePath"]
    assert body(second)["count"] == 2 and body(second)["pid"] == found["pid"]
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.search(rf"^{stamp}\t{second.request_id}\tINFO\tgot {{ a: 2 }}$", second.log, re.MULTILINE)


def test_a_callback_handler_and_an_es_module(plain: Lambda) -> None:
    doubled = "exports.handler = (e, c, cb) => setTimeout(() => cb(null, e.n * 2), 1);"
    callback = node("node-callback", {"index.js": doubled})
    esm = node("node-esm", {"lib/app.mjs": "export const run = { it: async (e) => ({ esm: e.n }) };"}, "lib/app.run.it")
    sync = node("node-sync", {"index.js": "exports.handler = (e) => { console.log('sync'); };"})

    assert body(plain.invoke(callback, {"n": 21})) == 42
    assert body(plain.invoke(esm, {"n": 1})) == {"esm": 1}
    assert body(plain.invoke(sync, {})) is None


def test_a_thrown_error_is_awss_node_error_document(plain: Lambda) -> None:
    code = "exports.handler = async () => { throw new TypeError('bad input'); };"
    result = plain.invoke(node("node-throws", {"index.js": code}))

    document = body(result)
    assert result.function_error == "Unhandled"
    assert (document["errorType"], document["errorMessage"]) == ("TypeError", "bad input")
    assert document["trace"][0] == "TypeError: bad input" and "index.js:1" in document["trace"][1]
    assert f"{result.request_id}\tERROR\tInvoke Error \t" in result.log


@pytest.mark.parametrize(("files", "handler", "error_type", "message"), [
    ({"other.js": ""}, "index.handler", "Runtime.ImportModuleError", "Error: Cannot find module 'index'"),
    ({"index.js": "exports.other = 1;"}, "index.handler", "Runtime.HandlerNotFound",
     "index.handler is undefined or not exported"),
    ({"index.js": "exports.handler = async () => {"}, "index.handler", "Runtime.UserCodeSyntaxError", "SyntaxError: "),
], ids=["import-error", "handler-not-found", "syntax-error"])
def test_init_failures_are_awss_runtime_errors(plain: Lambda, files: dict[str, str], handler: str, error_type: str,
                                                message: str) -> None:
    result = plain.invoke(node(f"node-init-{error_type}", files, handler))

    document = body(result)
    assert result.function_error == "Unhandled" and document["errorType"] == error_type
    assert document["errorMessage"].startswith(message)
    assert f"Status: error\tError Type: {error_type}" in result.log


def test_an_uncaught_exception_fails_the_invocation_and_the_next_starts_afresh(plain: Lambda) -> None:
    code = (
        "exports.handler = async (e) => {\n"
        "  if (e.crash) {\n"
        "    setTimeout(() => { throw new RangeError('later'); }, 0);\n"
        "    await new Promise((resolve) => setTimeout(resolve, 100));\n"
        "  }\n"
        "  return process.pid;\n};\n"
    )
    function = node("node-uncaught", {"index.js": code})
    before = body(plain.invoke(function))
    crashed = plain.invoke(function, {"crash": True})
    after = plain.invoke(function)

    assert crashed.error_type == "RangeError" and body(crashed)["errorMessage"] == "later"
    assert after.function_error is None and body(after) != before
