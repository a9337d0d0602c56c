"""Comparing Lamina's answers with AWS answers recorded as snapshots (tests/data/*.json).

A recorded value such as ``<user-name:1>`` is a placeholder the recording's transformers put
for a volatile value: the first time it is met it binds to Lamina's value, and every later use
must be the same value (and two placeholders of one kind with different numbers must differ).
``<datetime>`` matches any timestamp; ``111111111111`` is the recording's account and
``<partition>`` its partition. Only the fields the recording holds are compared, and all of them.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

DATA = Path(__file__).resolve().parents[2] / "data"
RECORDED_ACCOUNT = "111111111111"
_PLACEHOLDER = re.compile(r"<([a-z0-9-]+:\d+)>")


def recorded(file: str, case: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((DATA / file).read_text())[case]
    return found


def answer(response: dict[str, Any]) -> dict[str, Any]:
    """A boto3 answer or a ClientError's response, with only the status of its metadata."""
    out = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    out["ResponseMetadata"] = {"HTTPStatusCode": response["ResponseMetadata"]["HTTPStatusCode"]}
    if "Error" in out:
        out["Error"] = {k: out["Error"][k] for k in ("Code", "Message", "Type") if k in out["Error"]}
    return out


def error_of(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        call(*args, **kwargs)
    except ClientError as error:
        return answer(error.response)  # type: ignore[arg-type]
    raise AssertionError(f"{call} succeeded")


class Snapshot:
    """Matches answers against one recorded case, keeping placeholder bindings across steps."""

    def __init__(self, file: str, case: str, account: str) -> None:
        self.case = recorded(file, case)
        self.account = account
        self.bound: dict[str, str] = {}
        self.matched: set[str] = set()

    def match(self, step: str, response: dict[str, Any]) -> None:
        self._compare(self.case[step], answer(response), step)
        self.matched.add(step)

    def all_matched(self) -> None:
        assert self.matched == set(self.case) - {"recorded-date"}, set(self.case) - self.matched

    def _compare(self, want: Any, got: Any, where: str) -> None:
        if isinstance(want, dict):
            assert isinstance(got, dict) and set(got) == set(want), f"{where}: {sorted(got)} != {sorted(want)}"
            for key in want:
                self._compare(want[key], got[key], f"{where}.{key}")
        elif isinstance(want, list):
            assert isinstance(got, list) and len(got) == len(want), f"{where}: {got!r} != {want!r}"
            for index, (w, g) in enumerate(zip(want, got, strict=True)):
                self._compare(w, g, f"{where}[{index}]")
        elif want == "<datetime>":
            assert isinstance(got, datetime), f"{where}: {got!r} is not a timestamp"
        elif isinstance(want, str):
            assert isinstance(got, str) and self._text(want, got), f"{where}: {got!r} != {want!r}"
        else:
            assert got == want, f"{where}: {got!r} != {want!r}"

    def _text(self, want: str, got: str) -> bool:
        want = want.replace(RECORDED_ACCOUNT, self.account).replace("<partition>", "aws")
        pattern, names = "", []
        for part in re.split(r"(<[a-z0-9-]+:\d+>)", want):
            found = _PLACEHOLDER.fullmatch(part)
            if found is None:
                pattern += re.escape(part)
                continue
            name = found.group(1)
            if name in self.bound:
                pattern += re.escape(self.bound[name])
            else:
                pattern += "(.+?)"
                names.append(name)
        matched = re.fullmatch(pattern, got, re.DOTALL)
        if matched is None:
            return False
        for name, value in zip(names, matched.groups(), strict=True):
            kind = name.rsplit(":", 1)[0]
            assert all(v != value for n, v in self.bound.items() if n.rsplit(":", 1)[0] == kind), (name, value)
            self.bound[name] = value
        return True
