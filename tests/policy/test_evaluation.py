"""How policy types combine: explicit deny, SCPs, RCPs, boundaries, session policies, resource and trust policies."""

from __future__ import annotations

import itertools
import json

import pytest
from reference import reference_evaluate

from lamina.policy import (
    Effect,
    Outcome,
    PolicyKind,
    PolicySet,
    PolicyType,
    Principal,
    PrincipalType,
    Reason,
    Request,
    evaluate,
    parse_policy,
)

ACCT = "123456789012"
OTHER = "111122223333"
FN = f"arn:aws:lambda:us-east-1:{ACCT}:function:my-function"
ROLE = f"arn:aws:iam::{ACCT}:role/target"
GET = "lambda:GetFunction"


def allow(action="lambda:*", resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def deny(action="lambda:*", resource="*"):
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def grant(principal, action="lambda:*", effect="Allow", **extra):
    return {"Effect": effect, "Principal": principal, "Action": action, "Resource": FN, **extra}


def trust(principal, effect="Allow", action="sts:AssumeRole", **extra):
    return {"Effect": effect, "Principal": principal, "Action": action, **extra}


def r(policy_type, index=0, effect=Effect.ALLOW, policy_id="p"):
    return Reason(policy_id, policy_type, index, None, effect)


# --- identity policies and explicit deny ------------------------------------------------------------------------


def test_identity_allow(decide, user):
    """An applicable identity-based Allow allows the request.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    decision = decide([allow()], Request(user(), GET, FN))
    assert decision.outcome is Outcome.ALLOW and decision.reasons == (r(PolicyType.IDENTITY),)


def test_no_policy_is_an_implicit_deny(decide, user):
    """"By default, all requests are implicitly denied"; no reasons are given.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    decision = decide(None, Request(user(), GET, FN))
    assert (decision.outcome, decision.reasons, decision.denied_by) == (
        Outcome.IMPLICIT_DENY, (), PolicyType.IDENTITY)


def test_allow_in_any_identity_policy_suffices(decide, user, policy):
    """Identity policies are a union: an Allow in the second policy is enough.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    identity = [policy([allow("s3:*")], policy_id="s3"), policy([allow()], policy_id="lambda")]
    decision = decide(None, Request(user(), GET, FN), identity=identity)
    assert decision.outcome is Outcome.ALLOW
    assert decision.reasons == (r(PolicyType.IDENTITY, policy_id="lambda"),)


def test_explicit_deny_in_identity_overrides_allow(decide, user):
    """"An explicit deny overrides an explicit allow"; reasons are the Deny statements only.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    decision = decide([allow(), deny(GET)], Request(user(), GET, FN))
    assert decision.outcome is Outcome.EXPLICIT_DENY and decision.denied_by is PolicyType.IDENTITY
    assert decision.reasons == (r(PolicyType.IDENTITY, 1, Effect.DENY),)


@pytest.mark.parametrize(("where", "expected"), [
    ("resource", PolicyType.RESOURCE), ("boundary", PolicyType.BOUNDARY), ("session", PolicyType.SESSION),
    ("scps", PolicyType.SCP), ("rcps", PolicyType.RCP),
])
def test_explicit_deny_in_any_policy_type_wins(decide, session, policy, where, expected):
    """Step 1: one applicable Deny in any policy type is a final explicit deny; reasons are the Denies.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    plain = policy([allow("*"), deny(GET)], policy_id="d")
    value = {"resource": policy([grant("*"), grant("*", GET, "Deny")], PolicyKind.RESOURCE, "d"),
             "boundary": plain, "session": [plain], "scps": [[plain]], "rcps": [[plain]]}[where]
    decision = decide([allow()], Request(session(), GET, FN), **{where: value})
    assert decision.outcome is Outcome.EXPLICIT_DENY and decision.denied_by is expected
    assert decision.reasons == (r(expected, 1, Effect.DENY, "d"),)


def test_explicit_deny_reasons_list_every_deny_by_type_order(decide, user, policy):
    """Every applicable Deny is a reason; denied_by is the first type in SCP, RCP, identity, ... order.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    decision = decide([deny()], Request(user(), GET, FN), scps=[[policy([allow("*"), deny()], policy_id="scp")]],
                      boundary=policy([deny()], policy_id="pb"))
    assert decision.denied_by is PolicyType.SCP
    assert decision.reasons == (r(PolicyType.SCP, 1, Effect.DENY, "scp"), r(PolicyType.IDENTITY, 0, Effect.DENY),
                                r(PolicyType.BOUNDARY, 0, Effect.DENY, "pb"))


# --- SCPs and RCPs --------------------------------------------------------------------------------------------


def test_scp_every_level_must_allow(decide, user, policy):
    """An Allow is needed at every level: org root, each OU, the account.

    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
    """
    levels = [[policy([allow("*")], policy_id="root")], [policy([allow("s3:*")], policy_id="ou")],
              [policy([allow("*")], policy_id="acct")]]
    decision = decide([allow()], Request(user(), GET, FN), scps=levels)
    assert decision.outcome is Outcome.IMPLICIT_DENY and decision.denied_by is PolicyType.SCP


def test_scp_allow_at_every_level_allows_with_reasons_in_type_order(decide, user, policy):
    """When every level allows, the reasons list SCP statements first, then identity.

    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
    """
    levels = [[policy([allow("*")], policy_id="root")], [policy([allow("lambda:Get*")], policy_id="ou")]]
    decision = decide([allow()], Request(user(), GET, FN), scps=levels)
    assert decision.outcome is Outcome.ALLOW
    assert decision.reasons == (r(PolicyType.SCP, policy_id="root"), r(PolicyType.SCP, policy_id="ou"),
                                r(PolicyType.IDENTITY))


def test_scp_limits_the_member_account_root_user(decide, root, policy):
    """SCPs apply to a member account's root user.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    assert decide(None, Request(root(), GET, FN)).outcome is Outcome.ALLOW
    limited = decide(None, Request(root(), GET, FN), scps=[[policy([allow("s3:*")])]])
    denied = decide(None, Request(root(), GET, FN), scps=[[policy([allow("*"), deny()])]])
    assert limited.outcome is Outcome.IMPLICIT_DENY and limited.denied_by is PolicyType.SCP
    assert denied.outcome is Outcome.EXPLICIT_DENY and denied.denied_by is PolicyType.SCP


def test_rcp_level_without_allow_denies(decide, user, policy):
    """If an RCP level has no applicable Allow the request is denied.

    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
    """
    rcps = [[policy([allow("*")], policy_id="full")], [policy([allow("s3:*")], policy_id="s3-only")]]
    decision = decide([allow()], Request(user(), GET, FN), rcps=rcps)
    assert decision.outcome is Outcome.IMPLICIT_DENY and decision.denied_by is PolicyType.RCP


def test_rcp_checked_before_scp(decide, user, policy):
    """When both an RCP and an SCP level lack an Allow, the RCP is reported (rule 2 before rule 3).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    none = [[policy([allow("s3:*")])]]
    decision = decide([allow()], Request(user(), GET, FN), rcps=none, scps=none)
    assert decision.denied_by is PolicyType.RCP


def test_rcp_applies_to_service_principals(decide, service, policy):
    """Requests from service principals are subject to RCPs.

    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
    """
    resource = policy([grant({"Service": "sns.amazonaws.com"})], PolicyKind.RESOURCE)
    request = Request(service(), "lambda:InvokeFunction", FN)
    assert decide(None, request, resource=resource).outcome is Outcome.ALLOW
    denied = decide(None, request, resource=resource, rcps=[[policy([allow("*"), deny("lambda:Invoke*")])]])
    assert denied.outcome is Outcome.EXPLICIT_DENY and denied.denied_by is PolicyType.RCP


# --- permissions boundaries and session policies ---------------------------------------------------------------


def test_boundary_and_identity_intersect(decide, user, policy):
    """Effective permissions are identity ∩ boundary.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    """
    boundary = policy([allow("lambda:Get*")], policy_id="pb")
    get = decide([allow()], Request(user(), GET, FN), boundary=boundary)
    delete = decide([allow()], Request(user(), "lambda:DeleteFunction", FN), boundary=boundary)
    assert get.outcome is Outcome.ALLOW
    assert get.reasons == (r(PolicyType.IDENTITY), r(PolicyType.BOUNDARY, policy_id="pb"))
    assert delete.outcome is Outcome.IMPLICIT_DENY and delete.denied_by is PolicyType.BOUNDARY


def test_session_policy_limits_the_session(decide, session, policy):
    """No session policy passed: the role's permissions; one passed must also allow (identity ∩ session).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
    """
    assert decide([allow()], Request(session(), GET, FN)).outcome is Outcome.ALLOW  # none passed
    passed = [policy([allow("lambda:List*")], policy_id="sp")]
    decision = decide([allow()], Request(session(), GET, FN), session=passed)
    assert decision.outcome is Outcome.IMPLICIT_DENY and decision.denied_by is PolicyType.SESSION
    listed = decide([allow()], Request(session(), "lambda:ListFunctions", "*", resource_account=ACCT),
                    session=passed)
    assert listed.outcome is Outcome.ALLOW


@pytest.mark.parametrize("where", ["scps", "boundary", "session"])
def test_guardrails_never_grant(decide, session, policy, where):
    """SCPs, permissions boundaries and session policies only limit: alone they leave an identity implicit deny.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    """
    full = policy([allow("*")])
    value = {"scps": [[full]], "boundary": full, "session": [full]}[where]
    decision = decide(None, Request(session(), GET, FN), **{where: value})
    assert decision.outcome is Outcome.IMPLICIT_DENY and decision.denied_by is PolicyType.IDENTITY


# --- same-account resource-based policies by grant kind --------------------------------------------------------


def test_user_arn_grant_allows_without_identity_or_boundary(decide, user, policy):
    """A same-account grant to the user ARN is not limited by identity policy or boundary.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    resource = policy([grant({"AWS": user().arn})], PolicyKind.RESOURCE, "fn")
    decision = decide(None, Request(user(), GET, FN), resource=resource, boundary=policy([allow("s3:*")]))
    assert decision.outcome is Outcome.ALLOW
    assert decision.reasons == (r(PolicyType.RESOURCE, policy_id="fn"),)
    bob = decide(None, Request(user("bob"), GET, FN), resource=resource)
    assert bob.outcome is Outcome.IMPLICIT_DENY and bob.denied_by is PolicyType.IDENTITY


def test_role_arn_grant_compares_the_role_path(decide, session, policy):
    """The role ARN in Principal is compared with the role behind the session, path included.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    resource = policy([grant({"AWS": f"arn:aws:iam::{ACCT}:role/ops/admin"})], PolicyKind.RESOURCE)
    assert decide(None, Request(session(path="/ops/"), GET, FN), resource=resource).outcome is Outcome.ALLOW
    assert decide(None, Request(session(), GET, FN), resource=resource).outcome is Outcome.IMPLICIT_DENY


def test_role_arn_grant_is_limited_by_boundary(decide, session, policy):
    """A role-ARN grant needs no identity Allow but is limited by the role's permissions boundary.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    resource = policy([grant({"AWS": f"arn:aws:iam::{ACCT}:role/admin"})], PolicyKind.RESOURCE)
    assert decide(None, Request(session(), GET, FN), resource=resource).outcome is Outcome.ALLOW
    denied = decide(None, Request(session(), GET, FN), resource=resource, boundary=policy([allow("s3:*")]))
    allowed = decide(None, Request(session(), GET, FN), resource=resource, boundary=policy([allow()]))
    assert denied.outcome is Outcome.IMPLICIT_DENY
    assert allowed.outcome is Outcome.ALLOW


def test_role_arn_grant_is_limited_by_session_policy(decide, session, policy):
    """A role-ARN grant is limited by a passed session policy that does not allow.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
    """
    resource = policy([grant({"AWS": f"arn:aws:iam::{ACCT}:role/admin"})], PolicyKind.RESOURCE)
    denied = decide([allow()], Request(session(), GET, FN), resource=resource, session=[policy([allow("s3:*")])])
    allowed = decide(None, Request(session(), GET, FN), resource=resource, session=[policy([allow()])])
    assert denied.outcome is Outcome.IMPLICIT_DENY and denied.denied_by is PolicyType.SESSION
    assert allowed.outcome is Outcome.ALLOW


def test_session_arn_grant_is_not_limited(decide, session, policy):
    """A grant to the exact session ARN ignores identity policy, boundary and session policy.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
    """
    resource = policy([grant({"AWS": session().arn})], PolicyKind.RESOURCE)
    decision = decide(None, Request(session(), GET, FN), resource=resource,
                      boundary=policy([allow("s3:*")]), session=[policy([allow("s3:*")])])
    assert decision.outcome is Outcome.ALLOW
    other = decide(None, Request(session(name="s2"), GET, FN), resource=resource)
    assert other.outcome is Outcome.IMPLICIT_DENY


def test_federated_user_arn_grant_is_not_limited(decide, policy):
    """A grant to a federated-user ARN is a direct grant to that session.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    fed = Principal(f"arn:aws:sts::{ACCT}:federated-user/bob", PrincipalType.FEDERATED_USER, ACCT)
    resource = policy([grant({"AWS": fed.arn})], PolicyKind.RESOURCE)
    decision = decide(None, Request(fed, GET, FN), resource=resource, session=[policy([allow("s3:*")])])
    assert decision.outcome is Outcome.ALLOW


def test_public_grant_needs_nothing_else_in_the_account(decide, user, session, policy):
    """"Principal": "*": for users and roles in the account "no other permissions are required".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous
    """
    resource = policy([grant("*")], PolicyKind.RESOURCE)
    assert decide(None, Request(user(), GET, FN), resource=resource).outcome is Outcome.ALLOW
    limited = decide(None, Request(session(), GET, FN), resource=resource, session=[policy([allow("s3:*")])])
    assert limited.outcome is Outcome.ALLOW


def test_most_permissive_grant_kind_counts(decide, user, policy):
    """When an account entry and a user entry both name the caller, the user grant decides (no identity needed).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    resource = policy([grant({"AWS": [ACCT, user().arn]})], PolicyKind.RESOURCE, "fn")
    decision = decide(None, Request(user(), GET, FN), resource=resource)
    assert decision.outcome is Outcome.ALLOW and decision.reasons == (r(PolicyType.RESOURCE, policy_id="fn"),)


def test_public_grant_with_principal_arn_condition_is_not_limited_by_boundary(decide, session, policy):
    """"Principal": "*" + an aws:PrincipalArn condition is not limited by the role's boundary.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    role = f"arn:aws:iam::{ACCT}:role/admin"
    resource = policy([grant("*", Condition={"ArnEquals": {"aws:PrincipalArn": role}})], PolicyKind.RESOURCE)
    request = Request(session(), GET, FN, {"aws:PrincipalArn": role})
    assert decide(None, request, resource=resource, boundary=policy([allow("s3:*")])).outcome is Outcome.ALLOW


def test_account_grant_still_needs_identity_allow(decide, user, policy):
    """An account principal delegates to the account; its users still need identity permission (A1).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    for principal in ({"AWS": ACCT}, {"AWS": f"arn:aws:iam::{ACCT}:root"}):
        resource = policy([grant(principal)], PolicyKind.RESOURCE, "fn")
        alone = decide(None, Request(user(), GET, FN), resource=resource)
        both = decide([allow()], Request(user(), GET, FN), resource=resource)
        assert alone.outcome is Outcome.IMPLICIT_DENY and alone.denied_by is PolicyType.IDENTITY
        assert both.outcome is Outcome.ALLOW
        assert both.reasons == (r(PolicyType.IDENTITY), r(PolicyType.RESOURCE, policy_id="fn"))


def test_service_grant_alone_decides(decide, service, policy):
    """A service principal has no identity policies: the function policy alone decides.

    https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
    """
    resource = policy([grant({"Service": "s3.amazonaws.com"}, "lambda:InvokeFunction",
                             Condition={"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::my-bucket"}})],
                      PolicyKind.RESOURCE)
    s3 = service("s3.amazonaws.com")
    ok = Request(s3, "lambda:InvokeFunction", FN, {"aws:SourceArn": "arn:aws:s3:::my-bucket"})
    wrong = Request(s3, "lambda:InvokeFunction", FN, {"aws:SourceArn": "arn:aws:s3:::other"})
    assert decide(None, ok, resource=resource).outcome is Outcome.ALLOW
    denied = decide(None, wrong, resource=resource)
    assert denied.outcome is Outcome.IMPLICIT_DENY and denied.denied_by is PolicyType.RESOURCE
    sns = decide(None, Request(service("sns.amazonaws.com"), "lambda:InvokeFunction", FN), resource=resource)
    assert sns.outcome is Outcome.IMPLICIT_DENY


def test_not_principal_deny_denies_everyone_not_listed(decide, user, policy):
    """Deny + NotPrincipal explicitly denies every principal not named in NotPrincipal.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """
    statement = {"Effect": "Deny", "NotPrincipal": {"AWS": user().arn}, "Action": "lambda:*", "Resource": FN}
    resource = policy([statement], PolicyKind.RESOURCE)
    bob = decide([allow()], Request(user("bob"), GET, FN), resource=resource)
    assert bob.outcome is Outcome.EXPLICIT_DENY and bob.denied_by is PolicyType.RESOURCE


def test_not_principal_documented_example_with_account_arn(decide, user, policy):
    """AWS's example: NotPrincipal [user/Bob, Bob's account root] denies all principals except Bob.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """
    bob, carol = user("Bob", OTHER), user("carol", OTHER)
    resource = policy([grant({"AWS": OTHER}),
                       {"Effect": "Deny", "NotPrincipal": {"AWS": [bob.arn, f"arn:aws:iam::{OTHER}:root"]},
                        "Action": "lambda:*", "Resource": FN}], PolicyKind.RESOURCE)
    assert decide([allow()], Request(bob, GET, FN), resource=resource).outcome is Outcome.ALLOW
    denied = decide([allow()], Request(carol, GET, FN), resource=resource)
    assert denied.outcome is Outcome.EXPLICIT_DENY and denied.denied_by is PolicyType.RESOURCE


# --- cross-account ---------------------------------------------------------------------------------------------


def test_cross_account_needs_both_sides(decide, user, policy):
    """"The request is allowed only if both evaluations return a decision of Allow."

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    """
    carol = user("carol", OTHER)
    resource = policy([grant({"AWS": carol.arn})], PolicyKind.RESOURCE)
    both = decide([allow()], Request(carol, GET, FN), resource=resource)
    only_resource = decide(None, Request(carol, GET, FN), resource=resource)
    only_identity = decide([allow()], Request(carol, GET, FN))
    assert both.outcome is Outcome.ALLOW
    assert only_resource.outcome is Outcome.IMPLICIT_DENY and only_resource.denied_by is PolicyType.IDENTITY
    assert only_identity.outcome is Outcome.IMPLICIT_DENY and only_identity.denied_by is PolicyType.RESOURCE


def test_cross_account_grant_to_the_account(decide, user, policy):
    """Lambda's cross-account example: a grant to the other account plus that user's identity Allow.

    https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html
    """
    resource = policy([grant({"AWS": f"arn:aws:iam::{OTHER}:root"}, "lambda:InvokeFunction")], PolicyKind.RESOURCE)
    request = Request(user("carol", OTHER), "lambda:InvokeFunction", FN)
    assert decide([allow()], request, resource=resource).outcome is Outcome.ALLOW
    stranger = Request(user("dave", "444455556666"), "lambda:InvokeFunction", FN)
    assert decide([allow()], stranger, resource=resource).denied_by is PolicyType.RESOURCE


@pytest.mark.parametrize("kind", ["session", "public", "account"])
def test_cross_account_any_grant_kind_still_needs_identity(decide, session, policy, kind):
    """Cross-account, even a grant to the exact session ARN (or "*") needs the caller's identity Allow.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    """
    caller = session(account=OTHER)
    principal = {"session": {"AWS": caller.arn}, "public": "*", "account": {"AWS": OTHER}}[kind]
    resource = policy([grant(principal)], PolicyKind.RESOURCE)
    alone = decide(None, Request(caller, GET, FN), resource=resource)
    assert alone.outcome is Outcome.IMPLICIT_DENY and alone.denied_by is PolicyType.IDENTITY
    assert decide([allow()], Request(caller, GET, FN), resource=resource).outcome is Outcome.ALLOW


