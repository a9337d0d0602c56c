"""lamina.managed_policies: every AWS managed policy from moto's data, parseable and as AWS publishes them."""

from __future__ import annotations

import json

import pytest

from lamina import managed_policies
from lamina.policy import PolicyKind, parse_policy

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


def test_every_policy_from_the_package() -> None:
    """The data is moto's: well over a thousand policies, each with a document Lamina's engine parses."""
    found = managed_policies.all_policies()
    assert len(found) > 1000 and managed_policies.source().startswith("moto ")
    assert len({p.policy_id for p in found}) == len(found)
    assert {p.path for p in found} >= {"/", "/service-role/", "/aws-service-role/", "/job-function/"}
    for policy in found:
        parse_policy(policy.document, PolicyKind.IDENTITY, policy.arn)


def test_aws_lambda_execute_as_aws_publishes_it() -> None:
    policy = managed_policies.get("arn:aws:iam::aws:policy/AWSLambdaExecute")
    assert policy is not None and policy.path == "/" and policy.default_version_id.startswith("v")
    assert policy.create_date.isoformat().startswith("2015-02-06")
    statements = json.loads(policy.document)["Statement"]
    assert {"Effect": "Allow", "Action": ["logs:*"], "Resource": "arn:aws:logs:*:*:*"} in statements
    read_only = managed_policies.get("arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert read_only is not None and int(read_only.default_version_id[1:]) > 100  # AWS's, not a stand-in


def test_other_partitions_name_the_same_policies() -> None:
    for partition in ("aws-cn", "aws-us-gov", "aws-iso-b"):
        arn = f"arn:{partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        policy = managed_policies.get(arn)
        assert policy is not None and policy.arn == arn and managed_policies.is_aws_managed(arn)
        assert policy.document == managed_policies.document(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    assert managed_policies.get("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole") is None  # wrong path
    assert managed_policies.get("arn:aws:iam::aws:policy/NoSuchPolicyAnywhere") is None


def test_parse_source_reads_the_string_literal() -> None:
    text = 'x = 1\naws_managed_policies_data = """\n{"P": {"Path": "/", "DefaultVersionId": "v2"}}"""\n'
    assert managed_policies.parse_source(text) == {"P": {"Path": "/", "DefaultVersionId": "v2"}}


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
