"""Other accounts and function policies through a real server, with boto3: a second account
reaches a function only through a role it assumes in the owner's account, or through the
function's policy naming it (its own identity policy must allow too); a policy naming a user
that was deleted and re-created grants the new user nothing.

The shared function is written into the server's store directly (the same SQLite file), so these
stories do not depend on CreateFunction; the last one makes its function with CreateFunction.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import ClientError
from cross_account_support import client, denial, root_of, second_account, user_client
from functions_support import create, execution_role

from lamina import pytest_plugin
from lamina.pytest_plugin import LaminaServer, start_server
from lamina.store import open_store
from lamina.store.repositories import lambda_code, lambda_functions

FUNCTION = "shared"
probe = pytest_plugin._healthy


def _healthy_or_not_yet(endpoint: str) -> bool:
    """The plugin's health probe, where a probe that times out on a loaded machine means "not yet":
    the plugin lets that TimeoutError escape and leaves the server running."""
    try:
        return probe(endpoint)
    except OSError:
        return False


@pytest.fixture(scope="module")
def lamina_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    with mock.patch.object(pytest_plugin, "_healthy", _healthy_or_not_yet):
        server = start_server(tmp_path_factory.mktemp("cross-account") / "data")
    store = open_store(server.data_dir)
    with store.transaction() as conn:
        code = lambda_code.put_code(conn, b"PK\x05\x06" + bytes(18))
        lambda_functions.create_function(conn, server.account_id, server.region, FUNCTION,
                                         {"Runtime": "python3.12"}, code.sha256)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def other(lamina_server: LaminaServer) -> dict[str, str]:
    """A second account hosted by the same server, with its root key."""
    return second_account(lamina_server)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def eventually(call: Any) -> Any:
    """Credentials and policies are cached for up to a second, as AWS's IAM is eventually consistent."""
    deadline = time.monotonic() + 3
    while True:
        try:
            return call()
        except ClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def function_arn(server: LaminaServer) -> str:
    return f"arn:aws:lambda:{server.region}:{server.account_id}:function:{FUNCTION}"


def test_the_policy_and_the_callers_identity_policy_must_both_allow(lamina_server: LaminaServer,
                                                                  other: dict[str, str]) -> None:
    owner = lamina_server.client("lambda")
    other_iam = root_of(lamina_server, other, "iam")
    dev = user_client(lamina_server, other_iam, unique("dev"), "lambda", "lambda:GetPolicy")
    idle = user_client(lamina_server, other_iam, unique("idle"), "lambda")
    arn = function_arn(lamina_server)

    status, message = denial(lambda: dev.get_policy(FunctionName=arn))
    assert status == 403
    assert message.endswith(f"on resource: {arn} because no resource-based policy allows the lambda:GetPolicy action")

    sid = unique("other-account")
    answer = owner.add_permission(FunctionName=FUNCTION, StatementId=sid, Action="lambda:GetPolicy",
                                  Principal=other["AccountId"])
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert json.loads(answer["Statement"])["Principal"] == {"AWS": f"arn:aws:iam::{other['AccountId']}:root"}

    shown = json.loads(dev.get_policy(FunctionName=arn)["Policy"])
    assert sid in [statement["Sid"] for statement in shown["Statement"]]
    status, message = denial(lambda: idle.get_policy(FunctionName=arn))
    assert status == 403
    assert message.endswith("because no identity-based policy allows the lambda:GetPolicy action")
    owner.remove_permission(FunctionName=FUNCTION, StatementId=sid)


def test_a_role_assumed_in_the_owners_account_reaches_the_function(lamina_server: LaminaServer,
                                                                 other: dict[str, str]) -> None:
    iam = lamina_server.client("iam")
    role = unique("reader")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": other["AccountId"]}}]}
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    read = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:GetPolicy",
                                                    "Resource": function_arn(lamina_server)}]}
    iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=json.dumps(read))
    lamina_server.client("lambda").add_permission(FunctionName=FUNCTION, StatementId=unique("s3"),
                                                  Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")

    sts = user_client(lamina_server, root_of(lamina_server, other, "iam"), unique("ops"), "sts", "sts:AssumeRole")
    credentials = eventually(lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="ops"))["Credentials"]
    as_role = client(lamina_server, "lambda", credentials["AccessKeyId"], credentials["SecretAccessKey"],
                     credentials["SessionToken"])
    assert json.loads(as_role.get_policy(FunctionName=FUNCTION)["Policy"])["Id"] == "default"
    status, message = denial(lambda: as_role.add_permission(FunctionName=FUNCTION, StatementId="x",
                                                            Action="lambda:InvokeFunction", Principal="*"))
    assert status == 403
    assert "lambda:AddPermission" in message


def test_a_recreated_user_is_granted_nothing(lamina_server: LaminaServer) -> None:
    iam, owner = lamina_server.client("iam"), lamina_server.client("lambda")
    name = unique("temp")
    temp = user_client(lamina_server, iam, name, "lambda")
    user_arn = f"arn:aws:iam::{lamina_server.account_id}:user/{name}"
    old_id = iam.get_user(UserName=name)["User"]["UserId"]
    sid = unique("temp")
    owner.add_permission(FunctionName=FUNCTION, StatementId=sid, Action="lambda:GetPolicy", Principal=user_arn)
    eventually(lambda: temp.get_policy(FunctionName=FUNCTION))

    for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=name)
    again = user_client(lamina_server, iam, name, "lambda")
    status, message = denial(lambda: eventually(lambda: again.get_policy(FunctionName=FUNCTION)))
    assert status == 403
    assert message.startswith(f"User: {user_arn} is not authorized to perform: lambda:GetPolicy")
    statements = json.loads(owner.get_policy(FunctionName=FUNCTION)["Policy"])["Statement"]
    assert {"AWS": old_id} in [s["Principal"] for s in statements if s["Sid"] == sid]


