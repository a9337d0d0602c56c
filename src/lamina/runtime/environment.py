"""One execution environment: a process running a function's runtime, and its Runtime API.

Life of an environment (``Status``)::

    STARTING ──runtime waits in /next──► IDLE ◄──reply──► BUSY
       │ init error, exit, 10 s, memory          │ timeout, exit, memory
       ▼                                          ▼
    STOPPED ◄─────────── reaped, retired, closed ─┘

An environment runs one invocation at a time. Whatever ends it abnormally (a timeout, the memory
limit, the runtime exiting) kills the whole process tree and marks it ``STOPPED``; the pool then
starts a fresh one for the next invocation, as Lambda does. The outcome of a start or an
invocation is an ``Outcome``: the runtime's reply, or the error AWS would report in its place.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import os
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lamina.runtime.interpreters import Interpreter
from lamina.runtime.memory import ProcessTree
from lamina.runtime.output import OutputCapture
from lamina.runtime.runtime_api import Invocation, Reply, RuntimeAPI
from lamina.runtime.runtime_dir import NODE_BOOTSTRAP, PYTHON_BOOTSTRAP
from lamina.runtime.sandbox import RUNTIME_API_PORT, Sandbox
from lamina.runtime.spec import Credentials, FunctionSpec
from lamina.runtime.variables import environment_variables, log_stream_name

__all__ = ["INIT_TIMEOUT", "Environment", "Outcome", "Status"]

INIT_TIMEOUT = 10.0
"""Seconds the runtime has to start and ask for its first event (AWS's init phase limit)."""
WATCH_INTERVAL = 0.025
"""Seconds between two memory readings while the environment works."""
_MB = 1024 * 1024


class Status(enum.Enum):
    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    STOPPED = "stopped"


@dataclass
class Outcome:
    """How a start or an invocation ended."""

    payload: bytes = b""
    error_type: str | None = None
    """Set when it failed: the runtime's error type, or AWS's (``Sandbox.Timedout``, ...)."""
    status: str = "replied"
    """``replied`` (the runtime answered, with a response or its own error document), or the
    platform's ``error`` or ``timeout`` (then the REPORT line carries ``Status``)."""
    content_type: str = "application/json"
    duration_ms: float = 0.0
    platform_lines: list[str] = field(default_factory=list)
    """Lines the platform adds to the log (``Task timed out after ...``)."""

    @property
    def failed(self) -> bool:
        return self.error_type is not None


def _document(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


class Environment:
    """A started runtime for one (function, version, revision)."""

    def __init__(self, spec: FunctionSpec, interpreter: Interpreter, sandbox: Sandbox, endpoint_url: str) -> None:
        self.spec = spec
        self.interpreter = interpreter
        self.sandbox = sandbox
        self.endpoint_url = endpoint_url
        self.status = Status.STARTING
        self.log_stream = log_stream_name(spec.version)
        self.credentials: Credentials | None = None
        self.init_duration_ms = 0.0
        self.peak_rss = 0
        self.last_used = time.monotonic()
        self.invocations = 0
        self.init_log = ""
        """What the runtime wrote while starting (AWS logs it before the first START line)."""
        self._api: RuntimeAPI | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._tree: ProcessTree | None = None
        self._output: OutputCapture | None = None
        self._exited: asyncio.Task[int] | None = None
        self._over_memory = False
        """Set by the watchdog when the tree went over ``MemorySize`` (the environment is then killed)."""
        self._watch: asyncio.TimerHandle | None = None
        self._wake: Callable[[], None] | None = None
        """Wakes the ``_first`` under way (the watchdog calls it past the memory limit)."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.spec.function_arn, self.spec.version, self.spec.revision_id)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def take_output(self) -> str:
        return self._output.take() if self._output else ""

    async def start(self, request_id: str) -> Outcome | None:
        """Start the runtime and wait until it asks for an event; an ``Outcome`` when it cannot."""
        self._api = RuntimeAPI()
        relay = self.sandbox.relay
        if relay is None:
            address = await self._api.start()
        else:  # no network in the sandbox: a Unix socket, offered as 127.0.0.1:9001 by the relay
            await self._api.start_unix(relay.runtime_api)
            address = self._api.address = f"127.0.0.1:{RUNTIME_API_PORT}"
        self.credentials = self.spec.credentials()
        layout = self.sandbox.layout
        endpoint_url = self.endpoint_url if relay is None else f"http://127.0.0.1:{relay.endpoint_port}"
        variables = environment_variables(
            self.spec, self.interpreter, layout, api_address=address, credentials=self.credentials,
            endpoint_url=endpoint_url, log_stream=self.log_stream,
        )
        argv = self._argv()
        if argv is None:
            missing = f"Couldn't find valid bootstrap(s): [{layout.task_root}/bootstrap {layout.opt}/bootstrap]"
            return await self._fail_start(request_id, "Runtime.InvalidEntrypoint", missing)
        if self.sandbox.mode == "none":
            await asyncio.to_thread(self.sandbox.tmp.mkdir, parents=True, exist_ok=True)
        read_end, write_end = os.pipe()
        started = time.perf_counter()
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self.sandbox.command(argv), env=variables, cwd=self.sandbox.cwd, stdin=asyncio.subprocess.DEVNULL,
                stdout=write_end, stderr=write_end, start_new_session=True,
            )
        except OSError as cannot:
            os.close(read_end)
            return await self._fail_start(request_id, "Runtime.InvalidEntrypoint", str(cannot))
        finally:
            os.close(write_end)
        self._output = OutputCapture(read_end)
        self._tree = ProcessTree(self._process.pid)
        self._exited = asyncio.create_task(self._process.wait())
        outcome = await self._init(request_id)
        self.init_duration_ms = (time.perf_counter() - started) * 1000
        self.init_log = self.take_output()
        if outcome is None:
            self.status = Status.IDLE
            self.peak_rss = max(self.peak_rss, self._tree.walk())  # the runtime's processes, for later readings
        else:
            await self.stop()
        return outcome

    def _argv(self) -> list[str] | None:
        """The runtime's command line. Python runs with ``-S``: no ``site``, so neither the host
        interpreter's site-packages (whatever the developer installed there, which AWS's runtime
        would not have) nor their ``.pth`` hooks, which cost a cold start tens of milliseconds;
        ``PYTHONPATH`` still names the code, the layers and the SDK, as on AWS."""
        layout = self.sandbox.layout
        if self.interpreter.kind == "python":
            return [self.interpreter.executable, "-S", f"{layout.runtime_dir}/{PYTHON_BOOTSTRAP}"]
        if self.interpreter.kind == "nodejs":
            return [self.interpreter.executable, f"{layout.runtime_dir}/{NODE_BOOTSTRAP}"]
        for host, seen in ((self.sandbox.code, layout.task_root), (self.sandbox.opt, layout.opt)):
            if host is not None and (host / "bootstrap").is_file():
                return [f"{seen}/bootstrap"]
        return None

    async def _fail_start(self, request_id: str, error_type: str, message: str) -> Outcome:
        await self.stop()
        return Outcome(_document(error_type, f"RequestId: {request_id} Error: {message}"), error_type, "error")

    async def _init(self, request_id: str) -> Outcome | None:
        assert self._api is not None
        ready = asyncio.ensure_future(self._api.ready.wait())
        failed = self._api.init_error
        try:
            done = await self._first(ready, failed, timeout=INIT_TIMEOUT)
        finally:
            ready.cancel()
        if ready in done:
            return None
        if failed in done:
            reply = failed.result()
            return Outcome(reply.body, _error_type(reply), "error", reply.content_type)
        if not done:
            message = f"RequestId: {request_id} Error: Task timed out after {INIT_TIMEOUT:.2f} seconds"
            return Outcome(_document("Sandbox.Timedout", message), "Sandbox.Timedout", "timeout")
        return self._exit_outcome(request_id)

    async def wait_ready(self, timeout: float) -> bool:
        """True once the runtime waits in ``/next`` again; False when it exited or did not come back.

        A warm environment is taken from the pool the moment it replied; its runtime may still be on
        its way back to ``/next``, or exiting (a Node.js uncaught exception posts its error, then
        exits). Waiting here keeps the next invocation from being handed to a dying runtime.
        """
        assert self._api is not None and self._exited is not None
        if not self._api.ready.is_set() and not self._gone():
            ready = asyncio.ensure_future(self._api.ready.wait())
            try:
                await asyncio.wait({ready, self._exited}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                ready.cancel()
        return self._api.ready.is_set() and not self._gone()

    async def invoke(self, invocation: Invocation) -> Outcome:
        """Run one invocation (the environment must be ``IDLE``)."""
        assert self._api is not None and self.status is Status.IDLE
        self.status = Status.BUSY
        self.invocations += 1
        started = time.perf_counter()
        self._api.deliver(invocation)
        done = await self._first(invocation.reply, timeout=self.spec.timeout)
        duration = (time.perf_counter() - started) * 1000
        outcome = self._invocation_outcome(invocation, done)
        outcome.duration_ms = duration
        if self.status is Status.BUSY and outcome.status != "timeout" and not self._gone():
            self.status = Status.IDLE
            self.last_used = time.monotonic()
            return outcome
        await self.stop()
        return outcome

    def _invocation_outcome(self, invocation: Invocation, done: set[asyncio.Future[Any]]) -> Outcome:
        if invocation.reply in done:
            reply: Reply = invocation.reply.result()
            if reply.kind == "response":
                return Outcome(reply.body, None, "replied", reply.content_type)
            return Outcome(reply.body, _error_type(reply), "replied", reply.content_type)
        if not done:
            assert self._api is not None
            self._api.abandon()
            seconds = f"{self.spec.timeout:.2f}"
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            message = f"RequestId: {invocation.request_id} Error: Task timed out after {seconds} seconds"
            outcome = Outcome(_document("Sandbox.Timedout", message), "Sandbox.Timedout", "timeout")
            outcome.platform_lines.append(f"{stamp} {invocation.request_id} Task timed out after {seconds} seconds")
            return outcome
        outcome = self._exit_outcome(invocation.request_id)
        outcome.platform_lines.append(f"RequestId: {invocation.request_id} Error: {self._exit_reason()}")
        outcome.platform_lines.append(outcome.error_type or "")
        return outcome

    async def _first(self, *waiting: asyncio.Future[Any], timeout: float) -> set[asyncio.Future[Any]]:
        """Wait for the first of ``waiting``, the process exiting or the memory limit, with the
        memory watchdog running meanwhile.

        Returns the one of ``waiting`` that completed (they win a tie: a reply posted just before
        the process went counts), else ``{exited}`` (the environment is then dead), else nothing
        (the time ran out). One future, done-callbacks and two timer handles: no task is created
        (``asyncio.wait`` and a watchdog task cost a warm invocation tens of microseconds).
        """
        assert self._exited is not None
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()

        def wake(_: object = None) -> None:
            if not waiter.done():
                waiter.set_result(None)

        watched = (*waiting, self._exited)
        for future in watched:
            future.add_done_callback(wake)
        self._wake = wake
        timer = loop.call_later(timeout, wake)
        self._watch = loop.call_later(WATCH_INTERVAL, self._check_memory)
        try:
            await waiter
        finally:
            timer.cancel()
            if self._watch is not None:
                self._watch.cancel()
                self._watch = None
            self._wake = None
            for future in watched:
                future.remove_done_callback(wake)
        for future in waiting:
            if future.done():
                return {future}
        if self._over_memory:
            await self._kill()
        if self._exited.done():
            return {self._exited}
        return set()

    @property
    def alive(self) -> bool:
        """True while the runtime's process runs."""
        return not self._gone()

    def _gone(self) -> bool:
        return self._exited is None or self._exited.done()

    def _exit_outcome(self, request_id: str) -> Outcome:
        error_type = "Runtime.OutOfMemory" if self._over_memory else "Runtime.ExitError"
        message = f"RequestId: {request_id} Error: {self._exit_reason()}"
        return Outcome(_document(error_type, message), error_type, "error")

    def _exit_reason(self) -> str:
        """``Runtime exited with error: exit status 1`` / ``signal: killed``, as AWS words it."""
        if self._over_memory:
            return "Runtime exited with error: signal: killed"
        code = self._exited.result() if self._exited and self._exited.done() else None
        if code is None:
            return "Runtime exited without providing a reason"
        if code > 128 and self.sandbox.mode == "bwrap":
            code = -(code - 128)
        if code < 0:
            return f"Runtime exited with error: signal: {_signal_name(-code)}"
        return f"Runtime exited with error: exit status {code}" if code else "Runtime exited without providing a reason"

    def _check_memory(self) -> None:
        """One reading of the watchdog: kill the environment when its resident memory exceeds
        ``memory_size``, track the peak, and read again in ``WATCH_INTERVAL`` while ``_first`` waits.

        The first reading comes one interval in: an invocation that ends sooner is read once, for
        its REPORT line, rather than twice.
        """
        self._watch = None
        if self._tree is None or self._gone():
            return
        rss = self._tree.walk()
        self.peak_rss = max(self.peak_rss, rss)
        if rss > self.spec.memory_size * _MB:
            self._over_memory = True
            if self._wake is not None:
                self._wake()
            return
        self._watch = asyncio.get_running_loop().call_later(WATCH_INTERVAL, self._check_memory)

    @property
    def max_memory_used_mb(self) -> int:
        if self._tree is not None and not self._gone():
            self.peak_rss = max(self.peak_rss, self._tree.rss_bytes())
        return min(max(1, round(self.peak_rss / _MB)), self.spec.memory_size)

    async def _kill(self) -> None:
        process = self._process
        if process is None or self._gone():
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        assert self._exited is not None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(self._exited), 5)

    async def stop(self) -> None:
        """Kill the process tree and release the Runtime API, the pipe and the private /tmp."""
        if self.status is Status.STOPPED:
            return
        self.status = Status.STOPPED
        await self._kill()
        if self._api is not None:
            await self._api.close()
        if self.sandbox.relay is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.sandbox.relay.runtime_api)
        if self._output is not None:
            self._output.close()
        if self.sandbox.mode == "none":
            await asyncio.to_thread(shutil.rmtree, self.sandbox.tmp, True)

    def credentials_expire_within(self, seconds: float) -> bool:
        """True when the role's credentials end within ``seconds`` (the environment is then recycled)."""
        if self.credentials is None:
            return False
        expiration = self.credentials.expiration
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=UTC)
        return (expiration - datetime.now(UTC)).total_seconds() < seconds


def _error_type(reply: Reply) -> str:
    """The error's type: the document's ``errorType`` (what AWS reports), else the runtime's header."""
    try:
        document = json.loads(reply.body)
    except ValueError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("errorType"), str) and document["errorType"]:
        return str(document["errorType"])
    return reply.error_type or "Runtime.Unknown"


def _signal_name(number: int) -> str:
    """Go's wording of a signal (AWS's runtime is written in Go): ``killed``, ``segmentation fault``."""
    names = {9: "killed", 11: "segmentation fault", 6: "aborted", 15: "terminated", 2: "interrupt", 7: "bus error",
             8: "floating point exception", 4: "illegal instruction", 13: "broken pipe", 1: "hangup", 3: "quit"}
    return names.get(number, f"signal {number}")