def test_cross_account_boundary_still_applies(decide, user, policy):
    """The trusted account's evaluation includes the caller's permissions boundary.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    """
    carol = user("carol", OTHER)
    resource = policy([grant({"AWS": carol.arn})], PolicyKind.RESOURCE)
    decision = decide([allow()], Request(carol, GET, FN), resource=resource, boundary=policy([allow("s3:*")]))
    assert decision.outcome is Outcome.IMPLICIT_DENY and decision.denied_by is PolicyType.BOUNDARY
# --- role trust policies (sts:AssumeRole) ----------------------------------------------------------------------


def assume(principal, context=None, action="sts:AssumeRole"):
    return Request(principal, action, ROLE, context or {})


def test_trust_naming_the_user_needs_no_identity_policy(decide, user, policy):
    """Same account: a trust policy naming the user ARN is enough on its own.

    https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
    """
    trusted = policy([trust({"AWS": user().arn})], PolicyKind.TRUST, "trust")
    decision = decide(None, assume(user()), resource=trusted)
    assert decision.outcome is Outcome.ALLOW
    assert decision.reasons == (r(PolicyType.TRUST, policy_id="trust"),)


def test_trust_naming_the_account_needs_identity_allow(decide, user, policy):
    """Same account: a trust policy naming the account needs the caller's identity Allow too.

    https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
    """
    trusted = policy([trust({"AWS": f"arn:aws:iam::{ACCT}:root"})], PolicyKind.TRUST)
    alone = decide(None, assume(user()), resource=trusted)
    assert alone.outcome is Outcome.IMPLICIT_DENY and alone.denied_by is PolicyType.IDENTITY
    assert decide([allow("sts:AssumeRole", ROLE)], assume(user()), resource=trusted).outcome is Outcome.ALLOW


