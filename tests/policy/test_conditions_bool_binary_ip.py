"""Bool, BinaryEquals, IpAddress and NotIpAddress condition operators."""

from __future__ import annotations

import base64

import pytest

from lamina.policy import Outcome, PolicyType, Request

FN = "arn:aws:lambda:us-east-1:123456789012:function:my-function"


@pytest.mark.parametrize(("policy_value", "request_value", "expected"), [
    ("true", True, True),
    (True, True, True),
    ("True", True, True),
    ("TRUE", "true", True),
    ("false", False, True),
    (False, "false", True),
    ("true", False, False),
    ("false", True, False),
    (False, "true", False),
])
def test_bool_compares_truth_values(holds, policy_value, request_value, expected):
    """Bool matches "true"/"false" (string or JSON boolean) against the request's boolean.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean
    """
    condition = {"Bool": {"aws:SecureTransport": policy_value}}
    assert holds(condition, {"aws:SecureTransport": request_value}) is expected


def test_bool_with_missing_key_is_false(holds):
    """A Bool condition on an absent key does not match.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """
    assert not holds({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, {})
    assert not holds({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, {})


def test_deny_unless_secure_transport(decide, user):
    """Deny when Bool aws:SecureTransport is false: plain HTTP is refused, TLS is allowed.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-securetransport
    """
    statements = [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
                  {"Effect": "Deny", "Action": "*", "Resource": "*",
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
    plain = decide(statements, Request(user(), "lambda:GetFunction", FN, {"aws:SecureTransport": False}))
    tls = decide(statements, Request(user(), "lambda:GetFunction", FN, {"aws:SecureTransport": True}))
    assert plain.outcome is Outcome.EXPLICIT_DENY and plain.denied_by is PolicyType.IDENTITY
    assert tls.outcome is Outcome.ALLOW


def test_lambda_invoked_via_function_url(holds):
    """Bool lambda:InvokedViaFunctionUrl scopes lambda:InvokeFunction to function-URL invocations.

    https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
    """
    condition = {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
    assert holds(condition, {"lambda:InvokedViaFunctionUrl": True})
    assert not holds(condition, {"lambda:InvokedViaFunctionUrl": False})
    assert not holds(condition, {})


# --- BinaryEquals ---------------------------------------------------------------------------------------------

VALUE = base64.b64encode(b"QmluYXJ5VmFsdWU binary \x00\xff").decode()


def test_binary_equals_compares_decoded_bytes(holds):
    """BinaryEquals: the policy value is base64; the bytes must be equal.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_BinaryEquals
    """
    assert holds({"BinaryEquals": {"aws:ResourceTag/blob": VALUE}}, {"aws:ResourceTag/blob": VALUE})


def test_binary_equals_different_bytes_do_not_match(holds):
    """Different bytes, or an absent key, do not match.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_BinaryEquals
    """
    other = base64.b64encode(b"something else").decode()
    assert not holds({"BinaryEquals": {"aws:ResourceTag/blob": VALUE}}, {"aws:ResourceTag/blob": other})
    assert not holds({"BinaryEquals": {"aws:ResourceTag/blob": VALUE}}, {})


# --- IpAddress ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("ip", "expected"), [
    ("203.0.113.0", True),
    ("203.0.113.77", True),
    ("203.0.113.255", True),
    ("203.0.114.1", False),
    ("10.0.0.1", False),
])
def test_ip_address_matches_addresses_inside_the_cidr(holds, ip, expected):
    """IpAddress: the request's aws:SourceIp lies in the CIDR range.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
    """
    assert holds({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": ip}) is expected


def test_bare_address_is_a_single_host(holds):
    """An address without a prefix length means /32.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
    """
    condition = {"IpAddress": {"aws:SourceIp": "192.0.2.10"}}
    assert holds(condition, {"aws:SourceIp": "192.0.2.10"})
    assert not holds(condition, {"aws:SourceIp": "192.0.2.11"})


def test_ipv6_ranges(holds):
    """IPv6 CIDRs work like IPv4 ones; an IPv4 address is not in an IPv6 range.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
    """
    condition = {"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}}
    assert holds(condition, {"aws:SourceIp": "2001:db8:1234:5678::1"})
    assert not holds(condition, {"aws:SourceIp": "2001:db8:1234:5679::1"})
    assert not holds(condition, {"aws:SourceIp": "203.0.113.1"})


def test_several_ranges_are_an_or(holds):
    """A list of CIDRs matches an address in any of them.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
    """
    condition = {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}
    assert holds(condition, {"aws:SourceIp": "203.0.113.9"})
    assert not holds(condition, {"aws:SourceIp": "198.51.100.9"})


def test_not_ip_address(holds):
    """NotIpAddress holds when the address is in none of the ranges.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
    """
    condition = {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}
    assert holds(condition, {"aws:SourceIp": "198.51.100.9"})
    assert not holds(condition, {"aws:SourceIp": "192.0.2.9"})


def test_missing_source_ip(holds):
    """Without aws:SourceIp (a VPC endpoint call) IpAddress is false and NotIpAddress true.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip
    """
    assert not holds({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {})
    assert holds({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {})


def test_deny_outside_corporate_range_example(decide, user):
    """The documented Deny + NotIpAddress pattern refuses callers outside the listed ranges.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-ip.html
    """
    statements = [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                  {"Effect": "Deny", "Action": "*", "Resource": "*",
                   "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}}]
    inside = decide(statements, Request(user(), "lambda:GetFunction", FN, {"aws:SourceIp": "192.0.2.1"}))
    outside = decide(statements, Request(user(), "lambda:GetFunction", FN, {"aws:SourceIp": "198.51.100.1"}))
    assert inside.outcome is Outcome.ALLOW
    assert outside.outcome is Outcome.EXPLICIT_DENY


def test_unparsable_ip_never_matches(decide, user):
    """A request value that is not an IP address never matches and is noted.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
    """
    statements = [{"Effect": "Allow", "Action": "*", "Resource": "*",
                   "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}]
    decision = decide(statements, Request(user(), "lambda:GetFunction", FN, {"aws:SourceIp": "not-an-ip"}))
    assert decision.outcome is Outcome.IMPLICIT_DENY
    assert decision.diagnostics
