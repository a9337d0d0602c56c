"""Function names, qualifiers and ARNs in every form, through boto3 against a server, compared with the
errors AWS recorded for the same requests (tests/data/lambda_function_name_answers.json): the
model's checks first (ValidationException with AWS's sorted clauses), then Lamina's (a qualifier
that disagrees with the name's, another region's ARN, a missing function, version or alias)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from functions_support import create, execution_role, zipped
from test_permissions_support import matches

from lamina.pytest_plugin import LaminaServer, start_server

RECORDS: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parents[2] / "data" / "lambda_function_name_answers.json").read_text())["records"]
EXISTING = "i-exist"
_CLAUSE = re.compile(r"(Value '.*?' at '.*?' failed to satisfy constraint: .+?(?=;|$))")
_RUN = re.compile(r"\{a\*(\d+)\}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("lambda-names") / "data")
    create(started.client("lambda"), execution_role(started), EXISTING)
    yield started
    started.stop()


def request(server: LaminaServer, params: dict[str, str]) -> dict[str, str]:
    """The recorded request with this server's account and region, and its runs of 'a' spelled out."""
    filled = {key: _RUN.sub(lambda run: "a" * int(run[1]), value.replace("{account_id}", server.account_id)
                            .replace("{region_name}", server.region).replace("{existing}", EXISTING))
              for key, value in params.items()}
    return filled


def call(server: LaminaServer, operation: str, params: dict[str, str]) -> dict[str, Any]:
    """The error answer; CreateFunction gets the rest of a valid request, its Qualifier joined to the
    name as LocalStack's test does."""
    lam = server.client("lambda")
    if operation == "create_function":
        name = ":".join(filter(None, (params["FunctionName"], params.get("Qualifier"))))
        params = {"FunctionName": name, "Handler": "index.handler", "Code": {"ZipFile": zipped()},
                  "PackageType": "Zip", "Role": f"arn:aws:iam::{server.account_id}:role/lambda-ex",
                  "Runtime": "python3.12"}
    with pytest.raises(ClientError) as raised:
        getattr(lam, operation)(**params)
    response: dict[str, Any] = raised.value.response
    return response


def as_recorded(response: dict[str, Any], operation: str, server: LaminaServer, clauses: bool) -> dict[str, Any]:
    """The answer in the recording's form: this server's account, partition and region written as the
    snapshot writes them; with ``clauses``, the model's clauses sorted and counted and runs of 'a'
    shortened as test_function_name_and_qualifier_validation recorded them, else the message."""
    code, message = response["Error"]["Code"], response["Error"].get("Message")
    if message is None:
        return {"Code": code}
    text = message.replace(server.account_id, "111111111111").replace("arn:aws:", "arn:<partition>:")
    text = text.replace(f"('{server.region}')", "('<region>')").replace("'eu-central-1'", "'<wrong-region>'")
    text = text.replace(f":{server.region}:", ":<region>:")
    if not clauses:
        return {"Code": code, "Message": text}
    for length in (170 if operation == "get_function" else 140, 129, 65):
        text = text.replace("a" * length, f"<a:len({length})>")
    found = _CLAUSE.findall(text)
    return {"Code": code, "Count": len(found), "Errors": sorted(found)} if found else {"Code": code, "Message": text}


@pytest.mark.parametrize("key", sorted(RECORDS))
def test_answers_as_aws_recorded(server: LaminaServer, key: str) -> None:
    record = RECORDS[key]
    response = call(server, record["operation"], request(server, record["params"]))
    expected = record["Error"]
    found = as_recorded(response, record["operation"], server,
                        clauses="test_function_name_and_qualifier_validation" in record["source"])
    if expected == {"Code": "AccessDeniedException"}:  # AWS sends no message; Lamina says why
        found = {"Code": found["Code"]}
    assert matches(expected, found), (expected, found)
    if "HTTPStatusCode" in record:
        assert response["ResponseMetadata"]["HTTPStatusCode"] == record["HTTPStatusCode"]


def test_deleting_a_version_that_is_not_there_is_no_error(server: LaminaServer) -> None:
    """LocalStack's AWS-validated test_delete_on_nonexisting_version deletes version 1233 of an
    existing function twice without an error before the recorded 404s."""
    lam = server.client("lambda")
    for _ in range(2):
        assert lam.delete_function(FunctionName=EXISTING, Qualifier="1233")["StatusCode"] == 204
    assert lam.get_function(FunctionName=EXISTING)["Configuration"]["FunctionName"] == EXISTING
