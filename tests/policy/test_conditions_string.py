"""String condition operators, key-name case, and the AND/OR/NOR logic of a Condition block."""

from __future__ import annotations

import pytest

from lamina.policy import Outcome, PolicyType, Request

FN = "arn:aws:lambda:us-east-1:123456789012:function:my-function"


@pytest.mark.parametrize(("value", "expected"), [("prod", True), ("Prod", False), ("prod ", False), ("pro", False)])
def test_string_equals_is_exact_and_case_sensitive(holds, value, expected):
    """StringEquals: exact matching, case-sensitive.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert holds({"StringEquals": {"aws:ResourceTag/env": "prod"}}, {"aws:ResourceTag/env": value}) is expected


def test_multiple_values_of_one_key_are_an_or(holds):
    """Several values for one key: the condition holds if any of them matches.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
    """
    condition = {"StringEquals": {"aws:PrincipalTag/team": ["blue", "green"]}}
    assert holds(condition, {"aws:PrincipalTag/team": "green"})
    assert not holds(condition, {"aws:PrincipalTag/team": "red"})


def test_several_keys_in_one_operator_are_an_and(holds):
    """Several keys under one operator must all hold.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
    """
    condition = {"StringEquals": {"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "us-east-1"}}
    assert holds(condition, {"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "us-east-1"})
    assert not holds(condition, {"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "eu-west-1"})


def test_several_operators_are_an_and(holds):
    """Several operators in one Condition block must all hold.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
    """
    condition = {"StringEquals": {"aws:PrincipalTag/team": "blue"}, "StringLike": {"aws:RequestedRegion": "us-*"}}
    assert holds(condition, {"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "us-west-2"})
    assert not holds(condition, {"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "ap-south-1"})


@pytest.mark.parametrize(("value", "expected"), [("red", True), ("blue", False), ("green", False), ("Blue", True)])
def test_string_not_equals_with_several_values_is_a_nor(holds, value, expected):
    """A negated operator with several values must match none of them.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
    """
    condition = {"StringNotEquals": {"aws:PrincipalTag/team": ["blue", "green"]}}
    assert holds(condition, {"aws:PrincipalTag/team": value}) is expected


@pytest.mark.parametrize(("value", "expected"), [("PROD", True), ("prod", True), ("Prod", True), ("dev", False)])
def test_string_equals_ignore_case(holds, value, expected):
    """StringEqualsIgnoreCase compares without case.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert holds({"StringEqualsIgnoreCase": {"aws:ResourceTag/env": "Prod"}}, {"aws:ResourceTag/env": value}) \
        is expected


def test_string_not_equals_ignore_case(holds):
    """StringNotEqualsIgnoreCase is the negation of StringEqualsIgnoreCase.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    condition = {"StringNotEqualsIgnoreCase": {"aws:ResourceTag/env": "prod"}}
    assert not holds(condition, {"aws:ResourceTag/env": "PROD"})
    assert holds(condition, {"aws:ResourceTag/env": "dev"})


@pytest.mark.parametrize(("value", "expected"), [
    ("home/alice/notes.txt", True),
    ("home/alice/", True),
    ("home/bob/notes.txt", False),
    ("Home/alice/x", False),
    ("myhome/alice/x", False),
])
def test_string_like_star_is_any_run_and_case_sensitive(holds, value, expected):
    """StringLike: `*` matches any run of characters (including none); case-sensitive.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert holds({"StringLike": {"s3:prefix": "home/alice/*"}}, {"s3:prefix": value}) is expected


@pytest.mark.parametrize(("value", "expected"), [("v1", True), ("v9", True), ("v10", False), ("v", False)])
def test_string_like_question_mark_is_one_character(holds, value, expected):
    """StringLike: `?` matches exactly one character.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert holds({"StringLike": {"aws:ResourceTag/version": "v?"}}, {"aws:ResourceTag/version": value}) is expected


def test_string_like_treats_regex_characters_literally(holds):
    """Only `*` and `?` are special in StringLike; `.` and `+` match themselves.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    condition = {"StringLike": {"aws:ResourceTag/host": "a.b+*"}}
    assert holds(condition, {"aws:ResourceTag/host": "a.b+c"})
    assert not holds(condition, {"aws:ResourceTag/host": "axbbc"})


