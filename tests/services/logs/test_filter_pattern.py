"""Filter patterns for unstructured events: the subset of CloudWatch's syntax Lamina matches, and
what it refuses rather than match wrongly."""

from __future__ import annotations

import pytest

from lamina.services.logs.filter_pattern import UnsupportedPattern, compile_pattern

LINES = ["[ERROR] Task failed: boom", "a WARN line", "INFO all good", "ERROR Retrying the call",
         "Task timed out after 3.00 seconds", 'said "hi" to you']


def matched(pattern: str | None) -> list[str]:
    matches = compile_pattern(pattern)
    return [line for line in LINES if matches(line)]


@pytest.mark.parametrize(("pattern", "expected"), [
    (None, LINES),
    ("", LINES),
    ("   ", LINES),
    ("ERROR", ["[ERROR] Task failed: boom", "ERROR Retrying the call"]),
    ("error", []),  # terms are case-sensitive
    ("ERROR Task", ["[ERROR] Task failed: boom"]),
    ('"Task timed out"', ["Task timed out after 3.00 seconds"]),
    ('"timed Task"', []),
    ("?ERROR ?WARN", ["[ERROR] Task failed: boom", "a WARN line", "ERROR Retrying the call"]),
    ("ERROR -Retrying", ["[ERROR] Task failed: boom"]),
    ('"Task" ?boom ?seconds', ["[ERROR] Task failed: boom", "Task timed out after 3.00 seconds"]),
    (r'"said \"hi\""', ['said "hi" to you']),
    ("-ERROR -WARN", ["INFO all good", "Task timed out after 3.00 seconds", 'said "hi" to you']),
])
def test_terms_phrases_alternatives_and_exclusions(pattern: str | None, expected: list[str]) -> None:
    assert matched(pattern) == expected


@pytest.mark.parametrize("pattern", ['{ $.level = "ERROR" }', "[ip, user, status=500]", "%ERR.R%", '"open quote'])
def test_patterns_outside_the_subset_are_refused(pattern: str) -> None:
    with pytest.raises(UnsupportedPattern):
        compile_pattern(pattern)
