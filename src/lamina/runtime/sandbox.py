"""How an environment's process is launched: inside bubblewrap, or as a plain child process.

``bwrap`` (Debian package ``bubblewrap``) builds each environment a filesystem of its own from
read-only binds: the code at ``/var/task``, the layers at ``/opt``, the runtime directory at
``/var/runtime``, the system's ``/usr`` (and the interpreter's prefix when it lives elsewhere, a
pyenv version under a home directory, say), a few files of ``/etc``, a fresh ``/proc`` and ``/dev``, and a
private ``/tmp`` of ``EphemeralStorage`` MB. Lamina's data directory and everything else of the
host is simply absent. It runs in its own user, PID, IPC, UTS and network namespaces and dies
with Lamina (``--die-with-parent``):

- **Network**: none but its own ``lo``. The environment's Runtime API and Lamina's endpoint come in
  as two Unix sockets bound at ``/var/lamina``; ``relay.py``, the sandbox's first process, listens
  on ``127.0.0.1:9001`` and on the endpoint's port and forwards to them, then becomes
  the runtime (``exec``; ``Relay``). No other port of the host, and no other host, can be reached.
- **User**: uid and gid 65534 (``nobody``) inside, mapped to the user running Lamina outside, with
  no capabilities. Files keep their real owner: a Lamina running as root gives a function root's
  access to root's own files that are bound in (``/usr``, a pyenv interpreter in root's home),
  but not ``CAP_DAC_OVERRIDE`` or any other capability.
- **rlimits**: ``RLIMIT_NOFILE`` 1024 (AWS's), and ``RLIMIT_FSIZE`` ``EphemeralStorage`` + 1 MB,
  set by the relay before the runtime starts: no single file outside ``/tmp`` (``/dev/shm`` is a
  tmpfs without a size) grows past it, while a full ``/tmp`` still answers ``ENOSPC`` as on AWS.
  ``RLIMIT_AS`` is not set (V8 reserves far more address space than it uses) nor ``RLIMIT_NPROC``
  (it counts every process of the user outside the sandbox): the memory watchdog is the limit.

``none`` runs the interpreter directly, in its own process group (so the whole tree can be
killed), with the code in Lamina's cache directory (files without write permission), and a
private ``TMPDIR``; it isolates nothing else.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lamina.runtime.runtime_dir import RELAY

__all__ = ["RUNTIME_API_PORT", "Layout", "Relay", "Sandbox", "bwrap_problem", "resolve_mode"]

RUNTIME_API_PORT = 9001
"""``AWS_LAMBDA_RUNTIME_API`` inside a sandbox is ``127.0.0.1:9001``, as on AWS."""
SANDBOX_SOCKETS = "/var/lamina"
"""Where the relay's Unix sockets are bound inside the sandbox."""
SANDBOX_UID = 65534
"""``nobody``: the user a function runs as inside the sandbox."""
NOFILE = 1024
"""Open files per process, AWS's limit."""

_ETC = (
    "/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf", "/etc/passwd",
    "/etc/group", "/etc/localtime", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/ssl",
    "/etc/ca-certificates", "/etc/pki", "/etc/alternatives", "/etc/mime.types",
)
_MERGED_USR = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def resolve_mode(mode: str) -> str:
    """``auto`` -> ``bwrap`` when bubblewrap is installed, else ``none``; anything else is checked."""
    if mode not in ("auto", "bwrap", "none"):
        raise ValueError(f"sandbox must be auto, bwrap or none, not {mode!r}")
    if mode == "auto":
        return "bwrap" if shutil.which("bwrap") else "none"
    if mode == "bwrap" and not shutil.which("bwrap"):
        raise ValueError("sandbox 'bwrap' needs bubblewrap (Debian package bubblewrap): bwrap is not on PATH")
    return mode


