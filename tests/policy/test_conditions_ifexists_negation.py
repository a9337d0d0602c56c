"""Missing keys with negated operators, the IfExists suffix, and AWS's MFA guidance."""

from __future__ import annotations

import pytest

from lamina.policy import Effect, Outcome, PolicyType, Reason, Request

FN = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


@pytest.mark.parametrize(("operator", "key", "value"), [
    ("StringNotEquals", "aws:PrincipalTag/team", "blue"),
    ("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", "blue"),
    ("StringNotLike", "aws:PrincipalTag/team", "b*"),
    ("NumericNotEquals", "s3:max-keys", "10"),
    ("DateNotEquals", "aws:TokenIssueTime", "2024-01-01T00:00:00Z"),
    ("ArnNotEquals", "aws:SourceArn", "arn:aws:s3:::bucket"),
    ("ArnNotLike", "aws:SourceArn", "arn:aws:s3:::*"),
    ("NotIpAddress", "aws:SourceIp", "192.0.2.0/24"),
])
def test_negated_operator_with_missing_key_is_true(holds, operator, key, value):
    """A negated operator on an absent key is true ("the right key is not present, the condition is true").

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """
    assert holds({operator: {key: value}}, {})


@pytest.mark.parametrize(("operator", "key", "value"), [
    ("StringEquals", "aws:PrincipalTag/team", "blue"),
    ("StringLike", "aws:PrincipalTag/team", "*"),
    ("NumericLessThan", "s3:max-keys", "10"),
    ("DateLessThan", "aws:TokenIssueTime", "2030-01-01T00:00:00Z"),
    ("ArnLike", "aws:SourceArn", "arn:aws:s3:::*"),
    ("IpAddress", "aws:SourceIp", "0.0.0.0/0"),
    ("Bool", "aws:MultiFactorAuthPresent", "false"),
    ("BinaryEquals", "aws:ResourceTag/blob", "AAEC"),
])
def test_positive_operator_with_missing_key_is_false(holds, operator, key, value):
    """"If the key ... is not present in the request context, the values do not match and the condition is false."

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """
    assert not holds({operator: {key: value}}, {})


