"""How an environment's process is launched: inside bubblewrap, or as a plain child process.

``bwrap`` (Debian package ``bubblewrap``) builds each environment a filesystem of its own from
read-only binds: the code at ``/var/task``, the layers at ``/opt``, the runtime directory at
``/var/runtime``, the system's ``/usr`` (and the interpreter's prefix when it lives elsewhere, a
pyenv version under a home directory, say), a few files of ``/etc``, a fresh ``/proc`` and ``/dev``, and a
private ``/tmp`` of ``EphemeralStorage`` MB. Lamina's data directory and everything else of the
host is simply absent. It runs in its own PID, IPC and UTS namespaces and dies with Lamina
(``--die-with-parent``). The network is shared: functions reach Lamina's endpoint on 127.0.0.1.

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

__all__ = ["Layout", "Sandbox", "bwrap_problem", "resolve_mode"]

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
        return ["bwrap", *self._bwrap_options(), "--", *argv]

    def _bwrap_options(self) -> list[str]:
        options = [
            "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
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
        options += ["--chdir", "/var/task"]
        return options


def _outside_usr(paths: Iterable[str]) -> list[str]:
    """The paths not already visible through ``/usr``, without duplicates."""
    return [path for path in dict.fromkeys(paths) if path and not (path + "/").startswith("/usr/")]
