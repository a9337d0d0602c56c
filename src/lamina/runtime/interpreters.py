"""Which program runs a function: AWS's runtime identifiers mapped to interpreters on this machine.

AWS runs ``python3.12`` on exactly Python 3.12 and ``nodejs20.x`` on Node.js 20, so Lamina does
too: an interpreter is used only when its major (and, for Python, minor) version is the one the
identifier names. Where none fits, ``RuntimeUnavailable`` says what was looked for, what was found
and how to point Lamina at one. ``provided.*`` functions bring their own ``bootstrap``.

Where Lamina looks, in order (the first that answers with the right version wins):

- an override: the ``interpreters`` mapping given to the ``Invoker`` (``{"python3.12": "/path"}``),
  else the environment variable ``LAMINA_RUNTIME_<ID>`` (``LAMINA_RUNTIME_PYTHON3_12``,
  ``LAMINA_RUNTIME_NODEJS20_X``); an override is the only candidate when set;
- Python: ``python3.X`` on ``PATH``, then ``$PYENV_ROOT/versions/*/bin/python3.X`` (a pyenv shim
  that is not the global version fails, so its real interpreter is looked for there), then
  ``python3``;
- Node.js: ``nodeN`` on ``PATH``, then ``node`` and ``nodejs``, then ``~/.nvm/versions/node/vN.*``.

Each candidate is asked for its real path and version once (a pyenv shim costs ~50 ms a start; the
real path does not), and the answer is cached.
"""

from __future__ import annotations

import asyncio
import glob
import os
import re
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lamina.runtime.errors import RuntimeUnavailable

__all__ = ["Interpreter", "Interpreters", "override_variable"]

Kind = Literal["python", "nodejs", "provided"]
_PYTHON = re.compile(r"^python(3)\.(\d+)$")
_NODE = re.compile(r"^nodejs(\d+)\.x$")
_PYTHON_PROBE = "import sys; print(sys.executable); print(sys.base_prefix); print('%d.%d' % sys.version_info[:2])"
_NODE_PROBE = "console.log(process.execPath); console.log(process.versions.node)"
OLDEST_PYTHON = (3, 9)
"""The oldest Python the shipped bootstrap supports."""
FAILURE_TTL = 30.0
"""Seconds a failed lookup is remembered (an interpreter installed meanwhile is then found)."""
PROBE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Interpreter:
    """A runtime resolved to a program on this machine."""

    runtime: str
    kind: Kind
    executable: str
    """The real path of the interpreter (empty for ``provided.*``)."""
    version: str
    """``3.12`` or ``20.20.2`` (empty for ``provided.*``)."""
    mounts: tuple[str, ...] = ()
    """Host directories the sandbox must show read-only for the interpreter to run (its prefix)."""

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.version.split(".") if part.isdigit())


def override_variable(runtime: str) -> str:
    """``python3.12`` -> ``LAMINA_RUNTIME_PYTHON3_12``: the environment variable that overrides it."""
    return "LAMINA_RUNTIME_" + re.sub(r"[^A-Z0-9]", "_", runtime.upper())


