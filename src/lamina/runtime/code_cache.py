"""Code and layer zips unpacked once on disk, keyed by content, shared by every environment.

A function's code is unpacked into ``<root>/code/<sha256>``; its layers, in order, into one
``<root>/opt/<digest of their sha256s>`` (a later layer's file replaces an earlier one's, as in
``/opt`` on AWS). Unpacking runs in a thread (a big zip takes seconds) into a temporary directory
renamed into place when complete, so a half-written tree is never used and two environments
starting at once unpack a zip once.

A zip is untrusted input: an entry that would land outside its directory (``../x``, ``/etc/x``, a
symbolic link pointing out) is refused, and the unpacked size is bounded by AWS's 250 MB quota
(code and layers together), counted while writing rather than trusted from the zip's headers.
Files are written without write permission: the code is read-only, as in ``/var/task``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import shutil
import stat
import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from lamina.runtime.errors import InvalidCode
from lamina.runtime.spec import CodeBundle

__all__ = ["MAX_UNZIPPED_BYTES", "CodeCache"]

MAX_UNZIPPED_BYTES = 262_144_000
"""AWS's quota on a function's unzipped code and layers (250 MB)."""
MAX_ENTRIES = 100_000
_CHUNK = 1 << 20


class CodeCache:
    """Unpacked code and layer trees under ``root``."""

    def __init__(self, root: Path, max_unzipped: int = MAX_UNZIPPED_BYTES) -> None:
        self.root = root
        self.max_unzipped = max_unzipped
        self._sizes: dict[Path, int] = {}
        self._locks: dict[Path, asyncio.Lock] = {}

    async def code_dir(self, code: CodeBundle) -> Path:
        """The function's unpacked code (``/var/task``)."""
        return await self._unpacked(self.root / "code" / code.sha256, [code])

    async def opt_dir(self, layers: Sequence[CodeBundle]) -> Path | None:
        """The function's layers unpacked in order (``/opt``), or None without layers."""
        if not layers:
            return None
        digest = hashlib.sha256(" ".join(layer.sha256 for layer in layers).encode()).hexdigest()
        return await self._unpacked(self.root / "opt" / digest, list(layers))

    def check_total(self, *directories: Path | None) -> None:
        """``InvalidCode`` when code and layers together exceed the quota."""
        total = sum(self._sizes.get(directory, 0) for directory in directories if directory)
        if total > self.max_unzipped:
            raise InvalidCode(_too_big(self.max_unzipped))

    async def _unpacked(self, target: Path, bundles: list[CodeBundle]) -> Path:
        if target in self._sizes:
            return target
        async with self._locks.setdefault(target, asyncio.Lock()):
            if target not in self._sizes:
                self._sizes[target] = await asyncio.to_thread(self._unpack, target, bundles)
        return target

    def _unpack(self, target: Path, bundles: list[CodeBundle]) -> int:
        """Unpack ``bundles`` into ``target`` (in a thread); returns the unpacked size."""
        size_file = target.with_name(target.name + ".size")
        if target.is_dir() and size_file.is_file():
            return int(size_file.read_text() or 0)
        staging = target.parent / f".staging-{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        try:
            written = 0
            for bundle in bundles:
                written += _extract(bundle.load(), staging, self.max_unzipped - written)
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
            size_file.write_text(str(written))
            return written
        finally:
            if staging.exists():
                _make_writable(staging)
                shutil.rmtree(staging, ignore_errors=True)


def _extract(data: bytes, root: Path, budget: int) -> int:
    """Unpack one zip into ``root`` within ``budget`` bytes; returns the bytes written."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as bad:
        message = f"Could not unzip uploaded file. Please check your file, then try to upload again. ({bad})"
        raise InvalidCode(message) from bad
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise InvalidCode(f"the zip holds {len(entries)} entries; Lamina unpacks at most {MAX_ENTRIES}")
        if sum(entry.file_size for entry in entries) > budget:
            raise InvalidCode(_too_big(MAX_UNZIPPED_BYTES))
        written = 0
        for entry in entries:
            written += _extract_entry(archive, entry, root, budget - written)
        return written


def _extract_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, root: Path, budget: int) -> int:
    relative = _safe_path(entry.filename)
    if relative is None:
        return 0
    destination = root.joinpath(*relative.parts)
    mode = entry.external_attr >> 16
    if entry.is_dir():
        destination.mkdir(parents=True, exist_ok=True)
        return 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    _remove(destination)
    if stat.S_ISLNK(mode):
        return _link(archive.read(entry).decode(), destination, root)
    written = 0
    with archive.open(entry) as source, destination.open("wb") as sink:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                raise InvalidCode(_too_big(MAX_UNZIPPED_BYTES))
            sink.write(chunk)
    permissions = stat.S_IMODE(mode) or 0o644
    destination.chmod((permissions | 0o444) & ~0o222)
    return written


def _safe_path(name: str) -> PurePosixPath | None:
    """The entry's path inside the root; ``InvalidCode`` when it would escape it."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise InvalidCode(f"the zip entry {name!r} would be written outside the function's directory")
    parts = [part for part in path.parts if part not in ("", ".")]
    return PurePosixPath(*parts) if parts else None


def _link(target: str, destination: Path, root: Path) -> int:
    """A symbolic link from the zip, kept only when it points inside ``root``."""
    resolved = os.path.normpath(os.path.join(destination.parent, target))
    if os.path.isabs(target) or not (resolved + os.sep).startswith(str(root) + os.sep):
        raise InvalidCode(f"the zip's symbolic link {destination.relative_to(root)} -> {target} points outside it")
    destination.symlink_to(target)
    return 0


def _remove(path: Path) -> None:
    """Make room for a later layer's file (an earlier one's is read-only)."""
    if path.is_symlink() or path.is_file():
        path.unlink()


def _make_writable(tree: Path) -> None:
    for directory, _, files in os.walk(tree):
        for name in files:
            file = Path(directory, name)
            if not file.is_symlink():
                file.chmod(0o644)


def _too_big(limit: int) -> str:
    return f"Unzipped size must be smaller than {limit} bytes"
