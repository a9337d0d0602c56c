"""Functions that run: execution environments, the Lambda Runtime API, bootstraps, the invoker.

The Lambda service builds a ``FunctionSpec`` and awaits ``Invoker.invoke``; everything below is
the runtime's own business (``docs/runtime.md`` tells the whole story)::

    Invoker.invoke ─► Interpreters (runtime id → interpreter on this machine)
          │        ─► Pool (a warm environment of this function/version/revision?)
          │        ─► CodeCache (zip unpacked once per sha256) ─► Sandbox (bwrap or plain process)
          ▼
    Environment: a process running a bootstrap ◄─ HTTP ─► RuntimeAPI (its own Unix socket or 127.0.0.1 port)
          │ output pipe ─► OutputCapture      memory ─► watchdog over /proc
          ▼
    InvocationResult (payload or AWS's error document, START/END/REPORT log, durations)
"""

from lamina.runtime.errors import InvalidCode, RuntimeUnavailable
from lamina.runtime.invoker import Invoker
from lamina.runtime.spec import CodeBundle, Credentials, FunctionSpec, InvocationResult

__all__ = [
    "CodeBundle", "Credentials", "FunctionSpec", "InvalidCode", "InvocationResult", "Invoker", "RuntimeUnavailable",
]
