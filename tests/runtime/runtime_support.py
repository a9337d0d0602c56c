"""Helpers of the runtime's tests: code zips, function specs, and an invoker driven from the test thread.

Starting an environment is the slow part (a process, ~100-300 ms), so the invokers live for the
whole session and tests that allow it reuse warm environments: each function is named after its
test, so environments never mix between tests.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from lamina.runtime import CodeBundle, Credentials, FunctionSpec, InvocationResult, Invoker

T = TypeVar("T")
ACCOUNT = "123456789012"
REGION = "us-east-1"
ENDPOINT = "http://127.0.0.1:4599"
HAVE_BWRAP = shutil.which("bwrap") is not None
NODE = shutil.which("node")
NODE_VERSION = subprocess.run([NODE, "--version"], capture_output=True, text=True).stdout if NODE else ""
NODE_MAJOR = NODE_VERSION.strip().lstrip("v").split(".")[0]
NODE_RUNTIME = f"nodejs{NODE_MAJOR}.x"
"""The Node.js runtime id this machine's ``node`` serves (the tests run whichever is installed)."""
NO_BWRAP = "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"


def bundle(files: Mapping[str, str | bytes], modes: Mapping[str, int] | None = None) -> CodeBundle:
    """A code zip of ``files`` (name -> content), with optional Unix modes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644) | 0o100000) << 16
            archive.writestr(info, content)
    data = buffer.getvalue()
    return CodeBundle(hashlib.sha256(data).hexdigest(), lambda: data)


def credentials() -> Credentials:
    return Credentials("ASIAEXAMPLEKEY", "example-secret", "example-token", datetime.now(UTC) + timedelta(hours=1))


def spec(name: str, code: CodeBundle, runtime: str | None = "python3.12", handler: str | None = "app.handler",
         **changes: Any) -> FunctionSpec:
    base = FunctionSpec(
        function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}", function_name=name, version="$LATEST",
        runtime=runtime, handler=handler, code=code, layers=(), memory_size=128, timeout=3, environment={},
        region=REGION, account_id=ACCOUNT, revision_id="rev-1", credentials=credentials,
    )
    return replace(base, **changes)


@dataclass
class Lambda:
    """An invoker and the loop it runs on, driven from the test's thread."""

    invoker: Invoker
    loop: asyncio.AbstractEventLoop

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """Call a plain method of the invoker on its loop (where it must run)."""
        async def on_loop() -> T:
            return function(*args)
        return self.run(on_loop())

    def invoke(self, function: FunctionSpec, event: Any = None, *, raw: bytes | None = None,
               **options: Any) -> InvocationResult:
        payload = raw if raw is not None else json.dumps(event if event is not None else {}).encode()
        return self.run(self.invoker.invoke(
            function, payload, request_id=str(uuid.uuid4()), invoked_arn=function.function_arn, **options,
        ))

    def invoke_all(self, function: FunctionSpec, events: list[Any]) -> list[InvocationResult]:
        async def together() -> list[InvocationResult]:
            return list(await asyncio.gather(*(self.invoker.invoke(
                function, json.dumps(event).encode(), request_id=str(uuid.uuid4()), invoked_arn=function.function_arn,
            ) for event in events)))
        return self.run(together())


def body(result: InvocationResult) -> Any:
    return json.loads(result.payload)


