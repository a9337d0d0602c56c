"""The troubleshooting stories of AWS's Lambda guide, end to end through a real server with boto3.

mateojackson cannot read ``my-function`` until an administrator grants lambda:GetFunction (to him,
then through a group, then to a role he assumes); marymajor cannot give a function its execution
role until she may pass it; explicit denies, permissions boundaries and session policies each
answer with their own sentence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from functions_support import create, error_of, execution_role, keyed_client, zipped

from lamina.pytest_plugin import LaminaServer, start_server

ACCT = "123456789012"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCT}:function:my-function"
ROLE_ARN = f"arn:aws:iam::{ACCT}:role/lambda-ex"
MATEO = f"arn:aws:iam::{ACCT}:user/mateojackson"
MARY = f"arn:aws:iam::{ACCT}:user/marymajor"


def allow(*actions: str, resource: str = "*", **condition: Any) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": list(actions), "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def deny(*actions: str, resource: str = "*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": list(actions), "Resource": resource}]})


def denied(caller: str, action: str, resource: str, reason: str) -> tuple[str, str, int]:
    """AWS's answer to a denied Lambda request (403; the reason as the decision words it)."""
    return ("AccessDeniedException", f"User: {caller} is not authorized to perform: {action} on resource: {resource} "
            f"{reason}", 403)


def no_identity_policy(action: str) -> str:
    return f"because no identity-based policy allows the {action} action"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    """A server of its own, so that the names the stories use (my-function, lambda-ex) are free."""
    started = start_server(tmp_path_factory.mktemp("lambda-stories") / "data", account_id=ACCT)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def my_function(server: LaminaServer) -> str:
    role = execution_role(server, name="lambda-ex")
    return str(create(server.client("lambda"), role, "my-function")["FunctionArn"])


def user(server: LaminaServer, name: str, service: str = "lambda") -> Any:
    iam = server.client("iam")
    iam.create_user(UserName=name)
    return keyed_client(server, service, iam.create_access_key(UserName=name)["AccessKey"])


def codes(found: tuple[str, str, int]) -> tuple[str, int]:
    return found[0], found[2]


def test_mateojackson_is_denied_then_allowed_three_ways(server: LaminaServer, my_function: str) -> None:
    iam, mateo = server.client("iam"), user(server, "mateojackson")
    refused = error_of(lambda: mateo.get_function(FunctionName="my-function"))
    expected = denied(MATEO, "lambda:GetFunction", FUNCTION_ARN, no_identity_policy("lambda:GetFunction"))
    assert (refused[1], refused[2]) == (expected[1], expected[2])
    iam.put_user_policy(UserName="mateojackson", PolicyName="read", PolicyDocument=allow("lambda:GetFunction"))
    assert mateo.get_function(FunctionName="my-function")["Configuration"]["FunctionArn"] == FUNCTION_ARN
    iam.delete_user_policy(UserName="mateojackson", PolicyName="read")
    iam.create_group(GroupName="developers")
    iam.put_group_policy(GroupName="developers", PolicyName="read",
                         PolicyDocument=allow("lambda:GetFunction", resource=FUNCTION_ARN))
    iam.add_user_to_group(GroupName="developers", UserName="mateojackson")
    assert mateo.get_function(FunctionName="my-function")["Configuration"]["FunctionName"] == "my-function"
    iam.remove_user_from_group(GroupName="developers", UserName="mateojackson")
    assert error_of(lambda: mateo.get_function(FunctionName="my-function"))[1] == expected[1]


def test_a_role_session_is_denied_then_allowed(server: LaminaServer, my_function: str) -> None:
    iam = server.client("iam")
    sts = user(server, "sessionuser", "sts")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/sessionuser"}}]}
    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(trust))
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCT}:role/reader", RoleSessionName="s1")["Credentials"]
    session = keyed_client(server, "lambda", creds)
    caller = f"arn:aws:sts::{ACCT}:assumed-role/reader/s1"
    refused = error_of(lambda: session.get_function_configuration(FunctionName="my-function"))
    assert refused[1:] == denied(caller, "lambda:GetFunctionConfiguration", FUNCTION_ARN,
                                 no_identity_policy("lambda:GetFunctionConfiguration"))[1:]
    iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=allow("lambda:Get*"))
    assert session.get_function_configuration(FunctionName="my-function")["FunctionArn"] == FUNCTION_ARN
    narrowed = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCT}:role/reader", RoleSessionName="s2",
                               Policy=allow("lambda:ListFunctions"))["Credentials"]
    limited = keyed_client(server, "lambda", narrowed)
    assert error_of(lambda: limited.get_function(FunctionName="my-function"))[1:] == denied(
        f"arn:aws:sts::{ACCT}:assumed-role/reader/s2", "lambda:GetFunction", FUNCTION_ARN,
        "because no session policy allows the lambda:GetFunction action")[1:]


