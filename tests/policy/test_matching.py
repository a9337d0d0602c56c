"""Action, NotAction, Resource and NotResource matching, wildcards and Lambda's qualified ARNs."""

from __future__ import annotations

import pytest

from lamina.policy import Effect, Outcome, PolicyType, Reason, Request

ACCT = "123456789012"
FN = f"arn:aws:lambda:us-east-1:{ACCT}:function:my-function"
LAMBDA = f"arn:aws:lambda:us-east-1:{ACCT}:function"


def allow(action="lambda:GetFunction", resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


@pytest.fixture
def outcome(decide, user):
    """``outcome(statements, action, resource)``: the outcome for alice."""
    return lambda statements, action, resource=FN: decide(statements, Request(user(), action, resource)).outcome


# --- Action --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["lambda:GetFunction", "LAMBDA:getfunction", "Lambda:GETFUNCTION"])
def test_action_matching_is_case_insensitive(outcome, pattern):
    """Service prefix and action name are case-insensitive (iam:ListAccessKeys == IAM:listaccesskeys).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    assert outcome([allow(pattern)], "lambda:GetFunction") is Outcome.ALLOW


@pytest.mark.parametrize(("pattern", "action", "expected"), [
    ("lambda:Get*", "lambda:GetFunction", Outcome.ALLOW),
    ("lambda:Get*", "lambda:GetPolicy", Outcome.ALLOW),
    ("lambda:Get*", "lambda:ListFunctions", Outcome.IMPLICIT_DENY),
    ("lambda:*Function*", "lambda:UpdateFunctionCode", Outcome.ALLOW),
    ("lambda:*Function*", "lambda:GetPolicy", Outcome.IMPLICIT_DENY),
    ("lambda:*", "iam:GetUser", Outcome.IMPLICIT_DENY),
    ("*", "iam:GetUser", Outcome.ALLOW),
    ("lambda:GetFunctio?", "lambda:GetFunction", Outcome.ALLOW),
    ("lambda:GetFunction?", "lambda:GetFunction", Outcome.IMPLICIT_DENY),
    ("lambda:GetFunction", "lambda:GetFunctionConfiguration", Outcome.IMPLICIT_DENY),
])
def test_action_wildcards(outcome, pattern, action, expected):
    """`*` matches any run of characters and `?` exactly one, anywhere in the action name.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    assert outcome([allow(pattern)], action) is expected


def test_action_list_is_an_or(outcome):
    """Several actions in one statement: any of them matches.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    statements = [allow(["lambda:ListFunctions", "lambda:GetFunction"])]
    assert outcome(statements, "lambda:GetFunction") is Outcome.ALLOW
    assert outcome(statements, "lambda:DeleteFunction") is Outcome.IMPLICIT_DENY


def test_interplay_example_explicit_and_implicit_deny(decide, user):
    """Allow iam:Get*/iam:List* + Deny iam:*Report: GenerateCredentialReport explicit, CreatePolicy implicit.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html
    """
    statements = [allow(["iam:Get*", "iam:List*"]), {"Effect": "Deny", "Action": "iam:*Report", "Resource": "*"}]
    report = decide(statements, Request(user(), "iam:GenerateCredentialReport", "*", resource_account=ACCT))
    create = decide(statements, Request(user(), "iam:CreatePolicy", "*", resource_account=ACCT))
    listed = decide(statements, Request(user(), "iam:ListUsers", "*", resource_account=ACCT))
    assert report.outcome is Outcome.EXPLICIT_DENY
    assert report.reasons == (Reason("p", PolicyType.IDENTITY, 1, None, Effect.DENY),)
    assert create.outcome is Outcome.IMPLICIT_DENY and create.reasons == ()
    assert listed.outcome is Outcome.ALLOW


# --- NotAction --------------------------------------------------------------------------------------------------


def test_not_action_allows_every_other_action(outcome):
    """Allow NotAction iam:* with Resource "*" allows everything but IAM.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    """
    statements = [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]
    assert outcome(statements, "lambda:GetFunction") is Outcome.ALLOW
    assert outcome(statements, "IAM:GetUser", f"arn:aws:iam::{ACCT}:user/bob") is Outcome.IMPLICIT_DENY


def test_not_action_is_case_insensitive(outcome):
    """NotAction patterns compare without case, like Action.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    """
    statements = [{"Effect": "Allow", "NotAction": "LAMBDA:DELETE*", "Resource": "*"}]
    assert outcome(statements, "lambda:DeleteFunction") is Outcome.IMPLICIT_DENY
    assert outcome(statements, "lambda:GetFunction") is Outcome.ALLOW


def test_not_action_with_allow_is_still_scoped_by_resource(outcome):
    """Allow NotAction s3:DeleteBucket on arn:aws:s3:::* does not allow ListAllMyBuckets ("*") or other ARNs.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    """
    statements = [{"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"}]
    assert outcome(statements, "s3:GetObject", "arn:aws:s3:::bucket/key") is Outcome.ALLOW
    assert outcome(statements, "s3:DeleteBucket", "arn:aws:s3:::bucket") is Outcome.IMPLICIT_DENY
    assert outcome(statements, "s3:ListAllMyBuckets", "*") is Outcome.IMPLICIT_DENY
    assert outcome(statements, "lambda:GetFunction", FN) is Outcome.IMPLICIT_DENY


def test_deny_not_action_denies_everything_not_listed(decide, user):
    """Deny NotAction iam:* denies every non-IAM action, leaving IAM to the Allow.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    """
    statements = [allow("*"), {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}]
    denied = decide(statements, Request(user(), "lambda:GetFunction", FN))
    iam = decide(statements, Request(user(), "iam:GetUser", f"arn:aws:iam::{ACCT}:user/alice"))
    assert denied.outcome is Outcome.EXPLICIT_DENY and denied.denied_by is PolicyType.IDENTITY
    assert iam.outcome is Outcome.ALLOW


# --- Resource ---------------------------------------------------------------------------------------------------


def test_resource_matching_is_case_sensitive(outcome):
    """ARNs compare case-sensitively (Lambda function names are case-sensitive).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    assert outcome([allow(resource=f"{LAMBDA}:My-Function")], "lambda:GetFunction") is Outcome.IMPLICIT_DENY
    assert outcome([allow(resource=f"{LAMBDA}:my-function")], "lambda:GetFunction") is Outcome.ALLOW


def test_iam_user_name_in_resource_is_case_sensitive(outcome):
    """"In the Resource element, the IAM user name is case sensitive."

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    statements = [allow("iam:GetUser", f"arn:aws:iam::{ACCT}:user/Bob")]
    assert outcome(statements, "iam:GetUser", f"arn:aws:iam::{ACCT}:user/bob") is Outcome.IMPLICIT_DENY


@pytest.mark.parametrize(("pattern", "resource", "expected"), [
    (f"{LAMBDA}:my*", f"{LAMBDA}:my-function:2", Outcome.ALLOW),
    ("arn:aws:lambda:*:*:*", FN, Outcome.ALLOW),
    ("arn:aws:lambda:*:*:function:my-function", FN, Outcome.ALLOW),
    (f"arn:aws:iam::{ACCT}:user/*", f"arn:aws:iam::{ACCT}:user/division/team/alice", Outcome.ALLOW),
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c.txt", Outcome.ALLOW),
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", Outcome.IMPLICIT_DENY),
    ("*", f"arn:aws:iam::{ACCT}:role/x", Outcome.ALLOW),
])
def test_star_matches_across_colons_and_slashes(outcome, pattern, resource, expected):
    """`*` expands across `/` and, at the end of a segment, beyond `:` (function:myFunction* matches :2).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    assert outcome([allow("*", pattern)], "lambda:GetFunction", resource) is expected


@pytest.mark.parametrize(("pattern", "expected"), [
    (f"{LAMBDA}:my-functio?", Outcome.ALLOW),
    (f"{LAMBDA}:my-?unction", Outcome.ALLOW),
    (f"{LAMBDA}:my-function?", Outcome.IMPLICIT_DENY),
    (f"{LAMBDA}:my-functi?", Outcome.IMPLICIT_DENY),
])
def test_question_mark_matches_exactly_one_character(outcome, pattern, expected):
    """`?` matches exactly one character, never zero.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    assert outcome([allow(resource=pattern)], "lambda:GetFunction") is expected


def test_dot_in_resource_is_literal(outcome):
    """Only `*` and `?` are wildcards; other characters (like `.`) match themselves.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    statements = [allow("*", "arn:aws:s3:::my.bucket/*")]
    assert outcome(statements, "s3:GetObject", "arn:aws:s3:::myXbucket/key") is Outcome.IMPLICIT_DENY
    assert outcome(statements, "s3:GetObject", "arn:aws:s3:::my.bucket/key") is Outcome.ALLOW


def test_resource_list_is_an_or(outcome):
    """Several resources in one statement: any of them matches.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    statements = [allow(resource=[f"{LAMBDA}:other", FN])]
    assert outcome(statements, "lambda:GetFunction") is Outcome.ALLOW
    assert outcome(statements, "lambda:GetFunction", f"{LAMBDA}:third") is Outcome.IMPLICIT_DENY


def test_action_without_resource_type_needs_star(outcome):
    """Actions with no resource type (lambda:ListFunctions) are checked against "*".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    statements = [allow("lambda:ListFunctions", f"{LAMBDA}:*")]
    assert outcome(statements, "lambda:ListFunctions", "*") is Outcome.IMPLICIT_DENY
    assert outcome([allow("lambda:ListFunctions", "*")], "lambda:ListFunctions", "*") is Outcome.ALLOW


# --- NotResource ------------------------------------------------------------------------------------------------


def test_allow_not_resource_allows_every_other_resource(outcome):
    """Allow NotResource matches every resource except those listed.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    """
    statements = [{"Effect": "Allow", "Action": "lambda:*", "NotResource": f"{LAMBDA}:payroll*"}]
    assert outcome(statements, "lambda:GetFunction") is Outcome.ALLOW
    assert outcome(statements, "lambda:GetFunction", f"{LAMBDA}:payroll") is Outcome.IMPLICIT_DENY
    assert outcome(statements, "iam:GetUser", FN) is Outcome.IMPLICIT_DENY


def test_deny_not_resource_denies_everything_not_listed(decide, user):
    """Deny NotResource (the HRBucket/Payroll example) denies all resources but the listed ones.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    """
    statements = [allow("s3:*", "*"),
                  {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::HRBucket/Payroll",
                                                                       "arn:aws:s3:::HRBucket/Payroll/*"]}]
    payroll = decide(statements, Request(user(), "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan.csv"))
    other = decide(statements, Request(user(), "s3:GetObject", "arn:aws:s3:::HRBucket/Other/x"))
    assert payroll.outcome is Outcome.ALLOW
    assert other.outcome is Outcome.EXPLICIT_DENY


