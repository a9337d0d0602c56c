"""Resident memory of an environment's process tree, read from ``/proc``.

Lamina enforces ``MemorySize`` by watching rather than by cgroups (which need privileges and a
writable hierarchy that a developer's machine often lacks): while an environment initialises or
runs an invocation, a watchdog sums the resident set of its processes every few milliseconds and
kills the environment past the limit. The peak seen is the REPORT line's ``Max Memory Used``.
Reading ``/proc`` is a memory read in the kernel, never a disk wait, so it runs on the loop. It
is read with bare ``os.open``/``os.read`` (no ``pathlib``): a warm invocation reads the tree once
for its REPORT line, on the path of its answer, and that way costs a third of the time.
"""

from __future__ import annotations

import os
__all__ = ["tree_rss_bytes"]

_PAGE = os.sysconf("SC_PAGE_SIZE")
_MAX_PROCESSES = 4096


def tree_rss_bytes(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (0 once it is gone)."""
    total = 0
    pending = [root]
    seen = 0
    while pending and seen < _MAX_PROCESSES:
        pid = pending.pop()
        seen += 1
        total += _rss(pid)
        pending += _children(pid)
    return total


def _read(path: str) -> bytes:
    """A small ``/proc`` file in one read (statm and children files are a few bytes)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, 65536)
    finally:
        os.close(fd)


def _rss(pid: int) -> int:
    try:
        fields = _read(f"/proc/{pid}/statm").split()
    except OSError:
        return 0
    return int(fields[1]) * _PAGE if len(fields) > 1 else 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(child) for child in _read(f"/proc/{pid}/task/{task}/children").split()]
        except OSError:
            continue
    return found