def test_explicit_deny_and_boundary_have_their_own_sentences(server: LaminaServer, my_function: str) -> None:
    iam = server.client("iam")
    carol = user(server, "carol")
    iam.put_user_policy(UserName="carol", PolicyName="all", PolicyDocument=allow("lambda:*"))
    assert carol.get_function(FunctionName="my-function")
    iam.put_user_policy(UserName="carol", PolicyName="no", PolicyDocument=deny("lambda:GetFunction",
                                                                                resource=FUNCTION_ARN))
    carol_arn = f"arn:aws:iam::{ACCT}:user/carol"
    assert error_of(lambda: carol.get_function(FunctionName="my-function"))[1:] == denied(
        carol_arn, "lambda:GetFunction", FUNCTION_ARN, "with an explicit deny in an identity-based policy")[1:]
    iam.delete_user_policy(UserName="carol", PolicyName="no")
    boundary = iam.create_policy(PolicyName="list-only", PolicyDocument=allow("lambda:ListFunctions"))["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="carol", PermissionsBoundary=boundary)
    assert error_of(lambda: carol.get_function(FunctionName="my-function"))[1:] == denied(
        carol_arn, "lambda:GetFunction", FUNCTION_ARN, "because no permissions boundary allows the "
        "lambda:GetFunction action")[1:]
    assert carol.list_functions()["Functions"]


def test_marymajor_needs_pass_role_to_give_a_function_its_role(server: LaminaServer, my_function: str) -> None:
    iam, mary = server.client("iam"), user(server, "marymajor")
    iam.put_user_policy(UserName="marymajor", PolicyName="lambda", PolicyDocument=allow("lambda:*"))
    refused = error_of(lambda: create(mary, ROLE_ARN, "marys-function"))
    assert refused == denied(MARY, "iam:PassRole", ROLE_ARN, no_identity_policy("iam:PassRole"))
    iam.put_user_policy(UserName="marymajor", PolicyName="pass-to-ec2", PolicyDocument=allow(
        "iam:PassRole", resource=ROLE_ARN, StringEquals={"iam:PassedToService": "ec2.amazonaws.com"}))
    assert error_of(lambda: create(mary, ROLE_ARN, "marys-function")) == refused
    iam.put_user_policy(UserName="marymajor", PolicyName="pass", PolicyDocument=allow(
        "iam:PassRole", resource=ROLE_ARN, StringEquals={"iam:PassedToService": "lambda.amazonaws.com"},
        ArnLike={"iam:AssociatedResourceArn": f"arn:aws:lambda:us-east-1:{ACCT}:function:marys-*"}))
    created = create(mary, ROLE_ARN, "marys-function")
    assert created["Role"] == ROLE_ARN
    assert error_of(lambda: create(mary, ROLE_ARN, "other-function"))[0] == "AccessDeniedException"
    other_role = execution_role(server, name="other-role")
    assert error_of(lambda: mary.update_function_configuration(FunctionName="marys-function", Role=other_role)) == \
        denied(MARY, "iam:PassRole", other_role, no_identity_policy("iam:PassRole"))
    assert mary.update_function_configuration(FunctionName="marys-function", Timeout=9)["Timeout"] == 9


def test_tags_on_create_are_request_tags(server: LaminaServer, my_function: str) -> None:
    iam, dev = server.client("iam"), user(server, "tagger")
    iam.put_user_policy(UserName="tagger", PolicyName="tagged-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}}},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE_ARN}]}))
    refused = error_of(lambda: create(dev, ROLE_ARN, "untagged", zip=zipped()))
    assert refused[1:] == denied(f"arn:aws:iam::{ACCT}:user/tagger", "lambda:CreateFunction",
                                 f"arn:aws:lambda:us-east-1:{ACCT}:function:untagged",
                                 no_identity_policy("lambda:CreateFunction"))[1:]
    assert create(dev, ROLE_ARN, "tagged", Tags={"team": "blue"})["FunctionName"] == "tagged"


def test_gate_denials_use_lambdas_error_code(server: LaminaServer, my_function: str) -> None:
    """The gate decides for every service; its denial goes out in Lambda's name for the code."""
    stranger = user(server, "stranger")
    found = error_of(lambda: stranger.get_function(FunctionName="my-function"))
    assert codes(found) == ("AccessDeniedException", 403)


def test_operations_not_served_are_decided_first(server: LaminaServer, my_function: str) -> None:
    """A caller learns "not authorized" before "not implemented", on the resource the request names."""
    nobody = user(server, "nobody")
    mapping = "a1b2c3d4-5678-90ab-cdef-11111EXAMPLE"
    refused = error_of(lambda: nobody.get_event_source_mapping(UUID=mapping))
    assert refused[1:] == denied(f"arn:aws:iam::{ACCT}:user/nobody", "lambda:GetEventSourceMapping",
                                 f"arn:aws:lambda:us-east-1:{ACCT}:event-source-mapping:{mapping}",
                                 no_identity_policy("lambda:GetEventSourceMapping"))[1:]
    answer = error_of(lambda: server.client("lambda").get_event_source_mapping(UUID=mapping))
    assert (answer[0], answer[2]) == ("NotImplemented", 501)
