"""Numeric and Date condition operators."""

from __future__ import annotations

import pytest

from lamina.policy import Outcome, Request

FN = "arn:aws:lambda:us-east-1:123456789012:function:my-function"


@pytest.mark.parametrize(("operator", "value", "expected"), [
    ("NumericEquals", "10", True),
    ("NumericEquals", "11", False),
    ("NumericNotEquals", "11", True),
    ("NumericNotEquals", "10", False),
    ("NumericLessThan", "9", True),
    ("NumericLessThan", "10", False),
    ("NumericLessThanEquals", "10", True),
    ("NumericLessThanEquals", "11", False),
    ("NumericGreaterThan", "11", True),
    ("NumericGreaterThan", "10", False),
    ("NumericGreaterThanEquals", "10", True),
    ("NumericGreaterThanEquals", "9", False),
])
def test_numeric_operators_compare_request_value_to_policy_value(holds, operator, value, expected):
    """Each numeric operator compares the request's value (left) with the policy's (right).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
    """
    assert holds({operator: {"s3:max-keys": "10"}}, {"s3:max-keys": value}) is expected


@pytest.mark.parametrize(("policy_value", "request_value"), [
    ("10", 10), (10, "10"), ("10.0", "10"), ("1.50", 1.5), ("-3", "-3.000"), (10, 10.0),
])
def test_numbers_compare_as_decimals_from_text_or_json(holds, policy_value, request_value):
    """Integers and decimals compare by value, whether given as JSON numbers or as text.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
    """
    assert holds({"NumericEquals": {"s3:max-keys": policy_value}}, {"s3:max-keys": request_value})


def test_mfa_age_example(holds):
    """NumericLessThan aws:MultiFactorAuthAge 3600: MFA within the last hour.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthage
    """
    condition = {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}
    assert holds(condition, {"aws:MultiFactorAuthAge": 120})
    assert not holds(condition, {"aws:MultiFactorAuthAge": 7200})
    assert not holds(condition, {})


def test_numeric_values_of_one_key_are_an_or(holds):
    """Several numeric values: any one may match.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
    """
    condition = {"NumericEquals": {"s3:max-keys": ["10", "20"]}}
    assert holds(condition, {"s3:max-keys": "20"})
    assert not holds(condition, {"s3:max-keys": "30"})


def test_unparsable_numeric_request_value_never_matches(decide, user):
    """A request value that is not a number never matches, and the decision notes it.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
    """
    statements = [{"Effect": "Allow", "Action": "*", "Resource": "*",
                   "Condition": {"NumericLessThan": {"s3:max-keys": "10"}}}]
    decision = decide(statements, Request(user(), "s3:ListBucket", FN, {"s3:max-keys": "ten"}))
    assert decision.outcome is Outcome.IMPLICIT_DENY
    assert decision.diagnostics


def test_unparsable_numeric_policy_value_never_matches(holds):
    """A policy value that is not a number never matches (evaluation does not raise).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
    """
    assert not holds({"NumericEquals": {"s3:max-keys": "lots"}}, {"s3:max-keys": "10"})
    assert holds({"NumericEquals": {"s3:max-keys": ["lots", "10"]}}, {"s3:max-keys": "10"})


def test_epoch_time_with_numeric_operators(holds):
    """aws:EpochTime can be compared with numeric operators.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-epochtime
    """
    condition = {"NumericGreaterThanEquals": {"aws:EpochTime": 1700000000}}
    assert holds(condition, {"aws:EpochTime": 1700000001})
    assert not holds(condition, {"aws:EpochTime": 1699999999})


# --- Date ----------------------------------------------------------------------------------------------------

NOW = "2024-05-01T12:00:00Z"


@pytest.mark.parametrize(("operator", "policy_value", "expected"), [
    ("DateGreaterThan", "2024-01-01T00:00:00Z", True),
    ("DateGreaterThan", NOW, False),
    ("DateGreaterThanEquals", NOW, True),
    ("DateLessThan", "2024-12-31T23:59:59Z", True),
    ("DateLessThan", NOW, False),
    ("DateLessThanEquals", NOW, True),
    ("DateEquals", NOW, True),
    ("DateEquals", "2024-05-01T12:00:01Z", False),
    ("DateNotEquals", "2024-05-01T12:00:01Z", True),
    ("DateNotEquals", NOW, False),
])
def test_date_operators_compare_instants(holds, operator, policy_value, expected):
    """Date operators compare the request time with the policy's date.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
    """
    assert holds({operator: {"aws:CurrentTime": policy_value}}, {"aws:CurrentTime": NOW}) is expected


