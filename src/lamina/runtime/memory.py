"""Resident memory of an environment's process tree, read from ``/proc``.

Lamina enforces ``MemorySize`` by watching rather than by cgroups (which need privileges and a
writable hierarchy that a developer's machine often lacks): while an environment initialises or
runs an invocation, a watchdog sums the resident set of its processes every few milliseconds and
kills the environment past the limit. The peak seen is the REPORT line's ``Max Memory Used``.
Reading ``/proc`` is a memory read in the kernel, never a disk wait, so it runs on the loop.

A warm invocation reads the environment's memory once, for its REPORT line, on the path of its
answer; walking the tree again (a directory listing and a ``children`` file per process, three
processes under bubblewrap) cost a quarter of a millisecond there. So a :class:`ProcessTree`
remembers the processes its last walk found and that reading sums only their ``statm``; the
watchdog walks the whole tree on each of its readings, as does the first reading after a start.
Files are read with bare ``os.open``/``os.read``, without ``pathlib``'s overhead.
"""

from __future__ import annotations

import os

__all__ = ["ProcessTree", "tree_rss_bytes"]

_PAGE = os.sysconf("SC_PAGE_SIZE")
_MAX_PROCESSES = 4096


def tree_rss_bytes(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (0 once it is gone)."""
    return _walk(root)[0]


class ProcessTree:
    """The processes of one environment, as its last walk found them."""

    def __init__(self, root: int) -> None:
        self.root = root
        self._known: list[int] = []

    def walk(self) -> int:
        """Resident bytes of the whole tree, found afresh (new children counted)."""
        total, self._known = _walk(self.root)
        return total

    def rss_bytes(self) -> int:
        """Resident bytes of the processes the last walk found; walks when there was none yet or
        one of them has gone (a child that exited, or the tree being torn down)."""
        if not self._known:
            return self.walk()
        total = 0
        for pid in self._known:
            rss = _rss(pid)
            if not rss:
                return self.walk()
            total += rss
        return total


def _walk(root: int) -> tuple[int, list[int]]:
    total = 0
    found: list[int] = []
    pending = [root]
    while pending and len(found) < _MAX_PROCESSES:
        pid = pending.pop()
        rss = _rss(pid)
        if rss:
            total += rss
            found.append(pid)
        pending += _children(pid)
    return total, found


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
