"""Replaying LocalStack's AWS-validated Lambda tests against Lamina: each answer compared member by
member with AWS's recorded one (tests/data/lambda_lifecycle_answers.json).

A recorded placeholder (``<uuid:2>``, ``<code-sha256:1>``, ``date``) stands for a value that varies;
a numbered one must stand for the same value throughout one replay, and two numbers for two values,
so RevisionIds and digests relate as AWS's did (a new RevisionId on each change, the same
CodeSha256 for the same code). JSON-string members (Statement, Policy) are compared parsed.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

RECORDS: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parents[2] / "data" / "lambda_lifecycle_answers.json").read_text())["records"]
_PLACEHOLDER = re.compile(r"<[^<>]+>|\bdate\b")
_NUMBERED = re.compile(r"<[a-z0-9-]+:\d+>")
"""A snapshot's numbered placeholder: one distinct value each (``<uuid:2>`` is not ``<uuid:3>``)."""
_JSON_MEMBERS = ("Statement", "Policy")


def package(source: str, file: str = "handler.py") -> bytes:
    """A zip of one file, the same bytes for the same source (a fixed timestamp), so that equal code
    has one CodeSha256 as in the recordings."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(file, date_time=(2020, 1, 1, 0, 0, 0)), source)
    return buffer.getvalue()


class Replay:
    """Compares each answer with the record of one recorded test, binding placeholders as it goes."""

    def __init__(self, test: str) -> None:
        self.test, self.bound, self.holders = test, dict[str, str](), dict[str, str]()

    def check(self, record: str, call: Callable[[], dict[str, Any]], *, settled: bool = False) -> dict[str, Any]:
        """The answer of ``call``, compared with ``record``; ``settled`` when AWS answered before it had
        finished a change that Lamina finishes before it answers: the record as it reads once done."""
        expected = RECORDS[f"{self.test}/{record}"]
        try:
            answer = call()
            status = answer.pop("ResponseMetadata", {}).get("HTTPStatusCode")  # none for a paginator's
            answer.update({k: json.loads(answer[k]) for k in _JSON_MEMBERS if isinstance(answer.get(k), str)})
        except ClientError as error:
            answer = {"Error": {"Code": error.response["Error"]["Code"], "Message": error.response["Error"]["Message"]}}
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        differences = self.differ(settle(expected["Response"]) if settled else expected["Response"], answer, record)
        assert not differences, differences
        assert status == expected["HTTPStatusCode"], (record, status)
        return answer

    def differ(self, expected: Any, actual: Any, path: str) -> list[str]:
        if isinstance(expected, dict):
            if not isinstance(actual, dict) or set(expected) != set(actual):
                return [f"{path}: members {sorted(actual) if isinstance(actual, dict) else actual!r}, "
                        f"AWS {sorted(expected)}"]
            return [d for key in expected for d in self.differ(expected[key], actual[key], f"{path}.{key}")]
        if isinstance(expected, list):
            if not isinstance(actual, list) or len(actual) != len(expected):
                return [f"{path}: {actual!r}, AWS {expected!r}"]
            return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                    for d in self.differ(e, a, f"{path}[{i}]")]
        if isinstance(expected, str) and _PLACEHOLDER.search(expected):
            return self.bind(expected, actual, path)
        return [] if expected == actual else [f"{path}: {actual!r}, AWS {expected!r}"]

    def bind(self, expected: str, actual: Any, path: str) -> list[str]:
        names = _PLACEHOLDER.findall(expected)
        pieces = [re.escape(piece) for piece in _PLACEHOLDER.split(expected)]
        pattern = "".join(piece + ("(.+)" if i < len(names) else "") for i, piece in enumerate(pieces))
        found = re.fullmatch(pattern.replace("111111111111", r"\d{12}"), str(actual))
        if found is None or (expected in ("<code-size>",) and not isinstance(actual, int)):
            return [f"{path}: {actual!r}, AWS {expected!r}"]
        out = []
        for name, value in zip(names, found.groups(), strict=True):
            if not _NUMBERED.fullmatch(name):
                continue
            if self.bound.setdefault(name, value) != value:
                out.append(f"{path}: {value!r} where AWS had {name} = {self.bound[name]!r} before")
            holder = self.holders.setdefault(value, name)
            if holder != name:
                out.append(f"{path}: {value!r} is also {holder}, where AWS had two different values")
        return out


def settle(answer: Any) -> Any:
    """A recorded answer as AWS gives it once its change is done: Pending becomes Active and an
    InProgress update Successful, their reasons gone, and the RevisionId one not recorded (Lamina
    answers only when it is done)."""
    if isinstance(answer, list):
        return [settle(item) for item in answer]
    if not isinstance(answer, dict):
        return answer
    done = {key: settle(value) for key, value in answer.items()}
    if done.get("State") == "Pending" or done.get("LastUpdateStatus") == "InProgress":
        done["RevisionId"] = "<not recorded>"  # finishing is a revision of its own, which AWS did not show yet
    if done.get("State") == "Pending":
        done = {k: v for k, v in done.items() if k not in ("StateReason", "StateReasonCode")}
        done.update(State="Active", LastUpdateStatus="Successful")
    if done.get("LastUpdateStatus") == "InProgress":
        done = {k: v for k, v in done.items() if k not in ("LastUpdateStatusReason", "LastUpdateStatusReasonCode")}
        done["LastUpdateStatus"] = "Successful"
    return done


def create_as_fixture(lam: Any, role: str, name: str, handler: str = "index", source: str = "",
                      **more: Any) -> Callable[[], dict[str, Any]]:
    """CreateFunction as LocalStack's create_lambda_function fixture makes it (Timeout 30, an empty
    environment; ``Environment=None`` for none), then waits for the function to be active;
    ``source`` makes its package differ from another's, as the fixture's zips (stamped with their
    time) did."""
    def created() -> dict[str, Any]:
        params = {"FunctionName": name, "Role": role, "Runtime": "python3.12", "Timeout": 30,
                  "Environment": {"Variables": {}}, "Handler": f"{handler}.handler",
                  "Code": {"ZipFile": package("def handler(e, c):\n  return e\n" + source, f"{handler}.py")}}
        given = {key: value for key, value in {**params, **more}.items() if value is not None}
        answer: dict[str, Any] = lam.create_function(**given)
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        return answer
    return created
