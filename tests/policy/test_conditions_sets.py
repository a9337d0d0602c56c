"""ForAllValues / ForAnyValue set operators on multivalued keys, including empty and absent keys."""

from __future__ import annotations

import pytest

from lamina.policy import Outcome, PolicyType, Request

FN = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
ALLOWED_TAGS = {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}
ANY_TAG = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}


@pytest.mark.parametrize(("keys", "expected"), [
    (["environment"], True),
    (["environment", "cost-center"], True),
    (["environment", "owner"], False),
    (["owner"], False),
    (["Environment"], False),
])
def test_for_all_values_needs_every_request_value_in_the_policy_set(holds, keys, expected):
    """ForAllValues: true when every request value matches at least one policy value.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    assert holds(ALLOWED_TAGS, {"aws:TagKeys": keys}) is expected


@pytest.mark.parametrize("context", [{}, {"aws:TagKeys": []}])
def test_for_all_values_is_true_for_absent_or_empty_key(holds, context):
    """ForAllValues returns true when the key is absent or has no values.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    assert holds(ALLOWED_TAGS, context)


@pytest.mark.parametrize(("keys", "expected"), [
    (["owner", "environment"], True),
    (["cost-center"], True),
    (["owner"], False),
    (["owner", "team"], False),
])
def test_for_any_value_needs_one_request_value_in_the_policy_set(holds, keys, expected):
    """ForAnyValue: true when at least one request value matches one policy value.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    assert holds(ANY_TAG, {"aws:TagKeys": keys}) is expected


@pytest.mark.parametrize("context", [{}, {"aws:TagKeys": []}])
def test_for_any_value_is_false_for_absent_or_empty_key(holds, context):
    """ForAnyValue returns false when the key is absent or empty.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    assert not holds(ANY_TAG, context)


@pytest.mark.parametrize(("keys", "expected"), [
    (["key2"], True),
    (["key1", "key1-personnel"], False),
    (["key1", "key3"], False),
    (None, True),
])
def test_for_all_values_with_negated_operator_tests_each_value(holds, keys, expected):
    """ForAllValues:StringNotLike key1*: each value must match none (digest A13: [key1, key3] is no match).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
    """
    context = {} if keys is None else {"aws:TagKeys": keys}
    assert holds({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}, context) is expected


@pytest.mark.parametrize(("keys", "expected"), [
    (["key1", "key3"], True),
    (["key1", "key1-hr"], False),
    ([], False),
    (None, False),
])
def test_for_any_value_with_negated_operator(holds, keys, expected):
    """ForAnyValue:StringNotLike: some request value matches none of the patterns; absent is false.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
    """
    context = {} if keys is None else {"aws:TagKeys": keys}
    assert holds({"ForAnyValue:StringNotLike": {"aws:TagKeys": "key1*"}}, context) is expected


def test_for_all_values_with_null_false_requires_the_key(holds):
    """Pair ForAllValues with Null false so that an absent key does not pass.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    condition = {**ALLOWED_TAGS, "Null": {"aws:TagKeys": "false"}}
    assert not holds(condition, {})
    assert holds(condition, {"aws:TagKeys": ["environment"]})
    assert not holds(condition, {"aws:TagKeys": ["owner"]})


def test_for_all_values_string_like_layer_example(holds):
    """Lambda's layer example: every layer must come from account 123456789012.

    https://docs.aws.amazon.com/lambda/latest/dg/access-control-identity-based.html
    """
    condition = {"ForAllValues:StringLike": {"lambda:Layer": "arn:aws:lambda:*:123456789012:layer:*:*"}}
    mine = "arn:aws:lambda:us-east-1:123456789012:layer:shared:3"
    theirs = "arn:aws:lambda:us-east-1:111122223333:layer:shared:1"
    assert holds(condition, {"lambda:Layer": [mine]})
    assert not holds(condition, {"lambda:Layer": [mine, theirs]})


def test_for_all_values_subnets_example(holds):
    """Lambda's VPC example: allow only when every subnet is one of the listed ones.

    https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#vpc-conditions
    """
    condition = {"ForAllValues:StringEquals": {"lambda:SubnetIds": ["subnet-1", "subnet-2"]}}
    assert holds(condition, {"lambda:SubnetIds": ["subnet-2", "subnet-1"]})
    assert not holds(condition, {"lambda:SubnetIds": ["subnet-1", "subnet-9"]})


def test_deny_for_any_value_security_groups_example(decide, user):
    """Lambda's VPC example: Deny when any security group is a forbidden one.

    https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#vpc-conditions
    """
    statements = [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
                  {"Effect": "Deny", "Action": "lambda:CreateFunction", "Resource": "*",
                   "Condition": {"ForAnyValue:StringEquals": {"lambda:SecurityGroupIds": ["sg-bad"]}}}]
    bad = decide(statements, Request(user(), "lambda:CreateFunction", FN,
                                     {"lambda:SecurityGroupIds": ["sg-ok", "sg-bad"]}))
    good = decide(statements, Request(user(), "lambda:CreateFunction", FN, {"lambda:SecurityGroupIds": ["sg-ok"]}))
    none = decide(statements, Request(user(), "lambda:CreateFunction", FN))
    assert bad.outcome is Outcome.EXPLICIT_DENY and bad.denied_by is PolicyType.IDENTITY
    assert good.outcome is Outcome.ALLOW and none.outcome is Outcome.ALLOW


def test_set_operator_on_single_string_treats_it_as_one_value(holds):
    """A single-valued key under a set operator is a one-element set.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    assert holds({"ForAnyValue:StringEquals": {"aws:RequestedRegion": "us-east-1"}},
                 {"aws:RequestedRegion": "us-east-1"})
    assert not holds({"ForAllValues:StringEquals": {"aws:RequestedRegion": "us-east-1"}},
                     {"aws:RequestedRegion": "eu-west-1"})


def test_set_operators_with_ignore_case_and_if_exists(holds):
    """The qualifier combines with any operator, including IgnoreCase and IfExists forms.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert holds({"ForAllValues:StringEqualsIgnoreCase": {"aws:TagKeys": ["Env", "Owner"]}},
                 {"aws:TagKeys": ["env", "OWNER"]})
    assert not holds({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "env"}}, {"aws:TagKeys": ["x"]})
    assert holds({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "env"}}, {})


def test_for_any_value_arn_like(holds):
    """Set qualifiers work with ARN operators too.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    condition = {"ForAnyValue:ArnLike": {"lambda:Layer": "arn:aws:lambda:*:111122223333:layer:*"}}
    assert holds(condition, {"lambda:Layer": ["arn:aws:lambda:us-east-1:123456789012:layer:a:1",
                                              "arn:aws:lambda:us-east-1:111122223333:layer:b:2"]})
    assert not holds(condition, {"lambda:Layer": ["arn:aws:lambda:us-east-1:123456789012:layer:a:1"]})