def test_deny_with_negated_operator_and_missing_tag_denies(decide, user):
    """Deny StringNotEquals aws:PrincipalTag/team: a principal without the tag is denied.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """
    statements = [ALLOW_ALL, {"Effect": "Deny", "Action": "lambda:*", "Resource": "*",
                              "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "blue"}}}]
    untagged = decide(statements, Request(user(), "lambda:GetFunction", FN))
    blue = decide(statements, Request(user(), "lambda:GetFunction", FN, {"aws:PrincipalTag/team": "blue"}))
    assert untagged.outcome is Outcome.EXPLICIT_DENY
    assert untagged.reasons == (Reason("p", PolicyType.IDENTITY, 1, None, Effect.DENY),)
    assert blue.outcome is Outcome.ALLOW


@pytest.mark.parametrize(("context", "expected"), [
    ({}, True),
    ({"aws:ResourceTag/env": "prod"}, True),
    ({"aws:ResourceTag/env": "dev"}, False),
])
def test_if_exists_is_true_when_absent_else_normal(holds, context, expected):
    """...IfExists: true when the key is absent; otherwise the operator's normal test.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
    """
    assert holds({"StringEqualsIfExists": {"aws:ResourceTag/env": "prod"}}, context) is expected


@pytest.mark.parametrize(("operator", "key", "present", "value"), [
    ("NumericLessThanIfExists", "s3:max-keys", "20", "10"),
    ("DateGreaterThanIfExists", "aws:CurrentTime", "2020-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
    ("ArnLikeIfExists", "aws:SourceArn", "arn:aws:s3:::other", "arn:aws:s3:::mine"),
    ("IpAddressIfExists", "aws:SourceIp", "198.51.100.1", "192.0.2.0/24"),
    ("BoolIfExists", "aws:SecureTransport", "false", "true"),
])
def test_if_exists_works_with_every_family(holds, operator, key, present, value):
    """IfExists can be added to any operator except Null.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
    """
    assert holds({operator: {key: value}}, {})
    assert not holds({operator: {key: value}}, {key: present})


def test_deny_string_not_equals_if_exists_with_missing_tag_still_denies(decide, user):
    """Deny + StringNotEqualsIfExists: "the request is still denied even if the tag is missing".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
    """
    statements = [ALLOW_ALL, {"Effect": "Deny", "Action": "*", "Resource": "*",
                              "Condition": {"StringNotEqualsIfExists": {"aws:ResourceTag/team": "blue"}}}]
    assert decide(statements, Request(user(), "lambda:GetFunction", FN)).outcome is Outcome.EXPLICIT_DENY
    red = Request(user(), "lambda:GetFunction", FN, {"aws:ResourceTag/team": "red"})
    blue = Request(user(), "lambda:GetFunction", FN, {"aws:ResourceTag/team": "blue"})
    assert decide(statements, red).outcome is Outcome.EXPLICIT_DENY
    assert decide(statements, blue).outcome is Outcome.ALLOW


# --- MFA guidance (aws:MultiFactorAuthPresent is absent for long-term keys) ----------------------------------

LONG_TERM: dict = {}
MFA_SESSION = {"aws:MultiFactorAuthPresent": True}
PLAIN_SESSION = {"aws:MultiFactorAuthPresent": False}


def mfa_outcome(decide, principal, effect, condition, context):
    statements = [{"Effect": effect, "Action": "lambda:*", "Resource": "*", "Condition": condition}]
    if effect == "Deny":
        statements.insert(0, ALLOW_ALL)
    return decide(statements, Request(principal, "lambda:GetFunction", FN, context)).outcome


@pytest.mark.parametrize(("context", "expected"), [
    (LONG_TERM, Outcome.ALLOW), (PLAIN_SESSION, Outcome.EXPLICIT_DENY), (MFA_SESSION, Outcome.ALLOW),
])
def test_deny_bool_false_does_not_deny_long_term_keys(decide, user, context, expected):
    """Deny + Bool MultiFactorAuthPresent false misses long-term keys (the key is absent).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
    """
    condition = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    assert mfa_outcome(decide, user(), "Deny", condition, context) is expected


@pytest.mark.parametrize(("context", "expected"), [
    (LONG_TERM, Outcome.EXPLICIT_DENY), (PLAIN_SESSION, Outcome.EXPLICIT_DENY), (MFA_SESSION, Outcome.ALLOW),
])
def test_deny_bool_if_exists_false_denies_long_term_keys(decide, user, context, expected):
    """Deny + BoolIfExists MultiFactorAuthPresent false also denies long-term keys.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
    """
    condition = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    assert mfa_outcome(decide, user(), "Deny", condition, context) is expected


@pytest.mark.parametrize(("context", "expected"), [
    (LONG_TERM, Outcome.ALLOW), (PLAIN_SESSION, Outcome.IMPLICIT_DENY), (MFA_SESSION, Outcome.ALLOW),
])
def test_allow_bool_if_exists_true(decide, user, context, expected):
    """Allow + BoolIfExists true: long-term keys and MFA sessions, not sessions without MFA.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
    """
    condition = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
    assert mfa_outcome(decide, user(), "Allow", condition, context) is expected


@pytest.mark.parametrize(("context", "expected"), [
    (LONG_TERM, Outcome.IMPLICIT_DENY), (PLAIN_SESSION, Outcome.IMPLICIT_DENY), (MFA_SESSION, Outcome.ALLOW),
])
def test_allow_bool_true_allows_only_mfa_sessions(decide, user, context, expected):
    """Allow + Bool true: only temporary credentials obtained with MFA.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
    """
    condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert mfa_outcome(decide, user(), "Allow", condition, context) is expected


@pytest.mark.parametrize(("context", "expected"), [
    (LONG_TERM, Outcome.IMPLICIT_DENY), (PLAIN_SESSION, Outcome.ALLOW), (MFA_SESSION, Outcome.ALLOW),
])
def test_allow_null_false_allows_any_temporary_credentials(decide, session, context, expected):
    """Allow + Null MultiFactorAuthPresent false: any temporary credentials, with or without MFA.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
    """
    condition = {"Null": {"aws:MultiFactorAuthPresent": "false"}}
    assert mfa_outcome(decide, session(), "Allow", condition, context) is expected


def test_deny_not_action_unless_mfa_example(decide, user):
    """Deny NotAction iam:* with BoolIfExists false: without MFA only IAM actions remain.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    """
    statements = [ALLOW_ALL, {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
                              "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]
    lam = decide(statements, Request(user(), "lambda:GetFunction", FN))
    iam = decide(statements, Request(user(), "iam:ChangePassword", "arn:aws:iam::123456789012:user/alice"))
    mfa = decide(statements, Request(user(), "lambda:GetFunction", FN, MFA_SESSION))
    assert lam.outcome is Outcome.EXPLICIT_DENY
    assert iam.outcome is Outcome.ALLOW and mfa.outcome is Outcome.ALLOW
