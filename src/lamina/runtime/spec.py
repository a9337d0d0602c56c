"""The values that cross the runtime's boundary: what to run, with what, and what came back.

The Lambda service builds a ``FunctionSpec`` from the store and hands it to the ``Invoker``; the
runtime never reads the store itself, so these values carry everything an environment needs
(code by content, the role's credentials as a callable, the function's configuration).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

__all__ = ["CodeBundle", "Credentials", "FunctionSpec", "InvocationResult"]


@dataclass(frozen=True)
class CodeBundle:
    """A zip, identified by its content: extracted once per ``sha256`` and shared by environments."""

    sha256: str
    """Hex SHA-256 of the zip (the function's ``CodeSha256`` in hex)."""
    load: Callable[[], bytes]
    """Returns the zip's bytes; called (in a thread) only when it is not yet extracted on disk."""


@dataclass(frozen=True)
class Credentials:
    """Temporary credentials of the execution role, as an environment receives them."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime
    """When they stop working; an environment is recycled before this moment."""


@dataclass(frozen=True)
class FunctionSpec:
    """One function version as the runtime runs it."""

    function_arn: str
    """Unqualified ``arn:aws:lambda:REGION:ACCOUNT:function:NAME``."""
    function_name: str
    version: str
    """``$LATEST`` or a published version number."""
    runtime: str | None
    """``python3.12``, ``nodejs20.x``, ``provided.al2023``, ..."""
    handler: str | None
    """``app.handler``; nested modules as ``dir/mod.fn``."""
    code: CodeBundle
    layers: tuple[CodeBundle, ...]
    """In the function's order; extracted in that order into ``/opt`` (later ones win)."""
    memory_size: int
    """MB; the environment is killed when its resident memory goes over it."""
    timeout: int
    """Seconds an invocation may run."""
    environment: Mapping[str, str]
    """The function's own ``Environment.Variables``."""
    region: str
    account_id: str
    revision_id: str
    """Changes whenever code or configuration changes; warm environments are keyed by it."""
    credentials: Callable[[], Credentials]
    """The execution role's temporary credentials; called (sync, quick) when an environment starts."""
    log_group: str = ""
    """Defaults to ``/aws/lambda/NAME``."""
    ephemeral_storage: int = 512
    """MB of ``/tmp`` (enforced in the bubblewrap sandbox)."""
    code_dir: str | None = None
    """A host directory to run instead of ``code`` (a function linked to a local directory for the
    edit-and-run loop): used in place, read-only in the sandbox, and each of its environments
    serves one invocation, so every invoke runs the directory's current files."""

    @property
    def log_group_name(self) -> str:
        """The log group, ``/aws/lambda/NAME`` unless one was given."""
        return self.log_group or f"/aws/lambda/{self.function_name}"


@dataclass(frozen=True)
class InvocationResult:
    """What one invocation produced, shaped as Invoke answers it."""

    request_id: str
    payload: bytes
    """The function's response, or AWS's error document."""
    function_error: str | None
    """``Unhandled`` when the function failed (``X-Amz-Function-Error``), else None."""
    log: str
    """This invocation's log: the function's output between ``START`` and ``END``, then ``REPORT``."""
    duration_ms: float
    init_duration_ms: float | None
    """Set on a cold start."""
    max_memory_used_mb: int
    error_type: str | None = None
    """The error's type (``Runtime.ImportModuleError``, ``Sandbox.Timedout``, ``ValueError``...) when
    ``function_error`` is set, as the REPORT line's ``Error Type`` names it."""
    log_stream: str = ""
    """The log stream the environment writes to (``2026/11/30/[$LATEST]<hex>``, one per environment,
    as ``AWS_LAMBDA_LOG_STREAM_NAME`` and ``context.log_stream_name`` say)."""
