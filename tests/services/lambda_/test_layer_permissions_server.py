"""A layer version's policy through a real server with boto3: AddLayerVersionPermission,
RemoveLayerVersionPermission and GetLayerVersionPolicy, compared with AWS's recorded answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from functions_support import error_of
from layers_support import SHAPES, STATUSES, filled, publish, recorded

from lamina.pytest_plugin import LaminaServer


@pytest.fixture(scope="module")
def aws_lambda(lamina_server: LaminaServer) -> Any:
    return lamina_server.client("lambda")


def _permit(client: Any, name: str, sid: str, **more: Any) -> dict[str, Any]:
    params = {"LayerName": name, "VersionNumber": 1, "StatementId": sid, "Action": "lambda:GetLayerVersion",
              "Principal": "*", **more}
    found: dict[str, Any] = client.add_layer_version_permission(**params)
    return found


def test_policy_lifecycle_as_recorded(aws_lambda: Any, lamina_server: LaminaServer) -> None:
    account = lamina_server.account_id
    name = publish(aws_lambda)["LayerArn"].rsplit(":", 1)[1]
    added = _permit(aws_lambda, name, "s1")
    assert added["ResponseMetadata"]["HTTPStatusCode"] == STATUSES["add_policy_s1"] == 201
    expected = json.loads(filled(json.dumps(SHAPES["add_policy_s1"]["Statement"]), account, name))
    assert json.loads(added["Statement"]) == expected
    assert list(json.loads(added["Statement"])) == list(expected)  # AWS's key order
    second = _permit(aws_lambda, name, "s2", RevisionId=added["RevisionId"])
    policy = aws_lambda.get_layer_version_policy(LayerName=name, VersionNumber=1)
    shown = SHAPES["get_layer_version_policy_postadd2"]["Policy"]
    assert json.loads(policy["Policy"]) == json.loads(filled(json.dumps(shown), account, name))
    assert policy["RevisionId"] == second["RevisionId"] != added["RevisionId"]
    removed = aws_lambda.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s2")
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == STATUSES["remove_s2"] == 204
    left = aws_lambda.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert [s["Sid"] for s in json.loads(left["Policy"])["Statement"]] == ["s1"]
    assert left["RevisionId"] != second["RevisionId"]


def test_an_account_principal_and_an_organization(aws_lambda: Any) -> None:
    name = publish(aws_lambda)["LayerArn"].rsplit(":", 1)[1]
    statement = json.loads(_permit(aws_lambda, name, "acct", Principal="210987654321")["Statement"])
    assert statement["Principal"] == {"AWS": "arn:aws:iam::210987654321:root"}
    org = json.loads(_permit(aws_lambda, name, "org", OrganizationId="o-abcdefghij")["Statement"])
    assert (org["Principal"], org["Condition"]) == ("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}})


def test_policy_errors_as_recorded(aws_lambda: Any, lamina_server: LaminaServer) -> None:
    account = lamina_server.account_id
    name = publish(aws_lambda)["LayerArn"].rsplit(":", 1)[1]

    def expect(answer: str, call: Any) -> None:
        assert error_of(call) == recorded(answer, account, name), answer

    expect("layer_permission_nopolicy_get", lambda: aws_lambda.get_layer_version_policy(LayerName=name,
                                                                                       VersionNumber=1))
    _permit(aws_lambda, name, "s1")
    expect("layer_permission_action_invalid", lambda: _permit(aws_lambda, name, "s2", Action="*"))
    expect("layer_permission_duplicate_statement", lambda: _permit(aws_lambda, name, "s1"))
    expect("layer_permission_wrong_revision", lambda: _permit(aws_lambda, name, "s2", RevisionId="wrong"))
    missing_layer, missing_version = {"LayerName": f"{name}-doesnotexist", "VersionNumber": 1}, {
        "LayerName": name, "VersionNumber": 2}
    for suffix, where in (("layername_doesnotexist", missing_layer), ("layerversion_doesnotexist", missing_version)):
        expect(f"layer_permission_{suffix}_add", lambda where=where: aws_lambda.add_layer_version_permission(
            StatementId="s3", Action="lambda:GetLayerVersion", Principal="*", **where))
        expect(f"layer_permission_{suffix}_get", lambda where=where: aws_lambda.get_layer_version_policy(**where))
        expect(f"layer_permission_{suffix}_remove",
               lambda where=where: aws_lambda.remove_layer_version_permission(StatementId="s1", **where))
    expect("layer_permission_statementid_doesnotexist_remove", lambda: aws_lambda.remove_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="doesnotexist"))
    expect("layer_permission_wrong_revision_remove", lambda: aws_lambda.remove_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="s1", RevisionId="wrong"))


def test_the_last_statement_takes_the_policy(aws_lambda: Any, lamina_server: LaminaServer) -> None:
    name = publish(aws_lambda)["LayerArn"].rsplit(":", 1)[1]
    _permit(aws_lambda, name, "only")
    aws_lambda.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="only")
    assert error_of(lambda: aws_lambda.get_layer_version_policy(LayerName=name, VersionNumber=1)) == recorded(
        "layer_permission_nopolicy_get", lamina_server.account_id, name)