# --- Lambda qualified and unqualified ARNs ----------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "resource", "expected"), [
    (f"{LAMBDA}:myFunction", f"{LAMBDA}:myFunction", Outcome.ALLOW),
    (f"{LAMBDA}:myFunction", f"{LAMBDA}:myFunction:1", Outcome.IMPLICIT_DENY),
    (f"{LAMBDA}:myFunction:1", f"{LAMBDA}:myFunction:1", Outcome.ALLOW),
    (f"{LAMBDA}:myFunction:1", f"{LAMBDA}:myFunction:2", Outcome.IMPLICIT_DENY),
    (f"{LAMBDA}:myFunction:1", f"{LAMBDA}:myFunction", Outcome.IMPLICIT_DENY),
    (f"{LAMBDA}:myFunction:*", f"{LAMBDA}:myFunction:prod", Outcome.ALLOW),
    (f"{LAMBDA}:myFunction:*", f"{LAMBDA}:myFunction", Outcome.IMPLICIT_DENY),
    (f"{LAMBDA}:myFunction*", f"{LAMBDA}:myFunction", Outcome.ALLOW),
    (f"{LAMBDA}:myFunction*", f"{LAMBDA}:myFunction:prod", Outcome.ALLOW),
    (f"{LAMBDA}:myFunction*", f"{LAMBDA}:myFunction2", Outcome.ALLOW),
])
def test_lambda_qualified_and_unqualified_arns(outcome, pattern, resource, expected):
    """function:myFunction = unqualified only; :1 = that version; :* = any qualifier; myFunction* = both.

    https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
    """
    assert outcome([allow("lambda:InvokeFunction", pattern)], "lambda:InvokeFunction", resource) is expected