def test_trust_must_name_the_caller_even_with_identity_allow(decide, user, policy):
    """A role trust policy must explicitly allow the principal; an identity Allow is not enough.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    trusted = policy([trust({"AWS": user("bob").arn})], PolicyKind.TRUST)
    decision = decide([allow("sts:AssumeRole")], assume(user()), resource=trusted)
    assert decision.outcome is Outcome.IMPLICIT_DENY and decision.denied_by is PolicyType.TRUST


def test_trust_naming_a_role_for_role_chaining(decide, session, policy):
    """A trust naming another role lets its sessions assume, limited by their session policy.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    trusted = policy([trust({"AWS": f"arn:aws:iam::{ACCT}:role/admin"})], PolicyKind.TRUST)
    assert decide(None, assume(session()), resource=trusted).outcome is Outcome.ALLOW
    limited = decide(None, assume(session()), resource=trusted, session=[policy([allow("s3:*")])])
    assert limited.outcome is Outcome.IMPLICIT_DENY


def test_trust_for_lambda_service(decide, service, policy):
    """The execution-role trust policy lets lambda.amazonaws.com assume the role, and no other service.

    https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
    """
    trusted = policy([trust({"Service": "lambda.amazonaws.com"})], PolicyKind.TRUST)
    assert decide(None, assume(service("lambda.amazonaws.com")), resource=trusted).outcome is Outcome.ALLOW
    other = decide(None, assume(service("ec2.amazonaws.com")), resource=trusted)
    assert other.outcome is Outcome.IMPLICIT_DENY and other.denied_by is PolicyType.TRUST


