"""Function policies in the gate's decisions, in-process: same-account grants by principal type,
other accounts (both sides must allow), ``*``, Deny, qualifiers, condition keys, and principals
deleted and re-created. Each case is a real request context through ``Gate.authorize`` with the
declaration the operation uses (``function_authorization``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_permissions_support import ACCT, FN_ARN, OTHER, REGION, ctx, error_of, new_store

from lamina.auth.credentials import Caller, resolve_access_key
from lamina.authorization import AuditLog, Gate
from lamina.policy import PolicySet, Principal, PrincipalType, Request, evaluate
from lamina.protocols import ServiceError
from lamina.services import default_registry
from lamina.services.lambda_.declarations import function_authorization, function_policy
from lamina.services.lambda_.permissions import add_permission
from lamina.services.lambda_.resource_policies import put_resource_policy
from lamina.services.sts.assume_role import assume_role
from lamina.store import Store
from lamina.store.repositories import inline_policies, lambda_functions, policies, roles, tags, users

GET = function_authorization("GetFunction")
OTHER_FN = f"arn:aws:lambda:{REGION}:{OTHER}:function:fn"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str = "lambda:*", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


@pytest.fixture
def store() -> Store:
    store = new_store()
    trust = doc({"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "sts:AssumeRole"})
    with store.transaction() as conn:
        for account, name in ((ACCT, "alice"), (ACCT, "assumer"), (OTHER, "bob"), (OTHER, "carol")):
            users.create_user(conn, account, name)
        inline_policies.put_inline_policy(conn, OTHER, "user", "bob", "lambda", doc(allow()))
        inline_policies.put_inline_policy(conn, ACCT, "user", "assumer", "assume", doc(allow("sts:AssumeRole")))
        roles.create_role(conn, ACCT, "runner", trust)
        policies.create_policy(conn, ACCT, "only-logs", doc(allow("logs:*")))
    return store


@pytest.fixture
def gate(store: Store) -> Gate:
    return Gate(store, AuditLog(store, background=False))


def user(store: Store, account: str, name: str) -> Caller:
    with store.transaction(read_only=True) as conn:
        user_id = users.get_user(conn, account, name).user_id
    return Caller(account, f"arn:aws:iam::{account}:user/{name}", "IAMUser", user_id, f"AKIA{name.upper()}",
                  user_name=name)


def session(store: Store, **params: Any) -> Caller:
    """A session of role ``runner``, made by AssumeRole as a real caller would get it."""
    answer = assume_role(ctx("AssumeRole", user(store, ACCT, "assumer"), RoleArn=f"arn:aws:iam::{ACCT}:role/runner",
                             RoleSessionName="s1", **params), store)
    found = resolve_access_key(store, answer["Credentials"]["AccessKeyId"])
    assert found is not None
    return found.caller


def grant(store: Store, principal: str, **params: Any) -> None:
    add_permission(ctx("AddPermission", FunctionName="fn", StatementId=f"s{abs(hash((principal, str(params))))}",
                       Action=params.pop("Action", "lambda:GetFunction"), Principal=principal, **params), store)


def put(store: Store, *statements: dict[str, Any], arn: str = FN_ARN) -> None:
    put_resource_policy(ctx("PutResourcePolicy", ResourceArn=arn, Policy=doc(*statements)), store)


def decide(gate: Gate, caller: Caller, function: str = "fn", declared: Any = GET, **params: Any) -> str:
    """``Allow``, or the end of AWS's AccessDenied sentence."""
    try:
        gate.authorize(ctx("GetFunction", caller, FunctionName=function, **params), declared)
    except ServiceError as error:
        message = error.message
        return message.split(" because ")[-1] if " because " in message else message.split(" with ")[-1]
    return "Allow"


def test_same_account_user_arn_grants_on_its_own(store: Store, gate: Gate) -> None:
    alice = user(store, ACCT, "alice")
    assert decide(gate, alice) == "no identity-based policy allows the lambda:GetFunction action"
    grant(store, f"arn:aws:iam::{ACCT}:user/alice")
    assert decide(gate, alice) == "Allow"


def test_same_account_account_grant_needs_an_identity_allow(store: Store, gate: Gate) -> None:
    grant(store, ACCT)
    alice = user(store, ACCT, "alice")
    assert decide(gate, alice) == "no identity-based policy allows the lambda:GetFunction action"
    with store.transaction() as conn:
        inline_policies.put_inline_policy(conn, ACCT, "user", "alice", "get", doc(allow("lambda:GetFunction")))
    assert decide(gate, alice) == "Allow"