def test_string_not_like(holds):
    """StringNotLike holds when the value matches none of the patterns.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    condition = {"StringNotLike": {"aws:ResourceTag/env": ["prod*", "stag*"]}}
    assert holds(condition, {"aws:ResourceTag/env": "dev"})
    assert not holds(condition, {"aws:ResourceTag/env": "staging"})


@pytest.mark.parametrize(("policy_key", "context_key"), [
    ("aws:SourceAccount", "AWS:SOURCEACCOUNT"),
    ("AWS:sourceaccount", "aws:SourceAccount"),
    ("aws:RequestTag/TagKey1", "aws:requesttag/tagkey1"),
])
def test_condition_key_names_are_case_insensitive(holds, policy_key, context_key):
    """Key names compare without case (aws:SourceIP == AWS:SourceIp), tag-key parts included.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """
    assert holds({"StringEquals": {policy_key: "123456789012"}}, {context_key: "123456789012"})


def test_missing_key_makes_a_positive_operator_false(holds):
    """"If the key ... is not present in the request context, the values do not match and the condition is false."

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """
    assert not holds({"StringEquals": {"aws:PrincipalTag/team": "blue"}}, {})
    assert not holds({"StringLike": {"aws:PrincipalTag/team": "*"}}, {"aws:PrincipalTag/other": "x"})


def test_non_string_values_compare_as_text(holds):
    """Booleans become "true"/"false" and numbers their decimal text for string operators.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert holds({"StringEquals": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": True})
    assert holds({"StringEquals": {"aws:ResourceTag/n": 5}}, {"aws:ResourceTag/n": "5"})
    assert holds({"StringEquals": {"aws:ResourceTag/n": "5"}}, {"aws:ResourceTag/n": 5})


def test_single_valued_operator_on_a_multivalued_key(holds):
    """A plain StringEquals over a list holds if any value matches; StringNotEquals only if none does.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    context = {"lambda:SubnetIds": ["subnet-1", "subnet-2"]}
    assert holds({"StringEquals": {"lambda:SubnetIds": "subnet-1"}}, context)
    assert not holds({"StringNotEquals": {"lambda:SubnetIds": "subnet-1"}}, context)
    assert holds({"StringNotEquals": {"lambda:SubnetIds": "subnet-3"}}, context)


def test_condition_gates_a_deny(decide, user):
    """A Deny with a Condition takes effect only when the condition holds.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """
    statements = [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
                  {"Effect": "Deny", "Action": "lambda:*", "Resource": "*",
                   "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]
    eu = decide(statements, Request(user(), "lambda:GetFunction", FN, {"aws:RequestedRegion": "eu-west-1"}))
    us = decide(statements, Request(user(), "lambda:GetFunction", FN, {"aws:RequestedRegion": "us-east-1"}))
    assert eu.outcome is Outcome.EXPLICIT_DENY and eu.denied_by is PolicyType.IDENTITY
    assert us.outcome is Outcome.ALLOW


def test_lambda_abac_resource_tag_example(decide, user):
    """Lambda ABAC: allow when aws:ResourceTag/project equals the principal's project tag value.

    https://docs.aws.amazon.com/lambda/latest/dg/attribute-based-access-control.html
    """
    statements = [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*",
                   "Condition": {"StringEquals": {"aws:ResourceTag/project": "red"}}}]
    red = decide(statements, Request(user(), "lambda:InvokeFunction", FN, {"aws:ResourceTag/project": "red"}))
    untagged = decide(statements, Request(user(), "lambda:InvokeFunction", FN))
    assert red.outcome is Outcome.ALLOW
    assert untagged.outcome is Outcome.IMPLICIT_DENY and untagged.denied_by is PolicyType.IDENTITY