def test_cross_account_trust_needs_identity_allow(decide, user, policy):
    """Cross-account AssumeRole needs the trust policy and the caller's identity Allow.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    """
    carol = user("carol", OTHER)
    trusted = policy([trust({"AWS": carol.arn})], PolicyKind.TRUST)
    alone = decide(None, assume(carol), resource=trusted)
    assert alone.outcome is Outcome.IMPLICIT_DENY and alone.denied_by is PolicyType.IDENTITY
    assert decide([allow("sts:AssumeRole", ROLE)], assume(carol), resource=trusted).outcome is Outcome.ALLOW


def test_external_id_condition(decide, user, policy):
    """A third party must pass the agreed sts:ExternalId.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html
    """
    trusted = policy([trust({"AWS": OTHER}, Condition={"StringEquals": {"sts:ExternalId": "Unique1234"}})],
                     PolicyKind.TRUST)
    identity = [allow("sts:AssumeRole")]
    carol = user("carol", OTHER)
    assert decide(identity, assume(carol, {"sts:ExternalId": "Unique1234"}), resource=trusted).allowed
    for context in ({"sts:ExternalId": "guess"}, {}):
        denied = decide(identity, assume(carol, context), resource=trusted)
        assert denied.outcome is Outcome.IMPLICIT_DENY and denied.denied_by is PolicyType.TRUST


