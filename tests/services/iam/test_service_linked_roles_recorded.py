"""Every recorded AWS answer of the service-linked role cases, replayed through boto3 field by field.

tests/data/iam_service_linked_role_answers.json holds what AWS answered (RoleId and CreateDate left
out, as the recording's transformers did): for each service, GetRole, ListRolePolicies and
ListAttachedRolePolicies after CreateServiceLinkedRole; the custom-suffix cases; the refusals.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.pytest_plugin import LaminaServer, start_server

ANSWERS: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "data" / "iam_service_linked_role_answers.json").read_text())
UNPUBLISHED_POLICIES = {"lex.amazonaws.com"}
"""AWS publishes no document for AmazonLexBotPolicy, so Lamina attaches none to Lex's role (the
recording's own test skips AttachedPolicies for it)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    found = start_server(tmp_path_factory.mktemp("service-roles") / "data")
    try:
        yield found
    finally:
        found.stop()


def _recorded(value: Any, account: str, suffix: str = "") -> Any:
    """The recorded answer with its placeholders filled for this server."""
    text = json.dumps(value).replace("<partition>", "aws").replace("111111111111", account)
    return json.loads(text.replace("<suffix>", suffix))


def _replay(server: LaminaServer, service: str, expected: dict[str, Any], suffix: str | None = None) -> None:
    iam = server.client("iam")
    params = {"AWSServiceName": service, **({"CustomSuffix": suffix} if suffix else {})}
    name = iam.create_service_linked_role(**params)["Role"]["RoleName"]
    try:
        want = _recorded(expected, server.account_id, suffix or "")
        role = iam.get_role(RoleName=name)["Role"]
        assert role.pop("RoleId").startswith("AROA")
        role.pop("CreateDate")
        if want["Role"]["RoleLastUsed"]:  # recorded on a role the service itself had used: not ours to match
            assert role.pop("RoleLastUsed") == {} and want["Role"].pop("RoleLastUsed")
        assert role == want["Role"]
        assert iam.list_role_policies(RoleName=name)["PolicyNames"] == want["PolicyNames"]
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        assert attached == ([] if service in UNPUBLISHED_POLICIES else want["AttachedPolicies"])
    finally:
        iam.delete_service_linked_role(RoleName=name)


@pytest.mark.parametrize("service", sorted(ANSWERS["lifecycle"]))
def test_service_role_lifecycle(server: LaminaServer, service: str) -> None:
    _replay(server, service, ANSWERS["lifecycle"][service])


@pytest.mark.parametrize("service", sorted(ANSWERS["custom_suffix"]))
def test_service_role_lifecycle_custom_suffix(server: LaminaServer, service: str) -> None:
    _replay(server, service, ANSWERS["custom_suffix"][service], suffix=uuid.uuid4().hex[:8])


@pytest.mark.parametrize("service", sorted(ANSWERS["custom_suffix_not_allowed"]))
def test_service_role_custom_suffix_not_allowed(server: LaminaServer, service: str) -> None:
    expected = ANSWERS["custom_suffix_not_allowed"][service]
    with pytest.raises(ClientError) as raised:
        server.client("iam").create_service_linked_role(AWSServiceName=service, CustomSuffix="testsuffix")
    assert raised.value.response["Error"] == expected["Error"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == expected["HTTPStatusCode"]


def test_service_role_already_exists(server: LaminaServer) -> None:
    expected = ANSWERS["already_exists"]
    iam = server.client("iam")
    name = iam.create_service_linked_role(AWSServiceName=expected["AWSServiceName"])["Role"]["RoleName"]
    try:
        with pytest.raises(ClientError) as raised:
            iam.create_service_linked_role(AWSServiceName=expected["AWSServiceName"])
        assert raised.value.response["Error"] == expected["Error"]
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == expected["HTTPStatusCode"]
    finally:
        iam.delete_service_linked_role(RoleName=name)


def test_service_role_deletion(server: LaminaServer) -> None:
    expected = ANSWERS["deletion"]
    iam = server.client("iam")
    name = iam.create_service_linked_role(AWSServiceName=expected["AWSServiceName"])["Role"]["RoleName"]
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    prefix, _, task_uuid = expected["DeletionTaskId"].rpartition("/")
    assert task.rpartition("/")[0] == prefix and task_uuid == "<uuid>"
    assert str(uuid.UUID(task.rpartition("/")[2])) == task.rpartition("/")[2]
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == expected["Status"] and "Reason" not in status
    with pytest.raises(ClientError) as raised:
        iam.get_role(RoleName=name)
    assert raised.value.response["Error"]["Code"] == "NoSuchEntity"
