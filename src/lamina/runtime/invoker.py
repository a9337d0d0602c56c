"""The invoker: runs one invocation of a function version and reports it as Lambda does.

``invoke`` resolves the runtime to an interpreter, takes a warm environment of the function's
exact (ARN, version, revision) or starts one (code unpacked once, sandbox, credentials), hands the
event to it, and turns what happened into an ``InvocationResult``: the response or AWS's error
document, the log between ``START`` and ``REPORT``, durations and memory. It runs entirely on the
server's event loop: processes and sockets are asyncio's, file work goes to threads, so the rest
of the API keeps answering while functions run.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import math
import os
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from lamina.runtime.code_cache import CodeCache
from lamina.runtime.environment import Environment, Outcome
from lamina.runtime.errors import InvalidCode, RuntimeUnavailable
from lamina.runtime.forwarder import EndpointForwarder
from lamina.runtime.interpreters import Interpreter, Interpreters
from lamina.runtime.pool import Pool
from lamina.runtime.runtime_api import Invocation
from lamina.runtime.runtime_dir import prepare_runtime_dir, sdk_paths
from lamina.runtime.sandbox import Relay, Sandbox, bwrap_problem, resolve_mode
from lamina.runtime.spec import FunctionSpec, InvocationResult

__all__ = ["Invoker"]

DEFAULT_IDLE_TIMEOUT = 600.0
"""Seconds an idle environment is kept warm."""


class Invoker:
    """Runs functions in pooled execution environments."""

    def __init__(
        self, work_dir: Path, endpoint_url: str, *, sandbox: str = "auto", idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        interpreters: Mapping[str, str] | None = None,
    ) -> None:
        """``work_dir`` holds unpacked code, the runtime directory and temporary directories;
        ``endpoint_url`` is Lamina's own address (``AWS_ENDPOINT_URL`` inside functions);
        ``sandbox`` is ``auto`` (bubblewrap when installed), ``bwrap`` or ``none``;
        ``interpreters`` overrides the interpreter of a runtime (``{"python3.12": "/usr/bin/python3.12"}``).
        """
        self.work_dir = Path(work_dir).resolve()
        self.endpoint_url = endpoint_url
        self._requested_sandbox = sandbox
        self.sandbox_mode = resolve_mode(sandbox)
        """``bwrap`` or ``none``: the isolation in force (final once ``prepare()`` has run)."""
        self.sandbox_note = ""
        """Why ``auto`` fell back to ``none`` (bubblewrap missing or not working), for the server to say once."""
        self._interpreters = Interpreters(interpreters)
        self._cache = CodeCache(self.work_dir)
        self._pool = Pool(idle_timeout)
        self._busy: Counter[str] = Counter()
        self._runtime_dir: Path | None = None
        self._sdk: tuple[str, ...] = ()
        self._setup = asyncio.Lock()
        self._sockets: Path | None = None
        """A private directory (mode 0700, short enough for Unix socket paths) for the endpoint's
        socket and each sandboxed environment's Runtime API socket."""
        self._forwarder: EndpointForwarder | None = None

    async def invoke(
        self, spec: FunctionSpec, payload: bytes, *, request_id: str, invoked_arn: str,
        client_context: str | None = None, cognito_identity: str | None = None,
    ) -> InvocationResult:
        """Run one invocation; ``RuntimeUnavailable`` / ``InvalidCode`` when it cannot start at all.

        ``client_context`` is the client context as JSON text (Invoke's base64 header is accepted
        too and decoded); ``cognito_identity`` is JSON text.
        """
        self._busy[spec.function_arn] += 1
        try:
            interpreter = await self._interpreters.resolve(spec.runtime)
            environment = await self._warm(spec)
            cold = environment is None
            if environment is None:
                environment, failure = await self._start(spec, interpreter, request_id)
                if failure is not None:
                    self._pool.discard(environment)
                    return _init_failed(spec, request_id, environment, failure)
            invocation = Invocation(
                request_id, payload, invoked_arn, int(time.time() * 1000) + spec.timeout * 1000, _trace_id(),
                _client_context(client_context), cognito_identity,
            )
            try:
                outcome = await environment.invoke(invocation)
            except BaseException:
                self._pool.discard(environment)
                raise
            result = _result(spec, request_id, environment, outcome, cold)
            if spec.code_dir:
                self._pool.discard(environment)  # a linked directory's next invoke runs its files afresh
            else:
                self._pool.give_back(environment)
            return result
        finally:
            self._busy[spec.function_arn] -= 1
            if not self._busy[spec.function_arn]:
                del self._busy[spec.function_arn]

    def busy(self, function_arn: str | None = None) -> int:
        """Invocations in flight, for one function (unqualified ARN) or for all."""
        return self._busy.get(function_arn, 0) if function_arn else sum(self._busy.values())

    def retire(self, function_arn: str, version: str | None = None) -> None:
        """Stop the warm environments of a function (all versions, or one): call on update or delete."""
        self._pool.retire(function_arn, version)

    def reap(self) -> None:
        """Stop idle environments past their idle time now (the reaper also runs on its own)."""
        self._pool.reap()

    def idle_environments(self) -> int:
        """How many environments wait warm."""
        return self._pool.idle_count()

    async def close(self) -> None:
        """Stop every environment (server shutdown)."""
        await self._pool.close()
        if self._forwarder is not None:
            await self._forwarder.close()
        if self._sockets is not None:
            await asyncio.to_thread(shutil.rmtree, self._sockets, True)

    async def _code(self, spec: FunctionSpec) -> Path:
        """The code directory: a linked one as it is, else the zip unpacked once."""
        if spec.code_dir is None:
            return await self._cache.code_dir(spec.code)
        linked = Path(spec.code_dir).resolve()
        if not await asyncio.to_thread(linked.is_dir):
            raise InvalidCode(f"the function's linked directory {linked} does not exist")
        return linked

    async def _warm(self, spec: FunctionSpec) -> Environment | None:
        """An idle environment whose runtime waits for its next event, or None."""
        if spec.code_dir:
            return None
        environment = self._pool.take(spec)
        if environment is None:
            return None
        try:
            if await environment.wait_ready(spec.timeout):
                return environment
        except BaseException:  # cancelled while waiting: the environment goes, not leaks
            self._pool.discard(environment)
            raise
        self._pool.discard(environment)
        return None

    async def prepare(self) -> str:
        """Lay out the runtime directory and check the sandbox works; returns the mode in force.

        Runs by itself before the first invocation; the server may call it at start-up to say once
        which isolation is in force (``sandbox_note`` says why ``auto`` fell back to ``none``).
        An explicit ``bwrap`` that cannot run raises ``RuntimeUnavailable``.
        """
        await self._prepare()
        return self.sandbox_mode

    async def _prepare(self) -> Path:
        async with self._setup:
            if self._runtime_dir is None:
                self._runtime_dir = await asyncio.to_thread(prepare_runtime_dir, self.work_dir)
                self._sdk = tuple(str(path) for path in (await asyncio.to_thread(sdk_paths)).values())
                await self._check_sandbox()
                if self.sandbox_mode == "bwrap":
                    await self._start_forwarder()
            return self._runtime_dir

    async def _start_forwarder(self) -> None:
        """The endpoint's Unix socket, for sandboxes without network (``forwarder``)."""
        target = urlsplit(self.endpoint_url)
        port = target.port or (443 if target.scheme == "https" else 80)
        self._sockets = await asyncio.to_thread(_socket_dir, self.work_dir)
        self._forwarder = EndpointForwarder(str(self._sockets / "endpoint.sock"), target.hostname or "127.0.0.1", port)
        await self._forwarder.start()

    def _relay(self, interpreter: Interpreter) -> tuple[Relay | None, tuple[str, ...]]:
        """The sandbox's relay (bwrap only), and the host paths it needs shown: a Python runtime's
        relay runs on the function's interpreter; any other on the Python Lamina runs on."""
        if self._forwarder is None or self._sockets is None:
            return None, ()
        mounts: tuple[str, ...] = ()  # a Python runtime's prefix is among the interpreter's own mounts
        python = interpreter.executable
        if interpreter.kind != "python":
            python, mounts = os.path.realpath(sys.executable), (sys.base_prefix,)
        socket = str(self._sockets / f"{uuid.uuid4().hex[:12]}.sock")
        return Relay(python, socket, self._forwarder.path, self._forwarder.port), mounts

    async def _check_sandbox(self) -> None:
        if self._requested_sandbox == "auto" and self.sandbox_mode == "none":
            self.sandbox_note = "bubblewrap (bwrap) is not installed: functions run as plain processes"
        if self.sandbox_mode != "bwrap":
            return
        problem = await bwrap_problem()
        if problem is None:
            return
        if self._requested_sandbox == "bwrap":
            raise RuntimeUnavailable(f"the bubblewrap sandbox does not work on this machine: {problem}")
        self.sandbox_mode = "none"
        self.sandbox_note = f"bubblewrap does not work here ({problem}): functions run as plain processes"

    async def _start(
        self, spec: FunctionSpec, interpreter: Interpreter, request_id: str
    ) -> tuple[Environment, Outcome | None]:
        runtime_dir = await self._prepare()
        code = await self._code(spec)
        opt = await self._cache.opt_dir(spec.layers)
        self._cache.check_total(code, opt)
        relay, relay_mounts = self._relay(interpreter)
        sandbox = Sandbox(
            self.sandbox_mode, code, opt, runtime_dir, self.work_dir / "tmp" / uuid.uuid4().hex,
            (*interpreter.mounts, *relay_mounts), spec.ephemeral_storage,
            self._sdk if interpreter.kind == "python" else (), relay,
        )
        environment = Environment(spec, interpreter, sandbox, self.endpoint_url)
        self._pool.add(environment)
        try:
            failure = await environment.start(request_id)
        except BaseException:  # cancelled while starting (the caller went away): no orphan process
            self._pool.discard(environment)
            raise
        return environment, failure


