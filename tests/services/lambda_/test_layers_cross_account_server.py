"""Another account's layer through a real server with boto3: account B may read account A's layer
version, and build a function on it, only once A's layer version policy allows B (and B's own
identity policy too); ListLayerVersions of A's layer stays A's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cross_account_support import denial, root_of, second_account, user_client
from functions_support import LAMBDA_TRUST, create, unique
from layers_support import publish

from lamina.pytest_plugin import LaminaServer

NO_LAYER_POLICY = "no resource-based policy allows the lambda:GetLayerVersion action"


@pytest.fixture(scope="module")
def other(lamina_server: LaminaServer) -> dict[str, str]:
    return second_account(lamina_server)


@pytest.fixture(scope="module")
def other_role(lamina_server: LaminaServer, other: dict[str, str]) -> str:
    """An execution role in account B, for B's functions."""
    iam = root_of(lamina_server, other, "iam")
    created = iam.create_role(RoleName=unique("b-ex"), AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    return str(created["Role"]["Arn"])


def _reason(call: Any) -> tuple[int, str]:
    status, message = denial(call)
    return status, message.split(" because ")[-1]


def test_b_uses_as_layer_only_once_as_policy_allows_it(lamina_server: LaminaServer, other: dict[str, str],
                                                       other_role: str) -> None:
    owner = lamina_server.client("lambda")
    layer = publish(owner)
    arn, name = layer["LayerVersionArn"], layer["LayerArn"].rsplit(":", 1)[1]
    b_lambda = root_of(lamina_server, other, "lambda")

    assert _reason(lambda: b_lambda.get_layer_version_by_arn(Arn=arn)) == (403, NO_LAYER_POLICY)
    assert _reason(lambda: b_lambda.get_layer_version(LayerName=layer["LayerArn"], VersionNumber=1)) == (
        403, NO_LAYER_POLICY)
    assert _reason(lambda: create(b_lambda, other_role, Layers=[arn])) == (403, NO_LAYER_POLICY)

    granted = owner.add_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="b",
                                                 Action="lambda:GetLayerVersion", Principal=other["AccountId"])
    assert b_lambda.get_layer_version_by_arn(Arn=arn)["LayerVersionArn"] == arn
    assert b_lambda.get_layer_version(LayerName=layer["LayerArn"], VersionNumber=1)["Version"] == 1
    created = create(b_lambda, other_role, Layers=[arn])
    assert created["Layers"] == [{"Arn": arn, "CodeSize": layer["Content"]["CodeSize"]}]
    assert _reason(lambda: b_lambda.get_layer_version_policy(LayerName=layer["LayerArn"], VersionNumber=1))[0] == 403
    assert _reason(lambda: b_lambda.delete_layer_version(LayerName=layer["LayerArn"], VersionNumber=1))[0] == 403
    assert _reason(lambda: b_lambda.list_layer_versions(LayerName=layer["LayerArn"]))[0] == 403

    owner.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="b",
                                          RevisionId=granted["RevisionId"])
    assert _reason(lambda: b_lambda.get_layer_version_by_arn(Arn=arn)) == (403, NO_LAYER_POLICY)
    assert b_lambda.get_function(FunctionName=created["FunctionName"])["Configuration"]["Layers"][0]["Arn"] == arn


def test_a_public_layer_still_needs_bs_identity_policy(lamina_server: LaminaServer, other: dict[str, str]) -> None:
    owner = lamina_server.client("lambda")
    layer = publish(owner)
    arn = layer["LayerVersionArn"]
    owner.add_layer_version_permission(LayerName=layer["LayerArn"], VersionNumber=1, StatementId="public",
                                       Action="lambda:GetLayerVersion", Principal="*")
    b_iam = root_of(lamina_server, other, "iam")
    reader = user_client(lamina_server, b_iam, unique("reader"), "lambda", "lambda:GetLayerVersion")
    idle = user_client(lamina_server, b_iam, unique("idle"), "lambda")
    assert reader.get_layer_version_by_arn(Arn=arn)["LayerVersionArn"] == arn
    assert _reason(lambda: idle.get_layer_version_by_arn(Arn=arn)) == (
        403, "no identity-based policy allows the lambda:GetLayerVersion action")


def test_an_organization_condition_is_evaluated(lamina_server: LaminaServer, other: dict[str, str]) -> None:
    """``OrganizationId`` writes ``aws:PrincipalOrgID``: a caller outside that organization is refused."""
    owner = lamina_server.client("lambda")
    layer = publish(owner)
    owner.add_layer_version_permission(LayerName=layer["LayerArn"], VersionNumber=1, StatementId="org",
                                       Action="lambda:GetLayerVersion", Principal="*", OrganizationId="o-abcdefghij")
    b_lambda = root_of(lamina_server, other, "lambda")
    assert _reason(lambda: b_lambda.get_layer_version_by_arn(Arn=layer["LayerVersionArn"])) == (403, NO_LAYER_POLICY)
