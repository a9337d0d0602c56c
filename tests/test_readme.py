"""README.md's examples, run as a new user runs them, so that the README stays true.

The quick start: a real ``lamina serve`` whose output goes to a file (as in a log), the export line
it printed pasted into ``sh``, then the README's ``aws`` lines and its Python block in that shell.
"In your own tests": the README's test file under a separate pytest, with the plugin installed.
The serve options the README lists must be options ``lamina serve`` has.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lamina.pytest_plugin import LaminaServer, start_server

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
BIN = Path(sys.executable).parent
AWS_CLI = REPO / ".cli-venv" / "bin" / "aws"


def section(title: str) -> str:
    """The README's text under the heading ``title``, up to the next heading of the same or a higher level."""
    lines, level, inside, fenced = [], 0, False, False
    for line in README.splitlines(keepends=True):
        fenced ^= line.startswith("```")
        heading = re.match(r"(#+) (.*)", line) if not fenced else None
        if heading and inside and len(heading.group(1)) <= level:
            break
        if inside:
            lines.append(line)
        elif heading and heading.group(2).strip() == title:
            inside, level = True, len(heading.group(1))
    assert inside, f"README has no section {title!r}"
    return "".join(lines)


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def export_line(server: LaminaServer) -> str:
    lines = [line.strip() for line in server.log().splitlines() if line.strip().startswith("export ")]
    assert len(lines) == 1, server.log()
    return lines[0]


def in_pasted_shell(server: LaminaServer, script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``script`` in ``sh`` after the server's export line, as in the shell the user pasted it into."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PATH=f"{BIN}{os.pathsep}{AWS_CLI.parent}{os.pathsep}{env.get('PATH', '')}",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, HOME=str(tmp_path))
    return subprocess.run(["sh", "-c", f"{export_line(server)}\n{script}"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, check=False, timeout=120)


def test_quick_start_runs_top_to_bottom(tmp_path: Path) -> None:
    quick = section("Quick start")
    commands = [line for block in blocks(quick, "sh") for line in block.splitlines()
                if line.strip() and not line.startswith("make ")]  # `make serve` is the server started here
    (python_block,) = blocks(quick, "python")
    (tmp_path / "quick_start.py").write_text(python_block)
    server = start_server(tmp_path / "data")
    try:
        if AWS_CLI.exists():  # `make test` installs it; alone, pytest checks the Python half only
            done = in_pasted_shell(server, "set -e\n" + "\n".join(commands), tmp_path)
            assert done.returncode == 0, done.stdout + done.stderr
            assert '"Arn": "arn:aws:iam::123456789012:root"' in done.stdout
            assert '"UserName": "mateojackson"' in done.stdout and '"SecretAccessKey"' in done.stdout
            assert '{"hello": "ada"}' in done.stdout  # the function ran
        done = in_pasted_shell(server, "python quick_start.py", tmp_path)
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    denied, allowed = done.stdout.splitlines()
    shown_in_readme = " ".join(line.removeprefix("# ") for line in python_block.splitlines() if line.startswith("# "))
    assert denied == shown_in_readme
    assert allowed == "arn:aws:iam::123456789012:user/saanvi"


def test_in_your_own_tests_example_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (example,) = blocks(section("In your own tests"), "python")
    (tmp_path / "test_example.py").write_text(example)
    monkeypatch.delenv("LAMINA_PYTEST_PLUGIN", raising=False)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_example.py"],
                          capture_output=True, text=True, cwd=tmp_path, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_configuration_lists_only_real_serve_options() -> None:
    listed = set(re.findall(r"\[(--[a-z-]+)", section("Configuration").split("`.")[0]))
    assert {"--host", "--port", "--data-dir", "--quiet"} <= listed
    help_text = subprocess.run([str(BIN / "lamina"), "serve", "--help"], capture_output=True, text=True,
                               check=True).stdout
    assert {option for option in listed if option not in help_text} == set()
