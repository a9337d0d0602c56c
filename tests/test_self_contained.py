"""The repository runs on a fresh machine with nothing beside it: no code or build file reaches outside.

A clone's tests, benchmarks and sources must not read the project's reference material next to the
work tree, nor any absolute path of one developer's machine. Data they need is copied in
(``benchmarks/data/``, ``tests/data/``); this test fails as soon as a path like that comes back.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCANNED = ("tests", "benchmarks", "src", "tools", ".ci", "Makefile", "pyproject.toml")
SKIPPED_DIRS = {"node_modules", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", ".mypy_cache"}
OUTSIDE = re.compile("|".join([
    r"\.\./shared\b",                                   # ../shared/...
    r"shared[\"']?\s*/\s*[\"']?reference",               # shared/reference, "shared" / "reference"
    r"\b(?:engine-bench|aws-snapshots)\b",               # the reference sets' own directory names
    r"(?:^|(?<=[\s\"'`(=\[,]))/(?:work|root)(?=[/\s\"'`),\]]|$)",  # /work/..., /root/... at a path's start
]))


def _files() -> list[Path]:
    """Every file under SCANNED but build output, caches, installed packages and this test itself."""
    found = []
    for name in SCANNED:
        top = REPO / name
        if top.is_file():
            found.append(top)
            continue
        for path in top.rglob("*"):
            parts = path.relative_to(REPO).parts
            if (path.is_file() and not SKIPPED_DIRS.intersection(parts)
                    and not any(part.endswith(".egg-info") for part in parts)):
                found.append(path)
    return [path for path in found if path != Path(__file__).resolve()]


def outside_references(text: str) -> list[str]:
    return [match.group(0) for match in OUTSIDE.finditer(text)]


def test_no_file_reads_outside_the_repository() -> None:
    offenders = []
    for path in _files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        for number, line in enumerate(text.splitlines(), 1):
            if outside_references(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:120]}")
    assert not offenders, "paths outside the repository:\n" + "\n".join(offenders)


def test_the_pattern_catches_what_it_should() -> None:
    """The scan is only as good as its pattern: the forms that broke fresh clones must match."""
    caught = ['Path(__file__).parents[3] / "shared/reference/engine-bench/scenarios.json"',
              'REPO.parent / "shared" / "reference" / "engine-bench"', 'Path("/work/shared/reference/x")',
              "see ../shared/ARCHITECTURE.md", 'open("/root/.cache/data")', "cd /work && make", "/work"]
    assert all(outside_references(text) for text in caught), [t for t in caught if not outside_references(t)]
    kept = ["arn:aws:iam::123456789012:root", "user/root", "network/work", "shared-utils", "the shared set",
            "<data-dir>/root-credentials.csv", "/rooted", "/workers/"]
    assert not any(outside_references(text) for text in kept), [t for t in kept if outside_references(t)]
