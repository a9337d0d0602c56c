"""ARN condition operators (six-part matching) and the Null operator."""

from __future__ import annotations

import pytest

from lamina.policy import Outcome, PolicyType, Request

FN = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
BUCKET = "arn:aws:s3:::my-bucket"


@pytest.mark.parametrize("operator", ["ArnEquals", "ArnLike"])
def test_arn_equals_and_arn_like_both_take_wildcards(holds, operator):
    """ArnEquals and ArnLike behave identically; both accept `*` and `?`.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    """
    condition = {operator: {"aws:SourceArn": "arn:aws:s3:::my-buck?t*"}}
    assert holds(condition, {"aws:SourceArn": BUCKET})
    assert holds(condition, {"aws:SourceArn": "arn:aws:s3:::my-bucket-logs"})
    assert not holds(condition, {"aws:SourceArn": "arn:aws:s3:::other-bucket"})


def test_arn_like_exact_value(holds):
    """The S3-trigger statement AddPermission writes: ArnLike AWS:SourceArn with the bucket ARN.

    https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
    """
    condition = {"ArnLike": {"AWS:SourceArn": BUCKET}}
    assert holds(condition, {"aws:SourceArn": BUCKET})
    assert not holds(condition, {"aws:SourceArn": "arn:aws:s3:::my-bucket2"})


def test_arn_matching_is_case_sensitive(holds):
    """ARN operators compare case-sensitively.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    """
    assert not holds({"ArnEquals": {"aws:SourceArn": BUCKET}}, {"aws:SourceArn": "arn:aws:s3:::My-Bucket"})


def test_arn_like_matches_each_component_separately(holds):
    """The documented case: StringLike matches across components, ArnLike does not.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    """
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    assert holds({"StringLike": {"aws:SourceArn": pattern}}, {"aws:SourceArn": value})
    assert not holds({"ArnLike": {"aws:SourceArn": pattern}}, {"aws:SourceArn": value})


def test_arn_wildcard_in_resource_part_crosses_colons(holds):
    """The sixth part is everything after the fifth colon, so `*` there covers `:` too.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    """
    condition = {"ArnLike": {"lambda:FunctionArn": "arn:aws:lambda:*:123456789012:function:*"}}
    assert holds(condition, {"lambda:FunctionArn": FN + ":prod"})
    assert not holds(condition, {"lambda:FunctionArn": "arn:aws:lambda:us-east-1:111122223333:function:f"})


def test_arn_wildcard_does_not_span_components(holds):
    """A `*` in one component cannot absorb the next one.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    """
    condition = {"ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:function:my-function"}}
    assert not holds(condition, {"aws:SourceArn": FN})
    assert holds({"StringLike": {"aws:SourceArn": "arn:aws:lambda:*:function:my-function"}},
                 {"aws:SourceArn": FN})


def test_value_that_is_not_an_arn_never_matches(holds):
    """A request value without six ARN parts never matches an ARN operator.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    """
    assert not holds({"ArnLike": {"aws:SourceArn": "*"}}, {"aws:SourceArn": "my-bucket"})
    assert not holds({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}, {"aws:SourceArn": "arn:aws:s3"})


@pytest.mark.parametrize("operator", ["ArnNotEquals", "ArnNotLike"])
def test_negated_arn_operators(holds, operator):
    """ArnNotEquals/ArnNotLike hold when the ARN matches none of the patterns.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    """
    condition = {operator: {"aws:PrincipalArn": ["arn:aws:iam::123456789012:role/admin*",
                                                 "arn:aws:iam::123456789012:user/ops"]}}
    assert holds(condition, {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/alice"})
    assert not holds(condition, {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/admin-team"})


def test_missing_key_with_arn_operators(holds):
    """Absent key: ArnLike is false, ArnNotLike is true.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """
    assert not holds({"ArnLike": {"aws:SourceArn": BUCKET}}, {})
    assert holds({"ArnNotLike": {"aws:SourceArn": BUCKET}}, {})


# --- Null -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "context", "expected"), [
    ("true", {}, True),
    ("true", {"aws:TokenIssueTime": "2024-05-01T00:00:00Z"}, False),
    ("false", {"aws:TokenIssueTime": "2024-05-01T00:00:00Z"}, True),
    ("false", {}, False),
    (True, {}, True),
    (False, {}, False),
])
def test_null_checks_presence(holds, value, context, expected):
    """Null "true" holds when the key is absent; "false" when it is present.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
    """
    assert holds({"Null": {"aws:TokenIssueTime": value}}, context) is expected


def test_null_treats_an_empty_list_as_absent(holds):
    """A multivalued key with no values counts as absent.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
    """
    assert holds({"Null": {"aws:TagKeys": "true"}}, {"aws:TagKeys": []})
    assert holds({"Null": {"aws:TagKeys": "false"}}, {"aws:TagKeys": ["env"]})


def test_null_key_name_is_case_insensitive(holds):
    """Null looks the key up without case, like every operator.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """
    assert holds({"Null": {"AWS:tokenissuetime": "false"}}, {"aws:TokenIssueTime": "2024-05-01T00:00:00Z"})


def test_lambda_force_vpc_example(decide, user):
    """Deny CreateFunction when Null lambda:VpcIds is true: functions must be in a VPC.

    https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#vpc-conditions
    """
    statements = [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
                  {"Effect": "Deny", "Action": ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"],
                   "Resource": "*", "Condition": {"Null": {"lambda:VpcIds": "true"}}}]
    no_vpc = decide(statements, Request(user(), "lambda:CreateFunction", FN))
    vpc = decide(statements, Request(user(), "lambda:CreateFunction", FN, {"lambda:VpcIds": "vpc-1"}))
    assert no_vpc.outcome is Outcome.EXPLICIT_DENY and no_vpc.denied_by is PolicyType.IDENTITY
    assert vpc.outcome is Outcome.ALLOW