def test_lambda_wildcard_account_and_region_example(outcome):
    """The Lambda guide's arn:aws:lambda:*:*:function:intern-* pattern matches any region and account.

    https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
    """
    statements = [allow("lambda:*", "arn:aws:lambda:*:*:function:intern-*")]
    resource = f"arn:aws:lambda:eu-west-1:{ACCT}:function:intern-test"
    assert outcome(statements, "lambda:UpdateFunctionCode", resource) is Outcome.ALLOW
    assert outcome(statements, "lambda:UpdateFunctionCode", FN) is Outcome.IMPLICIT_DENY


# --- reasons -------------------------------------------------------------------------------------------------


def test_reasons_name_each_matching_statement(decide, user):
    """The decision lists every applicable Allow statement, with its index and Sid.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """
    statements = [allow("iam:*", Sid="Iam"), allow("lambda:Get*", Sid="Read"), allow("lambda:*")]
    decision = decide(statements, Request(user(), "lambda:GetFunction", FN))
    assert decision.outcome is Outcome.ALLOW and decision.denied_by is None
    assert decision.reasons == (Reason("p", PolicyType.IDENTITY, 1, "Read", Effect.ALLOW),
                                Reason("p", PolicyType.IDENTITY, 2, None, Effect.ALLOW))
