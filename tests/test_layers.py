"""The layer table of docs/architecture.md, pinned: every import in src/lamina points down.

Each top-level package or module of ``lamina`` may import the Lamina units listed for it and no
other; the SQL library only from the store (and the command line); and another unit's private
modules (``lamina.store.repositories._common``) never. A unit not listed may import anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "lamina"
EVERYTHING = None
MAY_IMPORT: dict[str, set[str] | None] = {
    "policy": set(), "arn": set(), "settings": set(), "workers": set(), "managed_policies": set(),
    "protocols": set(), "store": {"arn"}, "catalog": {"policy"}, "cases": {"policy"},
    "auth": {"arn", "policy", "store"}, "context": {"auth"}, "limits": {"protocols"}, "wire": {"protocols"},
    "function_logs": {"batching", "store"}, "batching": set(),
    "authorization": {"arn", "auth", "batching", "context", "policy", "protocols", "store"},
    "services": {"arn", "authorization", "catalog", "context", "managed_policies", "policy", "protocols",
                 "runtime", "settings", "store"},
    "server": EVERYTHING, "cli": EVERYTHING, "commands": EVERYTHING, "pytest_plugin": EVERYTHING,
    "_pytest_fixtures": EVERYTHING, "runtime": set(),
    "console": {"auth", "authorization", "catalog", "context", "policy", "protocols", "services", "settings", "store",
                "workers"},
}
SQL_ALLOWED = {"store", "commands"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``, relative ones resolved."""
    package = list(path.relative_to(SRC.parent).with_suffix("").parts)
    package = package if path.name == "__init__.py" else package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):  # ``from lamina import managed_policies`` names lamina.managed_policies
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _violations(path: Path) -> list[str]:
    unit = path.relative_to(SRC).with_suffix("").parts[0]
    allowed = MAY_IMPORT.get(unit, EVERYTHING)
    where = f"src/lamina/{path.relative_to(SRC)}"
    wrong: list[str] = []
    for line, name in _imports(path):
        parts = name.split(".")
        if parts[0] == "sqlalchemy" and unit not in SQL_ALLOWED:
            wrong.append(f"{where}:{line} imports {name}: only lamina.store speaks SQL")
        if parts[0] != "lamina" or len(parts) < 2 or parts[1] == unit:
            continue
        if allowed is not EVERYTHING and parts[1] not in allowed:
            wrong.append(f"{where}:{line} imports {name}: lamina.{unit} may import only {sorted(allowed)}")
        if any(part.startswith("_") for part in parts[2:]):
            wrong.append(f"{where}:{line} imports {name}: a private module of lamina.{parts[1]}")
    return wrong


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path: Path) -> None:
    assert not _violations(path), "\n".join(_violations(path))


def test_every_unit_has_a_rule() -> None:
    units = {p.relative_to(SRC).with_suffix("").parts[0] for p in SRC.rglob("*.py")} - {"__init__"}
    assert units <= set(MAY_IMPORT), f"add a row for {sorted(units - set(MAY_IMPORT))} to MAY_IMPORT"
