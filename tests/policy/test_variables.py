"""Policy variables: substitution in Resource and in condition values, defaults, escapes, Version."""

from __future__ import annotations

import pytest

from lamina.policy import Outcome, Request

ACCT = "123456789012"
USERS = f"arn:aws:iam::{ACCT}:user"
ALICE = {"aws:username": "alice"}


def allow(resource, action="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


@pytest.fixture
def outcome(decide, user):
    """``outcome(statements_or_doc, resource, context)``: the outcome of alice's s3:GetObject."""
    return lambda doc, resource, context=ALICE: decide(doc, Request(user(), "s3:GetObject", resource,
                                                                    context)).outcome


def test_username_in_resource(outcome):
    """${aws:username} in Resource: each user manages only their own IAM user.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    statements = [allow(f"{USERS}/${{aws:username}}")]
    assert outcome(statements, f"{USERS}/alice") is Outcome.ALLOW
    assert outcome(statements, f"{USERS}/bob") is Outcome.IMPLICIT_DENY


def test_home_folder_example(outcome):
    """The home-folder pattern: arn:aws:s3:::bucket/home/${aws:username}/*.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    statements = [allow("arn:aws:s3:::bucket/home/${aws:username}/*")]
    assert outcome(statements, "arn:aws:s3:::bucket/home/alice/notes.txt") is Outcome.ALLOW
    assert outcome(statements, "arn:aws:s3:::bucket/home/bob/notes.txt") is Outcome.IMPLICIT_DENY


def test_lambda_function_name_prefix_from_username(outcome):
    """A variable inside a Lambda ARN pattern: functions named after the user.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    statements = [allow("arn:aws:lambda:*:*:function:${aws:username}-*")]
    assert outcome(statements, f"arn:aws:lambda:us-east-1:{ACCT}:function:alice-api") is Outcome.ALLOW
    assert outcome(statements, f"arn:aws:lambda:us-east-1:{ACCT}:function:bob-api") is Outcome.IMPLICIT_DENY


def test_userid_of_a_role_session_in_resource(decide, session):
    """${aws:userid} (role-id:session-name for a role session) is substituted as written, colon included.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    statements = [allow("arn:aws:s3:::bucket/${aws:userid}/*")]
    context = {"aws:userid": "AROAEXAMPLEID:s1"}
    mine = Request(session(), "s3:GetObject", "arn:aws:s3:::bucket/AROAEXAMPLEID:s1/x", context)
    other = Request(session(), "s3:GetObject", "arn:aws:s3:::bucket/AROAEXAMPLEID:s2/x", context)
    assert decide(statements, mine).outcome is Outcome.ALLOW
    assert decide(statements, other).outcome is Outcome.IMPLICIT_DENY


def test_variable_key_names_are_case_insensitive(outcome):
    """Variable key names compare without case, like condition keys.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    assert outcome([allow(f"{USERS}/${{AWS:UserName}}")], f"{USERS}/alice") is Outcome.ALLOW


def test_substituted_value_is_literal_text(outcome):
    """A `*` inside a variable's value is not a wildcard.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    statements = [allow(f"{USERS}/${{aws:username}}")]
    assert outcome(statements, f"{USERS}/abc", {"aws:username": "a*"}) is Outcome.IMPLICIT_DENY
    assert outcome(statements, f"{USERS}/a*", {"aws:username": "a*"}) is Outcome.ALLOW


def test_principal_tag_in_condition_value(holds):
    """${aws:PrincipalTag/team} in a condition: resource and principal must carry the same team.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    condition = {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}
    assert holds(condition, {"aws:ResourceTag/team": "blue", "aws:PrincipalTag/team": "blue"})
    assert not holds(condition, {"aws:ResourceTag/team": "blue", "aws:PrincipalTag/team": "red"})
    assert not holds(condition, {"aws:ResourceTag/team": "blue"})


def test_missing_variable_in_negated_condition_is_true(decide, user):
    """Deny StringNotEquals ExistingObjectTag/Team ${aws:PrincipalTag/Team}: an untagged principal is denied.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    statements = [allow("*"), {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {
        "StringNotEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}}}]
    tag = {"s3:ExistingObjectTag/Team": "blue"}
    untagged = decide(statements, Request(user(), "s3:GetObject", "arn:aws:s3:::b/k", tag))
    same = decide(statements, Request(user(), "s3:GetObject", "arn:aws:s3:::b/k",
                                      {**tag, "aws:PrincipalTag/Team": "blue"}))
    assert untagged.outcome is Outcome.EXPLICIT_DENY
    assert same.outcome is Outcome.ALLOW


def test_source_ip_as_variable_in_condition(holds):
    """Any single-valued key can be a variable: ${aws:SourceIp} in a StringEquals value.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    condition = {"StringEquals": {"aws:ResourceTag/allowed-ip": "${aws:SourceIp}"}}
    assert holds(condition, {"aws:SourceIp": "203.0.113.7", "aws:ResourceTag/allowed-ip": "203.0.113.7"})
    assert not holds(condition, {"aws:SourceIp": "203.0.113.8", "aws:ResourceTag/allowed-ip": "203.0.113.7"})


def test_source_ip_as_variable_in_resource(outcome):
    """${aws:SourceIp} substituted into a Resource pattern.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    statements = [allow("arn:aws:s3:::logs/${aws:SourceIp}/*")]
    context = {"aws:SourceIp": "203.0.113.7"}
    assert outcome(statements, "arn:aws:s3:::logs/203.0.113.7/a", context) is Outcome.ALLOW
    assert outcome(statements, "arn:aws:s3:::logs/203.0.113.8/a", context) is Outcome.IMPLICIT_DENY


def test_variable_in_string_like_keeps_wildcards_around_it(holds):
    """StringLike "${aws:username}-*": the pattern's own `*` stays a wildcard.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    condition = {"StringLike": {"s3:prefix": "${aws:username}/*"}}
    assert holds(condition, {"aws:username": "alice", "s3:prefix": "alice/docs"})
    assert not holds(condition, {"aws:username": "alice", "s3:prefix": "bob/docs"})


def test_variable_in_arn_operator_value(holds):
    """Variables are allowed in ARN operator values.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    condition = {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::${aws:PrincipalTag/bucket}"}}
    assert holds(condition, {"aws:PrincipalTag/bucket": "mine", "aws:SourceArn": "arn:aws:s3:::mine"})
    assert not holds(condition, {"aws:PrincipalTag/bucket": "mine", "aws:SourceArn": "arn:aws:s3:::other"})


def test_default_value_when_key_is_missing(holds):
    """${aws:PrincipalTag/team, 'company-wide'} falls back to the default when the tag is absent.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    condition = {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'company-wide'}"}}
    assert holds(condition, {"aws:ResourceTag/team": "company-wide"})
    assert holds(condition, {"aws:ResourceTag/team": "blue", "aws:PrincipalTag/team": "blue"})
    assert not holds(condition, {"aws:ResourceTag/team": "company-wide", "aws:PrincipalTag/team": "blue"})


def test_default_value_in_resource(outcome):
    """A default value works in Resource too.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    statements = [allow("arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/*")]
    assert outcome(statements, "arn:aws:s3:::bucket/shared/x", {}) is Outcome.ALLOW
    assert outcome(statements, "arn:aws:s3:::bucket/ops/x", {"aws:PrincipalTag/team": "ops"}) is Outcome.ALLOW


@pytest.mark.parametrize(("pattern", "literal", "other"), [
    ("arn:aws:s3:::bucket/${*}", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/x"),
    ("arn:aws:s3:::bucket/${?}", "arn:aws:s3:::bucket/?", "arn:aws:s3:::bucket/x"),
    ("arn:aws:s3:::bucket/${$}x", "arn:aws:s3:::bucket/$x", "arn:aws:s3:::bucket/x"),
])
def test_escapes_are_literal_characters(outcome, pattern, literal, other):
    """${*}, ${?} and ${$} stand for a literal `*`, `?` and `$`.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    assert outcome([allow(pattern)], literal, {}) is Outcome.ALLOW
    assert outcome([allow(pattern)], other, {}) is Outcome.IMPLICIT_DENY


@pytest.mark.parametrize("version", ["2008-10-17", None])
def test_old_or_missing_version_keeps_variables_literal(outcome, version):
    """With Version 2008-10-17 or no Version, ${aws:username} is plain text.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    """
    doc = {"Statement": [allow(f"{USERS}/${{aws:username}}")]}
    if version:
        doc["Version"] = version
    assert outcome(doc, f"{USERS}/alice") is Outcome.IMPLICIT_DENY
    assert outcome(doc, f"{USERS}/${{aws:username}}") is Outcome.ALLOW


def test_old_version_keeps_condition_variables_literal(decide, user):
    """Without Version 2012-10-17 a condition value's ${...} is compared as written.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    doc = {"Statement": [allow("*", Condition={"StringEquals": {"aws:ResourceTag/o": "${aws:username}"}})]}
    substituted = Request(user(), "s3:GetObject", "arn:aws:s3:::b/k", {**ALICE, "aws:ResourceTag/o": "alice"})
    literal = Request(user(), "s3:GetObject", "arn:aws:s3:::b/k", {"aws:ResourceTag/o": "${aws:username}"})
    assert decide(doc, substituted).outcome is Outcome.IMPLICIT_DENY
    assert decide(doc, literal).outcome is Outcome.ALLOW


def test_missing_value_in_resource_matches_nothing(decide, session):
    """"The resource that includes a policy variable with no value will not match any resource."

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    statements = [allow(f"{USERS}/${{aws:username}}"), allow("arn:aws:s3:::bucket/${aws:username}*")]
    role = session()  # aws:username is absent for role sessions
    assert decide(statements, Request(role, "s3:GetObject", f"{USERS}/")).outcome is Outcome.IMPLICIT_DENY
    assert decide(statements, Request(role, "s3:GetObject", "arn:aws:s3:::bucket/x")).outcome \
        is Outcome.IMPLICIT_DENY


def test_missing_value_in_not_resource_excludes_nothing(decide, session):
    """A NotResource pattern whose variable has no value matches nothing, so it excludes nothing.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    statements = [allow("*"), {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::b/${aws:username}/*"}]
    decision = decide(statements, Request(session(), "s3:GetObject", "arn:aws:s3:::b/alice/x"))
    assert decision.outcome is Outcome.EXPLICIT_DENY


def test_multivalued_key_is_not_a_variable(outcome):
    """Only single-valued keys can be variables; a multivalued one has no value.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    statements = [allow("arn:aws:s3:::bucket/${aws:TagKeys}")]
    assert outcome(statements, "arn:aws:s3:::bucket/env", {"aws:TagKeys": ["env"]}) is Outcome.IMPLICIT_DENY