def test_star_grants_same_account_callers(store: Store, gate: Gate) -> None:
    grant(store, "*")
    assert decide(gate, user(store, ACCT, "alice")) == "Allow"


def test_role_arn_grants_its_sessions_within_their_limits(store: Store, gate: Gate) -> None:
    grant(store, f"arn:aws:iam::{ACCT}:role/runner")
    assert decide(gate, session(store)) == "Allow"
    assert decide(gate, session(store, Policy=doc(allow("lambda:Get*")))) == "Allow"  # the role has no policy
    assert decide(gate, session(store, Policy=doc(allow("logs:*")))) != "Allow"
    with store.transaction() as conn:
        roles.set_role_permissions_boundary(conn, ACCT, "runner", f"arn:aws:iam::{ACCT}:policy/only-logs")
    assert decide(gate, session(store)) != "Allow"


def test_session_arn_grant_is_not_limited(store: Store, gate: Gate) -> None:
    narrowed = session(store, Policy=doc(allow("logs:*")))
    grant(store, f"arn:aws:sts::{ACCT}:assumed-role/runner/s1")
    assert decide(gate, narrowed) == "Allow"


def test_another_account_needs_both_sides(store: Store, gate: Gate) -> None:
    bob, carol = user(store, OTHER, "bob"), user(store, OTHER, "carol")
    assert decide(gate, bob, FN_ARN) == "no resource-based policy allows the lambda:GetFunction action"
    grant(store, OTHER)
    assert decide(gate, bob, FN_ARN) == "Allow"
    assert decide(gate, carol, FN_ARN) == "no identity-based policy allows the lambda:GetFunction action"
    grant(store, f"arn:aws:iam::{OTHER}:user/carol")
    assert decide(gate, carol, FN_ARN) == "no identity-based policy allows the lambda:GetFunction action"


def test_a_bare_name_is_the_callers_own_function(store: Store, gate: Gate) -> None:
    """Another account's function is reached by its ARN; ``fn`` alone is the caller's own (here
    missing, so only the caller's identity policy decides: the handler then answers not found)."""
    carol = user(store, OTHER, "carol")
    grant(store, f"arn:aws:iam::{OTHER}:user/carol")
    with store.transaction() as conn:
        inline_policies.put_inline_policy(conn, OTHER, "user", "carol", "own", doc(allow(resource=OTHER_FN)))
    assert decide(gate, carol, "fn") == "Allow"
    assert decide(gate, carol, FN_ARN) == "no identity-based policy allows the lambda:GetFunction action"


def test_a_deny_in_the_function_policy_wins(store: Store, gate: Gate) -> None:
    with store.transaction() as conn:
        inline_policies.put_inline_policy(conn, ACCT, "user", "alice", "all", doc(allow()))
    alice = user(store, ACCT, "alice")
    assert decide(gate, alice) == "Allow"
    put(store, {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/alice"},
                "Action": "lambda:GetFunction", "Resource": FN_ARN})
    assert decide(gate, alice) == "an explicit deny in a resource-based policy"


def test_the_qualified_arn_picks_the_policy(store: Store, gate: Gate) -> None:
    alice = user(store, ACCT, "alice")
    add_permission(ctx("AddPermission", FunctionName="fn", Qualifier="live", StatementId="live",
                       Action="lambda:GetFunction", Principal=f"arn:aws:iam::{ACCT}:user/alice"), store)
    assert decide(gate, alice, "fn:live") == "Allow"
    assert decide(gate, alice, "fn", Qualifier="live") == "Allow"
    assert decide(gate, alice, "fn") != "Allow"
    assert decide(gate, alice, "fn:1") != "Allow"
    grant(store, f"arn:aws:iam::{ACCT}:user/alice")
    assert decide(gate, alice, "fn") == "Allow"
    assert decide(gate, alice, "fn:$LATEST") != "Allow"  # the statement's Resource is the unqualified ARN
    assert decide(gate, alice, "fn:1") != "Allow"