def test_explicit_deny_in_trust_policy(decide, user, policy):
    """A Deny in the trust policy wins and is reported as the role trust policy.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    trusted = policy([trust({"AWS": ACCT}), trust({"AWS": user().arn}, effect="Deny")], PolicyKind.TRUST)
    decision = decide([allow("sts:*")], assume(user()), resource=trusted)
    assert decision.outcome is Outcome.EXPLICIT_DENY and decision.denied_by is PolicyType.TRUST
    assert decision.reasons == (r(PolicyType.TRUST, 1, Effect.DENY),)


def test_web_identity_federated_trust(decide, policy):
    """A Federated principal in the trust policy admits web-identity callers of that provider.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    trusted = policy([trust({"Federated": "cognito-identity.amazonaws.com"},
                            action="sts:AssumeRoleWithWebIdentity")], PolicyKind.TRUST)
    web = Principal("cognito-user", PrincipalType.WEB_IDENTITY, federated="cognito-identity.amazonaws.com")
    other = Principal("google-user", PrincipalType.WEB_IDENTITY, federated="accounts.google.com")
    assert decide(None, assume(web, action="sts:AssumeRoleWithWebIdentity"), resource=trusted).allowed
    denied = decide(None, assume(other, action="sts:AssumeRoleWithWebIdentity"), resource=trusted)
    assert denied.outcome is Outcome.IMPLICIT_DENY and denied.denied_by is PolicyType.TRUST


