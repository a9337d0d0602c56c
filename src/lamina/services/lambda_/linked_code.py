"""Running a linked directory: its current files, as a zip identified by their state.

``lamina functions link`` points a function's $LATEST at a local directory. Each invocation
fingerprints the directory (every file's path, size and modification time): unchanged files
keep the warm environment; any edit gives a new fingerprint, so the next invocation unpacks the
files as they are now in a new environment, with no deploy in between.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

from lamina.runtime import CodeBundle

from .errors import InvalidParameterValueException

__all__ = ["fingerprint", "linked_bundle", "zipped"]

_SKIPPED = {"__pycache__", ".git"}


def _files(directory: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED)
        found += [Path(root) / name for name in sorted(names)]
    return found


def fingerprint(directory: Path) -> str:
    """A digest of the directory's state: changes whenever a file is added, removed or edited."""
    digest = hashlib.sha256()
    for path in _files(directory):
        info = path.stat()
        digest.update(f"{path.relative_to(directory)}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def zipped(directory: Path) -> bytes:
    """The directory's files as a deployment package (file modes kept, so a ``bootstrap`` runs)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _files(directory):
            info = zipfile.ZipInfo.from_file(path, str(path.relative_to(directory)))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def linked_bundle(directory: str, function_name: str) -> CodeBundle:
    """The code an invocation of a linked $LATEST runs; AWS's 400 naming the fix if it is gone."""
    path = Path(directory)
    if not path.is_dir():
        raise InvalidParameterValueException(
            f"The directory {directory} linked to function {function_name} does not exist on this node; link it "
            f"again or run `lamina functions unlink {function_name}` to run the deployed code.")
    return CodeBundle(fingerprint(path), lambda: zipped(path))
