"""Comparing Lamina's answers with AWS's recorded ones (``tests/data/sts_snapshot_answers.json``) field
by field, the way the recording's transformers allow: ``<name:N>`` is a volatile value that must be
the same wherever the same placeholder appears, ``<datetime>`` any timestamp, ``<partition>`` aws,
``111111111111`` the account. Every other value, and the set of keys, must be exactly AWS's."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "data" / "sts_snapshot_answers.json"
RECORDED_ACCOUNT = "111111111111"
_PLACEHOLDER = re.compile(r"<([a-z-]+)(?::(\d+))?>")


def recorded(case: str) -> dict[str, Any]:
    """The recorded answers of one test case, by snapshot key."""
    cases: dict[str, dict[str, Any]] = json.loads(DATA.read_text())["cases"]
    return cases[case]


class Matcher:
    """Checks answers against recordings; placeholders bound in one answer hold in the next."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        self.bound: dict[str, str] = {}

    def check(self, expected: Any, actual: Any, path: str = "$") -> None:
        if isinstance(expected, dict):
            assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
            if set(expected) == {"HTTPHeaders", "HTTPStatusCode"}:  # ResponseMetadata: the status only
                assert actual["HTTPStatusCode"] == expected["HTTPStatusCode"], path
                return
            assert set(actual) == set(expected), f"{path}: keys {sorted(actual)} != {sorted(expected)}"
            for key, value in expected.items():
                self.check(value, actual[key], f"{path}.{key}")
        elif isinstance(expected, list):
            assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r}"
            for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
                self.check(want, got, f"{path}[{index}]")
        elif isinstance(expected, str):
            self._string(expected, actual, path)
        else:
            assert actual == expected, f"{path}: {actual!r} != {expected!r}"

    def _string(self, expected: str, actual: Any, path: str) -> None:
        if expected == "<datetime>":
            assert isinstance(actual, datetime), f"{path}: {actual!r} is not a timestamp"
            return
        assert isinstance(actual, str), f"{path}: {actual!r} is not a string"
        pattern, names, last = "", [], 0
        for found in _PLACEHOLDER.finditer(expected):
            pattern += re.escape(expected[last:found.start()].replace(RECORDED_ACCOUNT, self.account_id))
            key = found.group(0)
            if key == "<partition>":
                pattern += "aws"
            elif key in self.bound:
                pattern += re.escape(self.bound[key])
            else:
                pattern += f"(?P<g{len(names)}>.+?)"
                names.append(key)
            last = found.end()
        pattern += re.escape(expected[last:].replace(RECORDED_ACCOUNT, self.account_id))
        match = re.fullmatch(pattern, actual)
        assert match is not None, f"{path}: {actual!r} does not match the recorded {expected!r}"
        for index, key in enumerate(names):
            self.bound[key] = match.group(f"g{index}")
