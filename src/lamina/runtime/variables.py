"""The environment variables a function sees, as AWS's runtimes set them.

Three groups, later ones winning: AWS's defaults that a function may change (``LANG``, ``PATH``,
``LD_LIBRARY_PATH``, ``PYTHONPATH``, ``NODE_PATH``, and Lamina's ``AWS_ENDPOINT_URL``), then the
function's own ``Environment.Variables``, then the reserved ones a function cannot set
(``AWS_LAMBDA_*``, ``AWS_REGION``, ``_HANDLER``, the role's credentials, ...). Nothing of
Lamina's own process environment leaks in.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from pathlib import Path

from lamina.runtime.interpreters import Interpreter
from lamina.runtime.sandbox import Layout
from lamina.runtime.spec import Credentials, FunctionSpec

__all__ = ["RESERVED", "environment_variables", "log_stream_name"]

RESERVED = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ",
})
"""The keys AWS reserves: a function's ``Environment`` cannot override them."""


def log_stream_name(version: str) -> str:
    """``2026/11/30/[$LATEST]<32 hex>``: a new stream per environment, as on AWS."""
    return time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{version}]{secrets.token_hex(16)}"


def environment_variables(
    spec: FunctionSpec, interpreter: Interpreter, layout: Layout, *, api_address: str, credentials: Credentials,
    endpoint_url: str, log_stream: str,
) -> dict[str, str]:
    """Every variable of the environment's process."""
    defaults = _defaults(interpreter, layout)
    defaults["AWS_ENDPOINT_URL"] = endpoint_url
    reserved = {
        "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_RUNTIME_API": api_address,
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "_HANDLER": spec.handler or "",
        "LAMBDA_TASK_ROOT": layout.task_root,
        "LAMBDA_RUNTIME_DIR": layout.runtime_dir,
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token,
        "TZ": ":UTC",
    }
    if interpreter.kind != "provided":
        reserved["AWS_EXECUTION_ENV"] = f"AWS_Lambda_{spec.runtime}"
    own = {key: value for key, value in _own(spec.environment).items() if key not in RESERVED}
    return {**defaults, **own, **reserved}


def _own(environment: Mapping[str, str]) -> dict[str, str]:
    return {str(key): str(value) for key, value in environment.items()}


def _defaults(interpreter: Interpreter, layout: Layout) -> dict[str, str]:
    task, opt, runtime = layout.task_root, layout.opt, layout.runtime_dir
    path = ["/usr/local/bin", "/usr/bin/", "/bin", f"{opt}/bin"]
    if interpreter.executable:
        path.insert(0, str(Path(interpreter.executable).parent))
    variables = {
        "LANG": "en_US.UTF-8",
        "PATH": ":".join(path),
        "LD_LIBRARY_PATH": f"/lib64:/usr/lib64:{runtime}:{runtime}/lib:{task}:{task}/lib:{opt}/lib",
        "TMPDIR": layout.tmp,
        "HOME": layout.tmp,
    }
    if interpreter.kind == "python":
        site = f"{opt}/python/lib/python{interpreter.version}/site-packages"
        sdk = [layout.sdk] if interpreter.version_tuple >= (3, 10) else []
        variables["PYTHONPATH"] = ":".join([site, f"{opt}/python", *sdk, runtime])
    elif interpreter.kind == "nodejs":
        major = interpreter.version.split(".")[0]
        variables["NODE_PATH"] = ":".join([
            f"{opt}/nodejs/node{major}/node_modules", f"{opt}/nodejs/node_modules", f"{runtime}/node_modules",
            runtime, task,
        ])
    return variables