def _socket_dir(work_dir: Path) -> Path:
    """A new private directory (mode 0700) for this invoker's Unix sockets: under ``work_dir``
    (cleaned with it, even when the server was killed before ``close``), or under the system's
    temporary directory when that path is too long for a socket (``AF_UNIX`` paths end at 107
    bytes). Blocking."""
    parent = work_dir / "sockets"
    if len(str(parent)) + len("/12345678/0123456789ab.sock") <= 107:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="", dir=parent))
    return Path(tempfile.mkdtemp(prefix="lamina-"))


def _trace_id() -> str:
    random = secrets.token_hex(20)  # one read of the kernel's randomness for both ids
    return f"Root=1-{int(time.time()):08x}-{random[:24]};Parent={random[24:]};Sampled=0"


def _client_context(value: str | None) -> str | None:
    """The client context as JSON text; Invoke's base64 form is decoded."""
    if not value:
        return None
    try:
        json.loads(value)
        return value
    except ValueError:
        pass
    try:
        decoded = base64.b64decode(value, validate=True).decode()
        json.loads(decoded)
        return decoded
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value


def _report(spec: FunctionSpec, request_id: str, duration: float, memory_used: int, init: float | None,
            outcome: Outcome, platform_failure: bool) -> str:
    """AWS's REPORT line (billed duration rounds up to the ms and includes the init phase)."""
    billed = math.ceil(duration + (init or 0.0))
    fields = [
        f"REPORT RequestId: {request_id}", f"Duration: {duration:.2f} ms", f"Billed Duration: {billed} ms",
        f"Memory Size: {spec.memory_size} MB", f"Max Memory Used: {memory_used} MB",
    ]
    if init is not None:
        fields.append(f"Init Duration: {init:.2f} ms")
    if platform_failure:
        fields.append(f"Status: {outcome.status}")
        if outcome.status == "error" and outcome.error_type:
            fields.append(f"Error Type: {outcome.error_type}")
    return "\t".join(fields) + "\t\n"