@pytest.mark.parametrize("policy_value", [
    "2024-05-01T14:00:00+02:00", "2024-05-01T07:00:00-05:00", "1714564800", 1714564800, "2024-05-01T12:00:00.000Z",
])
def test_equivalent_date_forms_are_the_same_instant(holds, policy_value):
    """ISO 8601 with Z or an offset, and epoch seconds, name the same instant.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
    """
    assert holds({"DateEquals": {"aws:CurrentTime": policy_value}}, {"aws:CurrentTime": NOW})


def test_epoch_seconds_on_the_request_side(holds):
    """The request value may be epoch seconds too.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
    """
    condition = {"DateLessThan": {"aws:EpochTime": "2024-05-01T12:00:01Z"}}
    assert holds(condition, {"aws:EpochTime": 1714564800})
    assert not holds(condition, {"aws:EpochTime": "1714564801"})


def test_date_without_time_is_midnight_utc(holds):
    """A date without a time (2024-05-01) is that day's start.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
    """
    assert holds({"DateGreaterThan": {"aws:CurrentTime": "2024-05-01"}}, {"aws:CurrentTime": NOW})
    assert not holds({"DateGreaterThan": {"aws:CurrentTime": "2024-05-02"}}, {"aws:CurrentTime": NOW})


def test_token_issue_time_example(holds):
    """DateGreaterThan aws:TokenIssueTime rejects credentials issued before a cut-off; absent key is false.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-tokenissuetime
    """
    condition = {"DateGreaterThan": {"aws:TokenIssueTime": "2024-04-01T00:00:00Z"}}
    assert holds(condition, {"aws:TokenIssueTime": "2024-04-15T08:30:00Z"})
    assert not holds(condition, {"aws:TokenIssueTime": "2024-03-15T08:30:00Z"})
    assert not holds(condition, {})


def test_unparsable_date_never_matches(decide, user):
    """A value that cannot be read as a date never matches, is noted, and does not raise.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
    """
    statements = [{"Effect": "Allow", "Action": "*", "Resource": "*",
                   "Condition": {"DateGreaterThan": {"aws:CurrentTime": "next tuesday"}}}]
    decision = decide(statements, Request(user(), "lambda:GetFunction", FN, {"aws:CurrentTime": NOW}))
    assert decision.outcome is Outcome.IMPLICIT_DENY
    assert decision.diagnostics


POSITIVE_NUMERIC = ["NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
                    "NumericGreaterThanEquals"]


@pytest.mark.parametrize("operator", POSITIVE_NUMERIC)
@pytest.mark.parametrize("policy_value", [1e999999, -1e999999, "1e999999", float("inf"), float("nan"), "Infinity"])
def test_an_infinite_policy_value_is_not_a_number(holds, operator, policy_value):
    """JSON's ``1e999999`` overflows to infinity, which would be more than every number; AWS's
    numeric operators take integers and decimals, so it is not a number and never matches
    (and NumericNotEquals, its negation, holds, as for any value that is not a number).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
    """
    assert not holds({operator: {"s3:max-keys": policy_value}}, {"s3:max-keys": "10"})
    assert holds({"NumericNotEquals": {"s3:max-keys": policy_value}}, {"s3:max-keys": "10"}) \
        == holds({"NumericNotEquals": {"s3:max-keys": "lots"}}, {"s3:max-keys": "10"})


def test_an_overflowing_number_in_policy_text_is_not_a_number(decide, user):
    text = ('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", '
            '"Condition": {"NumericLessThan": {"s3:max-keys": 1e999999}}}}')
    decision = decide(text, Request(user(), "s3:ListBucket", FN, {"s3:max-keys": "10"}))
    assert decision.outcome is Outcome.IMPLICIT_DENY
    assert any("1e999999" in note for note in decision.diagnostics)


@pytest.mark.parametrize("operator", POSITIVE_NUMERIC)
@pytest.mark.parametrize("request_value", ["1e999999", "-1e999999", float("inf"), float("-inf"), float("nan"), "inf"])
def test_an_infinite_request_value_is_not_a_number(holds, operator, request_value):
    assert not holds({operator: {"s3:max-keys": "10"}}, {"s3:max-keys": request_value})


@pytest.mark.parametrize("operator", ["DateLessThan", "DateGreaterThan"])
def test_epoch_seconds_that_overflow_are_no_date(holds, operator):
    """Four hundred digits of seconds are infinity as a float: no instant, so no match."""
    huge = "9" * 400
    assert not holds({operator: {"aws:CurrentTime": huge}}, {"aws:CurrentTime": "2026-01-01T00:00:00Z"})
    assert not holds({operator: {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}, {"aws:CurrentTime": huge})
