"""Code zips unpacked once, safely: no entry escapes its directory, and the size is bounded."""

from __future__ import annotations

import asyncio
import io
import stat
import zipfile
from pathlib import Path

import pytest
from runtime_support import bundle

from lamina.runtime import CodeBundle, InvalidCode
from lamina.runtime.code_cache import CodeCache


def raw(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> CodeBundle:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, content in entries:
            archive.writestr(info, content)
    data = buffer.getvalue()
    return CodeBundle(f"sha-{len(data)}-{hash(data) & 0xffff}", lambda: data)


def unpack(cache: CodeCache, code: CodeBundle) -> Path:
    return asyncio.run(cache.code_dir(code))


def test_code_is_unpacked_once_read_only_with_its_modes(tmp_path: Path) -> None:
    loads = []
    files = bundle({"app.py": "x = 1\n", "bin/tool": "#!/bin/sh\n"}, {"bin/tool": 0o755})
    counted = CodeBundle(files.sha256, lambda: loads.append(1) or files.load())
    cache = CodeCache(tmp_path)
    root = unpack(cache, counted)
    assert unpack(CodeCache(tmp_path), counted) == root and loads == [1], "a second cache finds it on disk"
    assert (root / "app.py").read_text() == "x = 1\n"
    assert stat.S_IMODE((root / "app.py").stat().st_mode) == 0o444
    assert stat.S_IMODE((root / "bin" / "tool").stat().st_mode) == 0o555


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil", "a/../../evil", "C:/evil"])
def test_an_entry_outside_the_directory_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidCode, match="outside the function's directory"):
        unpack(CodeCache(tmp_path / "cache"), raw([(name, b"x")]))
    assert not (tmp_path / "evil.py").exists() and not list((tmp_path / "cache").glob("code/*/*"))


def test_a_link_pointing_out_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("escape")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(InvalidCode, match="points outside"):
        unpack(CodeCache(tmp_path), raw([(link, b"../../../etc/passwd")]))


def test_the_unzipped_size_is_bounded(tmp_path: Path) -> None:
    big = raw([("a.bin", b"\0" * 5000), ("b.bin", b"\0" * 5000)])
    with pytest.raises(InvalidCode, match=r"^Unzipped size must be smaller than 262144000 bytes$"):
        unpack(CodeCache(tmp_path, max_unzipped=8000), big)


def test_layers_are_merged_in_order_and_counted_with_the_code(tmp_path: Path) -> None:
    cache = CodeCache(tmp_path, max_unzipped=150)
    first = bundle({"python/a.py": "1" * 50, "python/b.py": "first"})
    second = bundle({"python/a.py": "second"})
    opt = asyncio.run(cache.opt_dir([first, second]))
    assert opt is not None
    assert (opt / "python" / "a.py").read_text() == "second" and (opt / "python" / "b.py").read_text() == "first"
    code = unpack(cache, bundle({"app.py": "x" * 100}))
    with pytest.raises(InvalidCode):
        cache.check_total(code, opt)


def test_not_a_zip(tmp_path: Path) -> None:
    with pytest.raises(InvalidCode, match="Could not unzip uploaded file"):
        unpack(CodeCache(tmp_path), CodeBundle("nope", lambda: b"not a zip"))
