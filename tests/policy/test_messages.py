"""AWS's AccessDenied sentence, rendered by denial_message from real evaluate() decisions."""

from __future__ import annotations

import pytest

from lamina.policy import PolicyKind, Request, denial_message

ACCT = "123456789012"
FN = f"arn:aws:lambda:us-east-1:{ACCT}:function:my-function"
ROLE = f"arn:aws:iam::{ACCT}:role/target"
GET = "lambda:GetFunction"
ALLOW = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
DENY = [{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "*", "Resource": "*"}]
NOTHING = [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]


def grant(principal, effect="Allow"):
    return [{"Effect": effect, "Principal": principal, "Action": "*", "Resource": FN}]


@pytest.fixture
def message(decide, user):
    """``message(identity, principal=alice, action=GET, target=FN, shown=target, **policyset)``: the sentence."""

    def render(identity, principal=None, action=GET, target=FN, shown="target", **policyset):
        principal = principal or user()
        decision = decide(identity, Request(principal, action, target), **policyset)
        assert not decision.allowed
        return denial_message(principal.arn, action, target if shown == "target" else shown, decision)

    return render


def head(principal=f"arn:aws:iam::{ACCT}:user/alice", action=GET, resource=FN):
    return f"User: {principal} is not authorized to perform: {action} on resource: {resource}"


def test_seed_sentence_byte_for_byte(decide, user):
    """The Lambda API's wording for mateojackson and lambda:GetFunction, exactly.

    https://docs.aws.amazon.com/lambda/latest/dg/security_iam_troubleshoot.html
    """
    mateo = user("mateojackson")
    decision = decide(None, Request(mateo, "lambda:GetFunction", FN))
    assert denial_message(mateo.arn, "lambda:GetFunction", FN, decision) == (
        "User: arn:aws:iam::123456789012:user/mateojackson is not authorized to perform: lambda:GetFunction "
        "on resource: arn:aws:lambda:us-east-1:123456789012:function:my-function "
        "because no identity-based policy allows the lambda:GetFunction action")


def test_explicit_deny_in_identity_policy(message):
    """"... with an explicit deny in an identity-based policy".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    assert message(DENY) == f"{head()} with an explicit deny in an identity-based policy"


def test_no_resource_based_policy_allows(message, user):
    """Cross-account with no function policy: "because no resource-based policy allows ...".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    carol = user("carol", "111122223333")
    assert message(ALLOW, carol) == (f"{head(carol.arn)} because no resource-based policy allows the {GET} action")


def test_explicit_deny_in_resource_based_policy(message, policy):
    """"... with an explicit deny in a resource-based policy".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    resource = policy(grant("*", "Deny"), PolicyKind.RESOURCE)
    assert message(ALLOW, resource=resource) == f"{head()} with an explicit deny in a resource-based policy"


def test_no_permissions_boundary_allows(message, policy):
    """"... because no permissions boundary allows the <action> action".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    assert message(ALLOW, boundary=policy(NOTHING)) == (
        f"{head()} because no permissions boundary allows the {GET} action")


def test_explicit_deny_in_permissions_boundary(message, policy):
    """"... with an explicit deny in a permissions boundary".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    assert message(ALLOW, boundary=policy(DENY)) == f"{head()} with an explicit deny in a permissions boundary"


def test_no_session_policy_allows(message, session, policy):
    """"... because no session policy allows ..."; the caller is named by its session ARN, still "User:".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    caller = session()
    assert message(ALLOW, caller, session=[policy(NOTHING)]) == (
        f"{head(caller.arn)} because no session policy allows the {GET} action")


def test_explicit_deny_in_session_policy(message, session, policy):
    """Explicit deny in a session policy (the doc's own sample spells it "sessions policy").

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    caller = session()
    assert message(ALLOW, caller, session=[policy(DENY)]) == (
        f"{head(caller.arn)} with an explicit deny in a session policy")


def test_no_service_control_policy_allows(message, policy):
    """"... because no service control policy allows the <action> action".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    assert message(ALLOW, scps=[[policy(ALLOW)], [policy(NOTHING)]]) == (
        f"{head()} because no service control policy allows the {GET} action")