# --- root user and anonymous callers ---------------------------------------------------------------------------


def test_root_user_has_full_access_in_its_account(decide, root, policy):
    """The root user is allowed without policies, but an explicit Deny (here a resource policy) still applies.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    assert decide(None, Request(root(), "lambda:DeleteFunction", FN)).outcome is Outcome.ALLOW
    resource = policy([grant("*", effect="Deny")], PolicyKind.RESOURCE)
    denied = decide(None, Request(root(), "lambda:DeleteFunction", FN), resource=resource)
    assert denied.outcome is Outcome.EXPLICIT_DENY and denied.denied_by is PolicyType.RESOURCE


def test_root_user_of_another_account_needs_the_resource_policy(decide, root, policy):
    """Another account's root user reaches the function only through its resource policy.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    """
    other = root(OTHER)
    denied = decide(None, Request(other, GET, FN))
    assert denied.outcome is Outcome.IMPLICIT_DENY and denied.denied_by is PolicyType.RESOURCE
    resource = policy([grant({"AWS": OTHER})], PolicyKind.RESOURCE)
    assert decide(None, Request(other, GET, FN), resource=resource).outcome is Outcome.ALLOW


def test_anonymous_caller_needs_a_public_grant(decide, anonymous, policy):
    """Anonymous callers are allowed only by a "*" grant (e.g. a NONE-auth function URL).

    https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
    """
    public = policy([grant("*", "lambda:InvokeFunctionUrl",
                           Condition={"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}})], PolicyKind.RESOURCE)
    request = Request(anonymous(), "lambda:InvokeFunctionUrl", FN, {"lambda:FunctionUrlAuthType": "NONE"})
    assert decide(None, request, resource=public).outcome is Outcome.ALLOW
    account_only = policy([grant({"AWS": ACCT})], PolicyKind.RESOURCE)
    for resource in (None, account_only):
        denied = decide(None, request, resource=resource)
        assert denied.outcome is Outcome.IMPLICIT_DENY and denied.denied_by is PolicyType.RESOURCE


# --- no identity policy: the scan skipped, reasons empty -----------------------------------------------------------


def test_requests_without_identity_policies_decide_as_the_reference() -> None:
    """``evaluate`` skips the identity scan when there is no identity policy and builds no reasons from
    no hits: every principal type, same account or not, with each kind of resource policy and limit,
    against the naive reference evaluator (full Decision, diagnostics included)."""
    def doc(*statements):
        return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})

    def essence(decision):
        return decision.outcome, decision.reasons, decision.denied_by

    inert = parse_policy(doc(allow("s3:GetObject"), deny("iam:*")), PolicyKind.IDENTITY, "inert")

    resource_policies = [None, parse_policy(doc(grant({"AWS": ACCT})), PolicyKind.RESOURCE, "fp"),
                         parse_policy(doc(grant({"AWS": OTHER}, effect="Deny")), PolicyKind.RESOURCE, "fd"),
                         parse_policy(doc(grant("*", Condition={"DateGreaterThan": {"aws:CurrentTime": "x"}})),
                                      PolicyKind.RESOURCE, "fx")]
    limits = [(None, None), (parse_policy(doc(allow()), PolicyKind.IDENTITY, "b"), None),
              (None, [parse_policy(doc(deny()), PolicyKind.IDENTITY, "s")]), (None, [])]
    principals = [Principal(f"arn:aws:iam::{ACCT}:root", PrincipalType.ROOT, ACCT),
                  Principal(f"arn:aws:iam::{OTHER}:user/u", PrincipalType.USER, OTHER),
                  Principal(f"arn:aws:sts::{ACCT}:assumed-role/r/s", PrincipalType.ASSUMED_ROLE, ACCT,
                            role_arn=f"arn:aws:iam::{ACCT}:role/r"),
                  Principal(f"arn:aws:sts::{ACCT}:federated-user/f", PrincipalType.FEDERATED_USER, ACCT),
                  Principal("sns.amazonaws.com", PrincipalType.SERVICE),
                  Principal("anonymous", PrincipalType.ANONYMOUS)]
    for principal, resource_policy, (boundary, session), (resource, owner) in itertools.product(
            principals, resource_policies, limits, [(FN, None), ("*", ACCT), (FN, OTHER)]):
        request = Request(principal, GET, resource, {"aws:CurrentTime": "2026-01-01T00:00:00Z"}, owner)
        scanned = evaluate(request, PolicySet(identity=[inert], boundary=boundary, session=session,
                                              resource=resource_policy))  # the long way: a scan finding nothing
        for identity in ((), []):
            policies = PolicySet(identity=identity, boundary=boundary, session=session, resource=resource_policy)
            decided = evaluate(request, policies)
            assert decided == scanned, (request, policies)
            assert essence(decided) == essence(reference_evaluate(request, policies)), (request, policies)