def test_resource_tags_decide(store: Store, gate: Gate) -> None:
    alice = user(store, ACCT, "alice")
    put(store, {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/alice"},
                "Action": "lambda:GetFunction", "Resource": FN_ARN,
                "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}})
    assert decide(gate, alice) != "Allow"
    with store.transaction() as conn:
        function = lambda_functions.get_function(conn, ACCT, REGION, "fn")
        tags.tag_resource(conn, ACCT, "function", function.function_id, {"team": "blue"})
    assert decide(gate, alice) == "Allow"


def test_add_permission_supplies_lambda_principal(store: Store, gate: Gate) -> None:
    conditions = {"StringEquals": {"lambda:Principal": "s3.amazonaws.com"},
                  "StringEqualsIfExists": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}
    with store.transaction() as conn:
        inline_policies.put_inline_policy(conn, ACCT, "user", "alice", "grant",
                                          doc(allow("lambda:AddPermission", Condition=conditions)))
    alice = user(store, ACCT, "alice")
    declared = default_registry().declaration("lambda", "AddPermission")
    assert decide(gate, alice, declared=declared, Principal="s3.amazonaws.com") == "Allow"
    assert decide(gate, alice, declared=declared, Principal="sns.amazonaws.com") != "Allow"
    assert decide(gate, alice, declared=declared, Principal="s3.amazonaws.com", FunctionUrlAuthType="NONE") != "Allow"
    assert decide(gate, alice, declared=declared, Principal="s3.amazonaws.com", FunctionUrlAuthType="AWS_IAM") == \
        "Allow"


def test_a_recreated_user_is_not_the_named_one(store: Store, gate: Gate) -> None:
    grant(store, f"arn:aws:iam::{ACCT}:user/alice")
    assert decide(gate, user(store, ACCT, "alice")) == "Allow"
    with store.transaction() as conn:
        users.delete_user(conn, ACCT, "alice")
        users.create_user(conn, ACCT, "alice")
    assert decide(gate, user(store, ACCT, "alice")) == "no identity-based policy allows the lambda:GetFunction action"


def test_service_principals_with_source_conditions(store: Store) -> None:
    """No service signs requests to Lamina yet; the engine decides them with the stored policy."""
    grant(store, "s3.amazonaws.com", Action="lambda:InvokeFunction", SourceArn="arn:aws:s3:::uploads",
          SourceAccount=ACCT)
    stored = function_policy(ctx("Invoke", FunctionName="fn"), store)
    assert stored is not None
    s3 = Principal("s3.amazonaws.com", PrincipalType.SERVICE)

    def outcome(principal: Principal = s3, **context: str) -> str:
        request = Request(principal, "lambda:InvokeFunction", FN_ARN, context)
        return evaluate(request, PolicySet(resource=stored)).outcome.value

    assert outcome(**{"aws:SourceArn": "arn:aws:s3:::uploads", "aws:SourceAccount": ACCT}) == "Allow"
    assert outcome(**{"aws:SourceArn": "arn:aws:s3:::other", "aws:SourceAccount": ACCT}) == "ImplicitDeny"
    assert outcome(**{"aws:SourceArn": "arn:aws:s3:::uploads", "aws:SourceAccount": OTHER}) == "ImplicitDeny"
    assert outcome() == "ImplicitDeny"
    sns = Principal("sns.amazonaws.com", PrincipalType.SERVICE)
    assert outcome(sns, **{"aws:SourceArn": "arn:aws:s3:::uploads", "aws:SourceAccount": ACCT}) == "ImplicitDeny"


def test_anonymous_callers_need_a_public_grant(store: Store) -> None:
    grant(store, "*", Action="lambda:InvokeFunctionUrl", FunctionUrlAuthType="NONE")
    stored = function_policy(ctx("Invoke", FunctionName="fn"), store)
    assert stored is not None
    anyone = Principal("anonymous", PrincipalType.ANONYMOUS)
    request = Request(anyone, "lambda:InvokeFunctionUrl", FN_ARN, {"lambda:FunctionUrlAuthType": "NONE"})
    assert evaluate(request, PolicySet(resource=stored)).outcome.value == "Allow"
    request = Request(anyone, "lambda:InvokeFunctionUrl", FN_ARN, {"lambda:FunctionUrlAuthType": "AWS_IAM"})
    assert evaluate(request, PolicySet(resource=stored)).outcome.value == "ImplicitDeny"


def test_denials_are_worded_for_the_qualified_arn(store: Store, gate: Gate) -> None:
    bob = user(store, OTHER, "bob")
    error = error_of(lambda: gate.authorize(ctx("GetFunction", bob, FunctionName=f"{FN_ARN}:live"), GET))
    assert error.status == 403
    assert error.message == (f"User: arn:aws:iam::{OTHER}:user/bob is not authorized to perform: lambda:GetFunction "
                             f"on resource: {FN_ARN}:live because no resource-based policy allows the "
                             "lambda:GetFunction action")
