"""Runtime identifiers to interpreters: exact versions, overrides, and errors that say what is missing."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from runtime_support import NODE, NODE_MAJOR, Lambda, bundle, spec

from lamina.runtime import RuntimeUnavailable
from lamina.runtime.interpreters import Interpreter, Interpreters, override_variable


def resolve(runtime: str | None, **environ: str) -> Interpreter:
    return asyncio.run(Interpreters(environ=environ).resolve(runtime))


def test_the_override_variable_is_named_after_the_runtime() -> None:
    assert override_variable("python3.12") == "LAMINA_RUNTIME_PYTHON3_12"
    assert override_variable("nodejs20.x") == "LAMINA_RUNTIME_NODEJS20_X"


def test_an_exact_version_is_found() -> None:
    found = resolve("python3.12")
    assert found.kind == "python" and found.version == "3.12" and Path(found.executable).is_file()
    assert resolve("provided.al2023").kind == "provided"


def test_nothing_fits_names_the_runtime_what_was_looked_for_and_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(RuntimeUnavailable) as missing:
        resolve("python3.12", PATH=str(tmp_path), PYENV_ROOT=str(tmp_path))
    message = str(missing.value)
    assert message.startswith("runtime python3.12 needs Python 3.12: looked for python3.12 on PATH, in ")
    assert "found no Python" in message and "set LAMINA_RUNTIME_PYTHON3_12" in message

    with pytest.raises(RuntimeUnavailable) as no_node:
        resolve("nodejs22.x", PATH=str(tmp_path), NVM_DIR=str(tmp_path))
    assert "runtime nodejs22.x needs Node.js 22" in str(no_node.value) and "LAMINA_RUNTIME_NODEJS22_X" in str(
        no_node.value)


def test_a_wrong_version_is_refused_and_named(tmp_path: Path) -> None:
    python311 = asyncio.run(Interpreters().resolve("python3.11")).executable
    with pytest.raises(RuntimeUnavailable) as wrong:
        resolve("python3.12", LAMINA_RUNTIME_PYTHON3_12=python311, PATH=str(tmp_path))
    assert f"looked for {python311} (LAMINA_RUNTIME_PYTHON3_12); found Python 3.11" in str(wrong.value)

    if NODE:
        other = int(NODE_MAJOR) - 2
        with pytest.raises(RuntimeUnavailable) as older:
            resolve(f"nodejs{other}.x", PATH=str(Path(NODE).parent), NVM_DIR=str(tmp_path))
        assert f"needs Node.js {other}" in str(older.value) and f"found Node.js {NODE_MAJOR}." in str(older.value)


def test_an_override_is_used(tmp_path: Path) -> None:
    python312 = asyncio.run(Interpreters().resolve("python3.12")).executable
    found = resolve("python3.12", LAMINA_RUNTIME_PYTHON3_12=python312, PATH=str(tmp_path))
    assert found.executable == python312


@pytest.mark.parametrize(("runtime", "words"), [
    ("java21", "Lamina cannot run runtime java21: it runs python3.*, nodejs*.x and provided.* functions"),
    ("python3.8", "runtime python3.8 is not supported: Lamina's Python bootstrap needs Python 3.9 or later"),
    (None, "the function has no Runtime (container images are not supported by Lamina)"),
])
def test_runtimes_lamina_cannot_run(runtime: str | None, words: str) -> None:
    with pytest.raises(RuntimeUnavailable, match=f"^{re.escape(words)}$"):
        resolve(runtime)


def test_the_invoker_raises_it_before_starting_anything(plain: Lambda) -> None:
    with pytest.raises(RuntimeUnavailable, match="java21"):
        plain.invoke(spec("java", bundle({"A.class": ""}), runtime="java21"))
    assert plain.invoker.busy() == 0