def test_explicit_deny_in_service_control_policy(message, policy):
    """"... with an explicit deny in a service control policy".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    assert message(ALLOW, scps=[[policy(DENY)]]) == f"{head()} with an explicit deny in a service control policy"


def test_explicit_deny_in_resource_control_policy(message, policy):
    """"... with an explicit deny in a resource control policy".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    assert message(ALLOW, rcps=[[policy(DENY)]]) == f"{head()} with an explicit deny in a resource control policy"


def test_no_resource_control_policy_allows(message, policy):
    """A missing RCP Allow is reported like an SCP's (digest A2).

    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
    """
    assert message(ALLOW, rcps=[[policy(NOTHING)]]) == (
        f"{head()} because no resource control policy allows the {GET} action")


def test_no_role_trust_policy_allows(message, policy):
    """"User: ... is not authorized to perform: sts:AssumeRole because no role trust policy allows ...".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    trusted = policy([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}], PolicyKind.TRUST)
    alice = f"arn:aws:iam::{ACCT}:user/alice"
    assert message(ALLOW, action="sts:AssumeRole", target=ROLE, shown=None, resource=trusted) == (
        f"User: {alice} is not authorized to perform: sts:AssumeRole "
        "because no role trust policy allows the sts:AssumeRole action")
    assert message(ALLOW, action="sts:AssumeRole", target=ROLE, resource=trusted) == (
        f"{head(action='sts:AssumeRole', resource=ROLE)} because no role trust policy allows the sts:AssumeRole action")


def test_explicit_deny_in_role_trust_policy(message, policy, user):
    """"... sts:AssumeRole with an explicit deny in the role trust policy" ("the", not "a").

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    trusted = policy([{"Effect": "Deny", "Principal": {"AWS": user().arn}, "Action": "sts:AssumeRole"}],
                     PolicyKind.TRUST)
    assert message(ALLOW, action="sts:AssumeRole", target=ROLE, shown=None, resource=trusted) == (
        f"User: {user().arn} is not authorized to perform: sts:AssumeRole "
        "with an explicit deny in the role trust policy")


def test_iam_resources_are_named_by_kind_and_name(message):
    """IAM names a user resource as "user NAME" in the sentence.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    sentence = message(NOTHING, action="iam:GetUser", target=f"arn:aws:iam::{ACCT}:user/marymajor",
                       shown="user marymajor")
    assert sentence == (f"User: arn:aws:iam::{ACCT}:user/alice is not authorized to perform: iam:GetUser "
                        "on resource: user marymajor because no identity-based policy allows the iam:GetUser action")


def test_pass_role_sentence(message, user):
    """The observed iam:PassRole denial names the role ARN.

    https://docs.aws.amazon.com/lambda/latest/dg/security_iam_troubleshoot.html
    """
    mary = user("marymajor")
    role = f"arn:aws:iam::{ACCT}:role/lambda-ex"
    assert message(NOTHING, mary, action="iam:PassRole", target=role) == (
        "User: arn:aws:iam::123456789012:user/marymajor is not authorized to perform: iam:PassRole on resource: "
        "arn:aws:iam::123456789012:role/lambda-ex because no identity-based policy allows the iam:PassRole action")


def test_only_one_policy_type_is_named(message, policy):
    """"If multiple policy types deny an authorization request, AWS includes only one of those policy types."

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    sentence = message(DENY, boundary=policy(DENY), scps=[[policy(DENY)]])
    assert sentence == f"{head()} with an explicit deny in a service control policy"


def test_no_message_for_an_allowed_decision(decide, user):
    """Only a denied decision has an AccessDenied sentence.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    decision = decide(ALLOW, Request(user(), GET, FN))
    with pytest.raises(ValueError):
        denial_message(user().arn, GET, FN, decision)