def test_the_operations_on_the_wire(lamina_server: LaminaServer) -> None:
    owner = lamina_server.client("lambda")
    arn = function_arn(lamina_server)
    owner.add_permission(FunctionName=FUNCTION, StatementId="dup", Action="lambda:InvokeFunction",
                         Principal="sns.amazonaws.com", SourceArn="arn:aws:sns:us-east-1:123456789012:topic")
    with pytest.raises(owner.exceptions.ResourceConflictException) as conflict:
        owner.add_permission(FunctionName=FUNCTION, StatementId="dup", Action="lambda:InvokeFunction",
                             Principal="sns.amazonaws.com")
    assert conflict.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    with pytest.raises(owner.exceptions.ResourceNotFoundException) as missing:
        owner.remove_permission(FunctionName=FUNCTION, StatementId="nope")
    assert missing.value.response["Error"]["Message"] == "Statement nope is not found in resource policy."
    assert owner.remove_permission(FunctionName=FUNCTION, StatementId="dup")["ResponseMetadata"][
        "HTTPStatusCode"] == 204

    document = {"Version": "2012-10-17", "Statement": [
        {"Sid": "guard", "Effect": "Deny", "Principal": "*", "Action": "lambda:GetPolicy", "Resource": arn}]}
    put = owner.put_resource_policy(ResourceArn=arn, Policy=json.dumps(document))
    got = owner.get_resource_policy(ResourceArn=arn)
    assert json.loads(got["Policy"]) == document
    assert got["RevisionId"] == put["RevisionId"]
    with pytest.raises(owner.exceptions.InvalidParameterValueException):
        owner.put_resource_policy(ResourceArn=arn, Policy="{}")
    status, message = denial(lambda: owner.get_policy(FunctionName=FUNCTION))  # even the root user
    assert (status, message) == (403, f"User: arn:aws:iam::{lamina_server.account_id}:root is not authorized to "
                                      f"perform: lambda:GetPolicy on resource: {arn} with an explicit deny in a "
                                      "resource-based policy")
    owner.delete_resource_policy(ResourceArn=arn, RevisionId=put["RevisionId"])
    with pytest.raises(owner.exceptions.ResourceNotFoundException):
        owner.get_resource_policy(ResourceArn=arn)


def test_a_created_function_is_read_from_another_account_once_its_policy_names_it(
        lamina_server: LaminaServer, other: dict[str, str]) -> None:
    """CreateFunction, then GetFunction from the second account by the function's ARN: refused until
    AddPermission names the account, and never for a user of it whose own policy does not allow."""
    owner = lamina_server.client("lambda")
    created = create(owner, execution_role(lamina_server))
    arn = created["FunctionArn"]
    other_iam = root_of(lamina_server, other, "iam")
    reader = user_client(lamina_server, other_iam, unique("reader"), "lambda", "lambda:GetFunction")
    idle = user_client(lamina_server, other_iam, unique("idle"), "lambda")

    status, message = denial(lambda: reader.get_function(FunctionName=arn))
    assert (status, message.split(" because ")[-1]) == (
        403, "no resource-based policy allows the lambda:GetFunction action")
    owner.add_permission(FunctionName=created["FunctionName"], StatementId="reader", Action="lambda:GetFunction",
                         Principal=other["AccountId"])
    assert reader.get_function(FunctionName=arn)["Configuration"]["FunctionArn"] == arn
    status, message = denial(lambda: idle.get_function(FunctionName=arn))
    assert (status, message.split(" because ")[-1]) == (
        403, "no identity-based policy allows the lambda:GetFunction action")
    status, _ = denial(lambda: reader.delete_function(FunctionName=arn))
    assert status == 403
    owner.remove_permission(FunctionName=created["FunctionName"], StatementId="reader")
    assert denial(lambda: reader.get_function(FunctionName=arn))[0] == 403


def test_an_alias_policy_grants_only_the_alias(lamina_server: LaminaServer, other: dict[str, str]) -> None:
    """A permission added with a Qualifier is the alias's own policy: the invoker must name the
    alias's ARN (API_AddPermission.html), and the function's other ARNs stay closed."""
    owner = lamina_server.client("lambda")
    created = create(owner, execution_role(lamina_server))
    name, arn = created["FunctionName"], created["FunctionArn"]
    owner.get_waiter("function_active_v2").wait(FunctionName=name)
    version = owner.publish_version(FunctionName=name)["Version"]
    owner.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    owner.add_permission(FunctionName=name, Qualifier="live", StatementId="live", Action="lambda:GetFunction",
                         Principal=other["AccountId"])
    reader = user_client(lamina_server, root_of(lamina_server, other, "iam"), unique("reader"), "lambda",
                         "lambda:GetFunction")

    assert reader.get_function(FunctionName=f"{arn}:live")["Configuration"]["Version"] == version
    for closed in (arn, f"{arn}:{version}"):
        status, message = denial(lambda closed=closed: reader.get_function(FunctionName=closed))
        assert (status, message.split(" on resource: ")[-1]) == (
            403, f"{closed} because no resource-based policy allows the lambda:GetFunction action")
    policy = json.loads(owner.get_policy(FunctionName=name, Qualifier="live")["Policy"])
    assert policy["Statement"][0]["Resource"] == f"{arn}:live"