async def bwrap_problem() -> str | None:
    """None when bubblewrap can start a sandbox here, else what it said (user namespaces refused...)."""
    probe = Sandbox("bwrap", Path("/usr"), None, Path("/usr"), Path("/tmp"))
    try:
        process = await asyncio.create_subprocess_exec(
            *probe.command(["/bin/sh", "-c", "exit 0"]), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        _, error = await asyncio.wait_for(process.communicate(), 10)
    except (OSError, TimeoutError) as failed:
        return str(failed) or type(failed).__name__
    return None if process.returncode == 0 else (error.decode(errors="replace").strip() or f"exit {process.returncode}")


SANDBOX_SDK = "/var/lang/sdk"
"""The SDK packages' directory inside the sandbox."""


@dataclass(frozen=True)
class Layout:
    """Where the function's pieces are, as the function sees them."""

    task_root: str
    opt: str
    runtime_dir: str
    tmp: str
    sdk: str
    """Where the SDK packages (boto3, botocore...) are: the runtime directory's links outside a
    sandbox, their own directory inside one."""


@dataclass(frozen=True)
class Relay:
    """How a networkless sandbox reaches the Runtime API and Lamina's endpoint (``relay.py``)."""

    python: str
    """A Python interpreter visible inside the sandbox at the same path (its prefix among the
    sandbox's ``mounts``) to run the relay."""
    runtime_api: str
    """The host path of the environment's Runtime API Unix socket."""
    endpoint: str
    """The host path of the Invoker's Unix socket forwarding to Lamina's endpoint."""
    endpoint_port: int
    """The port of Lamina's endpoint, offered on 127.0.0.1 inside the sandbox too."""

    def argv(self, argv: list[str], runtime_dir: str, fsize: int) -> list[str]:
        """The sandbox's command line: the relay, its routes and limits, then the runtime's ``argv``."""
        return [
            self.python, "-S", "-I", f"{runtime_dir}/{RELAY}", "--nofile", str(NOFILE), "--fsize", str(fsize),
            f"{RUNTIME_API_PORT}={SANDBOX_SOCKETS}/runtime-api.sock",
            f"{self.endpoint_port}={SANDBOX_SOCKETS}/endpoint.sock", "--", *argv,
        ]


@dataclass(frozen=True)
class Sandbox:
    """One environment's launch: the host directories and how they are shown to the function."""

    mode: str
    code: Path
    opt: Path | None
    runtime_dir: Path
    tmp: Path
    """A private temporary directory on the host (``none`` mode's ``TMPDIR``)."""
    mounts: tuple[str, ...] = ()
    """Further host paths to show read-only at the same path (the interpreter's prefix)."""
    tmp_mb: int = 512
    sdk: tuple[str, ...] = ()
    """The SDK packages (each a directory or a module file), shown inside the sandbox under
    ``/var/lang/sdk``: not at their host paths, which may lie under ``/tmp`` (a checkout there) and
    would then show up in the function's private ``/tmp``."""
    relay: Relay | None = None
    """The network relay (``bwrap`` with its own network namespace); None shares the host's network."""

    @property
    def layout(self) -> Layout:
        if self.mode == "bwrap":
            return Layout("/var/task", "/opt", "/var/runtime", "/tmp", SANDBOX_SDK)
        opt = str(self.opt) if self.opt else str(self.runtime_dir / "no-layers")
        return Layout(str(self.code), opt, str(self.runtime_dir), str(self.tmp), str(self.runtime_dir / "sdk"))

    @property
    def cwd(self) -> str:
        """The host directory to start in (bubblewrap changes into ``/var/task`` itself)."""
        return str(self.code) if self.mode == "none" else "/"

    def command(self, argv: list[str]) -> list[str]:
        """The command line that runs ``argv`` (paths as the function sees them) in this sandbox."""
        if self.mode == "none":
            return argv
        if self.relay is not None:
            argv = self.relay.argv(argv, self.layout.runtime_dir, (self.tmp_mb + 1) * 1024 * 1024)
        return ["bwrap", *self._bwrap_options(), "--", *argv]

    def _bwrap_options(self) -> list[str]:
        options = [
            "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--hostname", "lamina", "--ro-bind", "/usr", "/usr",
        ]
        for path in _MERGED_USR:
            if os.path.islink(path):
                options += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                options += ["--ro-bind", path, path]
        options += [arg for path in _ETC if os.path.exists(path) for arg in ("--ro-bind", path, path)]
        options += ["--proc", "/proc", "--dev", "/dev"]
        options += ["--size", str(self.tmp_mb * 1024 * 1024), "--tmpfs", "/tmp"]
        options += ["--ro-bind", str(self.code), "/var/task"]
        options += ["--ro-bind", str(self.opt), "/opt"] if self.opt else ["--dir", "/opt"]
        options += ["--ro-bind", str(self.runtime_dir), "/var/runtime"]
        options += [arg for path in _outside_usr(self.mounts) for arg in ("--ro-bind", path, path)]
        options += ["--dir", SANDBOX_SDK]
        options += [arg for path in self.sdk for arg in ("--ro-bind", path, f"{SANDBOX_SDK}/{Path(path).name}")]
        if self.relay is not None:
            options += ["--unshare-net", "--dir", SANDBOX_SOCKETS]
            options += ["--bind", self.relay.runtime_api, f"{SANDBOX_SOCKETS}/runtime-api.sock"]
            options += ["--bind", self.relay.endpoint, f"{SANDBOX_SOCKETS}/endpoint.sock"]
        options += ["--chdir", "/var/task"]
        return options


def _outside_usr(paths: Iterable[str]) -> list[str]:
    """The paths not already visible through ``/usr``, without duplicates."""
    return [path for path in dict.fromkeys(paths) if path and not (path + "/").startswith("/usr/")]