class Interpreters:
    """Resolves runtime identifiers, caching each answer for the life of the invoker."""

    def __init__(self, overrides: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._environ = os.environ if environ is None else environ
        self._found: dict[str, Interpreter] = {}
        self._failed: dict[str, tuple[float, str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def resolve(self, runtime: str | None) -> Interpreter:
        """The interpreter for ``runtime``, or ``RuntimeUnavailable`` naming what is missing."""
        if not runtime:
            raise RuntimeUnavailable("the function has no Runtime (container images are not supported by Lamina)")
        if runtime in self._found:
            return self._found[runtime]
        failed = self._failed.get(runtime)
        if failed and time.monotonic() - failed[0] < FAILURE_TTL:
            raise RuntimeUnavailable(failed[1])
        async with self._locks.setdefault(runtime, asyncio.Lock()):
            if runtime in self._found:
                return self._found[runtime]
            try:
                found = await self._lookup(runtime)
            except RuntimeUnavailable as missing:
                self._failed[runtime] = (time.monotonic(), str(missing))
                raise
            self._found[runtime] = found
            return found

    async def _lookup(self, runtime: str) -> Interpreter:
        if runtime.startswith("provided"):
            return Interpreter(runtime, "provided", "", "")
        if python := _PYTHON.match(runtime):
            return await self._python(runtime, (int(python[1]), int(python[2])))
        if node := _NODE.match(runtime):
            return await self._node(runtime, int(node[1]))
        raise RuntimeUnavailable(
            f"Lamina cannot run runtime {runtime}: it runs python3.*, nodejs*.x and provided.* functions"
        )

    def _override(self, runtime: str) -> str | None:
        return self._overrides.get(runtime) or self._environ.get(override_variable(runtime)) or None

    async def _python(self, runtime: str, wanted: tuple[int, int]) -> Interpreter:
        want = f"{wanted[0]}.{wanted[1]}"
        if wanted < OLDEST_PYTHON:
            raise RuntimeUnavailable(
                f"runtime {runtime} is not supported: Lamina's Python bootstrap needs Python 3.9 or later"
            )
        override = self._override(runtime)
        name = f"python{want}"
        pyenv = Path(self._environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
        candidates = [override] if override else [
            shutil.which(name, path=self._environ.get("PATH")),
            *sorted(glob.glob(str(pyenv / "*" / "bin" / name))),
            shutil.which("python3", path=self._environ.get("PATH")),
        ]
        seen: list[str] = []
        for candidate in filter(None, candidates):
            answer = await _probe([candidate, "-c", _PYTHON_PROBE])
            if answer and len(answer) >= 3:
                seen.append(answer[2])
                if answer[2] == want:
                    return Interpreter(runtime, "python", answer[0], want, (answer[1],))
        looked = f"{name} on PATH, in {pyenv} and python3"
        if override:
            looked = f"{override} ({override_variable(runtime)})"
        named = set() if override else _python_names(self._environ.get("PATH", ""), pyenv)
        found = sorted(set(seen) | named, key=_version_key)
        raise RuntimeUnavailable(
            f"runtime {runtime} needs Python {want}: looked for {looked}; found "
            f"{', '.join('Python ' + v for v in found) or 'no Python'}. Install Python {want} or set "
            f"{override_variable(runtime)} (or the server's interpreter setting) to its path"
        )

    async def _node(self, runtime: str, major: int) -> Interpreter:
        override = self._override(runtime)
        path = self._environ.get("PATH")
        nvm = Path(self._environ.get("NVM_DIR") or Path.home() / ".nvm") / "versions" / "node"
        candidates = [override] if override else [
            shutil.which(f"node{major}", path=path), shutil.which("node", path=path), shutil.which("nodejs", path=path),
            *sorted(glob.glob(str(nvm / f"v{major}.*" / "bin" / "node"))),
        ]
        seen: list[str] = []
        for candidate in dict.fromkeys(filter(None, candidates)):
            answer = await _probe([candidate, "-e", _NODE_PROBE])
            if answer and len(answer) >= 2:
                seen.append(answer[1])
                if answer[1].split(".")[0] == str(major):
                    prefix = str(Path(os.path.realpath(answer[0])).parent.parent)
                    return Interpreter(runtime, "nodejs", answer[0], answer[1], (prefix,))
        looked = f"node{major}, node and nodejs on PATH and {nvm}"
        if override:
            looked = f"{override} ({override_variable(runtime)})"
        raise RuntimeUnavailable(
            f"runtime {runtime} needs Node.js {major}: looked for {looked}; found "
            f"{', '.join('Node.js ' + v for v in seen) or 'no Node.js'}. Install Node.js {major} or set "
            f"{override_variable(runtime)} (or the server's interpreter setting) to its path"
        )


async def _probe(command: list[str]) -> list[str] | None:
    """The lines ``command`` prints, or None when it cannot run or fails."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return None
    try:
        out, _ = await asyncio.wait_for(process.communicate(), PROBE_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        return None
    return out.decode(errors="replace").splitlines() if process.returncode == 0 else None


def _python_names(path: str, pyenv: Path) -> set[str]:
    """Python versions visible by name (``python3.X`` on PATH, pyenv's versions), not run."""
    found: set[str] = set()
    for directory in path.split(os.pathsep):
        found |= {m[1] for name in _listdir(directory) if (m := re.match(r"^python(3\.\d+)$", name))}
    found |= {m[1] for name in _listdir(str(pyenv)) if (m := re.match(r"^(3\.\d+)\.", name))}
    return found


def _listdir(directory: str) -> list[str]:
    try:
        return os.listdir(directory)
    except OSError:
        return []


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())