def _lines(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _result(spec: FunctionSpec, request_id: str, environment: Environment, outcome: Outcome,
            cold: bool) -> InvocationResult:
    init = environment.init_duration_ms if cold else None
    memory = environment.max_memory_used_mb
    output = environment.take_output()
    platform = outcome.status != "replied"
    log = (
        (_lines(environment.init_log) if cold else "")
        + f"START RequestId: {request_id} Version: {spec.version}\n"
        + _lines(output)
        + "".join(line + "\n" for line in outcome.platform_lines)
        + f"END RequestId: {request_id}\n"
        + _report(spec, request_id, outcome.duration_ms, memory, init, outcome, platform)
    )
    return InvocationResult(
        request_id, outcome.payload, "Unhandled" if outcome.failed else None, log, outcome.duration_ms, init, memory,
        outcome.error_type, environment.log_stream,
    )


def _init_failed(spec: FunctionSpec, request_id: str, environment: Environment, outcome: Outcome) -> InvocationResult:
    """The invocation's answer when the environment could not start (import error, bad bootstrap...)."""
    init = environment.init_duration_ms
    memory = environment.max_memory_used_mb
    status = "timeout" if outcome.status == "timeout" else "error"
    init_report = f"INIT_REPORT Init Duration: {init:.2f} ms\tPhase: init\tStatus: {status}"
    if status == "error":
        init_report += f"\tError Type: {outcome.error_type}"
    outcome.status = status
    log = (
        _lines(environment.init_log)
        + init_report + "\n"
        + f"START RequestId: {request_id} Version: {spec.version}\n"
        + f"END RequestId: {request_id}\n"
        + _report(spec, request_id, 0.0, memory, init, outcome, True)
    )
    return InvocationResult(
        request_id, outcome.payload, "Unhandled", log, 0.0, init, memory, outcome.error_type, environment.log_stream,
    )
