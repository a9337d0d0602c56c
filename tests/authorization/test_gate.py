"""The gate: the caller's policies from the store, the engine's decision, AWS's sentence, the audit trail."""

from __future__ import annotations

import itertools
import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lamina.auth.credentials import Caller
from lamina.authorization import AccessDenied, AuditLog, Gate, caller_policies, principal_of
from lamina.authorization.context_keys import global_keys
from lamina.authorization.gate import SecondKeys
from lamina.cli import main
from lamina.context import RequestContext
from lamina.policy import PolicyKind, PolicySet, Request, denial_message, evaluate, parse_policy
from lamina.protocols import ServiceError
from lamina.services.registry import Authorization
from lamina.store import Store, open_store
from lamina.store.repositories import accounts, attachments, audit, groups, inline_policies, policies, users

ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/team/alice"


def _allow(action: str, resource: str = "*", effect: str = "Allow") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": action,
                                                               "Resource": resource}]})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        accounts.create_account(conn, ACCOUNT)
        users.create_user(conn, ACCOUNT, "alice", "/team/")
        users.create_user(conn, ACCOUNT, "bob")
    yield store


@pytest.fixture
def gate(store: Store) -> Gate:
    return Gate(store, AuditLog(store, background=False))


def _ctx(caller: Caller) -> RequestContext:
    return RequestContext("req-1", "POST", "/", "", [], b"", source_ip="203.0.113.9", caller=caller,
                          region="us-east-1")


def _alice(store: Store) -> RequestContext:
    """Alice as authentication resolves her: the gate finds her policies by her unique id."""
    with store.transaction(read_only=True) as conn:
        user_id = users.get_user(conn, ACCOUNT, "alice").user_id
    return _ctx(Caller(ACCOUNT, ALICE, "IAMUser", user_id, "AKIAALICE", user_name="alice"))


def _get_user(arn: str, name: str) -> Authorization:
    return Authorization(("iam:GetUser",), resources=lambda ctx, store: [arn], label=lambda ctx: f"user {name}")


def test_user_without_policies_gets_aws_sentence(gate: Gate) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html"""
    with pytest.raises(ServiceError) as denied:
        gate.authorize(_alice(gate.store), _get_user(f"arn:aws:iam::{ACCOUNT}:user/bob", "bob"))
    assert (denied.value.code, denied.value.status) == ("AccessDenied", 403)
    assert denied.value.message == (f"User: {ALICE} is not authorized to perform: iam:GetUser on resource: user bob "
                                    "because no identity-based policy allows the iam:GetUser action")


def test_inline_group_and_managed_policies_all_count(store: Store, gate: Gate) -> None:
    with store.transaction() as conn:
        inline_policies.put_inline_policy(conn, ACCOUNT, "user", "alice", "own", _allow("iam:GetUser", ALICE))
        groups.create_group(conn, ACCOUNT, "readers")
        groups.add_user_to_group(conn, ACCOUNT, "readers", "alice")
        inline_policies.put_inline_policy(conn, ACCOUNT, "group", "readers", "list", _allow("iam:ListUsers"))
        managed = policies.create_policy(conn, ACCOUNT, "groups", _allow("iam:ListGroups"))
    gate.authorize(_alice(store), _get_user(ALICE, "alice"))
    gate.authorize(_alice(store), Authorization(("iam:ListUsers",)))
    with pytest.raises(ServiceError):
        gate.authorize(_alice(store), Authorization(("iam:ListGroups",)))
    with store.transaction() as conn:
        attachments.attach_policy(conn, ACCOUNT, "user", "alice", managed.arn)
    gate.authorize(_alice(store), Authorization(("iam:ListGroups",)))


def test_boundary_limits_and_explicit_deny_wins(store: Store, gate: Gate) -> None:
    with store.transaction() as conn:
        inline_policies.put_inline_policy(conn, ACCOUNT, "user", "alice", "all", _allow("iam:*"))
        boundary = policies.create_policy(conn, ACCOUNT, "only-list", _allow("iam:List*"))
        users.set_user_permissions_boundary(conn, ACCOUNT, "alice", boundary.arn)
    gate.authorize(_alice(store), Authorization(("iam:ListUsers",)))
    with pytest.raises(ServiceError, match="because no permissions boundary allows the iam:GetUser action"):
        gate.authorize(_alice(store), _get_user(ALICE, "alice"))
    with store.transaction() as conn:
        inline_policies.put_inline_policy(conn, ACCOUNT, "user", "alice", "no", _allow("iam:ListUsers", effect="Deny"))
    with pytest.raises(ServiceError, match="with an explicit deny in an identity-based policy"):
        gate.authorize(_alice(store), Authorization(("iam:ListUsers",)))


def test_context_keys_reach_conditions(store: Store, gate: Gate) -> None:
    """Global keys (aws:username, aws:SourceIp) come from the request, the operation's keys from its declaration."""
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:TagUser", "Resource": "*",
                                                   "Condition": {"StringEquals": {"aws:username": "alice",
                                                                                  "aws:RequestTag/team": "blue"},
                                                                 "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    with store.transaction() as conn:
        inline_policies.put_inline_policy(conn, ACCOUNT, "user", "alice", "tags", json.dumps(doc))
    blue = Authorization(("iam:TagUser",), context=lambda ctx, store: {"aws:RequestTag/team": "blue"})
    red = Authorization(("iam:TagUser",), context=lambda ctx, store: {"aws:RequestTag/team": "red"})
    gate.authorize(_alice(store), blue)
    with pytest.raises(ServiceError):
        gate.authorize(_alice(store), red)


def test_root_is_allowed_and_never_authorized_skips(gate: Gate) -> None:
    root = _ctx(Caller(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", "Root", ACCOUNT, "AKIAROOT"))
    gate.authorize(root, Authorization(("iam:DeleteUser",)))
    gate.authorize(_alice(gate.store), Authorization(never_authorized=True))


def test_every_decision_is_audited_and_shown(store: Store, gate: Gate, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with store.transaction() as conn:
        inline_policies.put_inline_policy(conn, ACCOUNT, "user", "alice", "list", _allow("iam:ListUsers"))
    gate.authorize(_alice(store), Authorization(("iam:ListUsers",)))
    with pytest.raises(ServiceError):
        gate.authorize(_alice(store), _get_user(ALICE, "alice"))
    assert gate.audit.flush() == 2
    with store.transaction(read_only=True) as conn:
        events = audit.list_events(conn, ACCOUNT).items
    assert [(e.action, e.decision) for e in events] == [("iam:GetUser", "ImplicitDeny"), ("iam:ListUsers", "Allow")]
    assert events[1].statements == ({"policy": "user/alice/list", "type": "identity-based policy",
                                     "statement": "Statement[0]", "effect": "Allow"},)
    assert events[0].source_ip == "203.0.113.9"
    assert main(["audit", "--data-dir", str(tmp_path), "--denied", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["action"], line["principal"]) for line in lines] == [("iam:GetUser", ALICE)]


def test_aws_managed_policies_are_read_in_the_callers_account(store: Store, gate: Gate) -> None:
    """``arn:PARTITION:iam::aws:policy/...`` belongs to no customer account: root and a user whose policy allows
    ``iam:GetPolicy`` read it as their own account's (no resource policy needed); a real other account's policy
    still is cross-account."""
    def get_policy(arn: str) -> Authorization:
        return Authorization(("iam:GetPolicy",), resources=lambda ctx, store: [arn])

    root = _ctx(Caller(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", "Root", ACCOUNT, "AKIAROOT"))
    for arn in ("arn:aws:iam::aws:policy/AWSLambdaExecute", "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"):
        gate.authorize(root, get_policy(arn))
    with store.transaction() as conn:
        inline_policies.put_inline_policy(conn, ACCOUNT, "user", "alice", "read", _allow("iam:GetPolicy"))
    gate.authorize(_alice(store), get_policy("arn:aws:iam::aws:policy/AWSLambdaExecute"))
    with pytest.raises(ServiceError):
        gate.authorize(_alice(store), get_policy("arn:aws:iam::444455556666:policy/theirs"))


NOW = int(time.time())
CALLERS = [
    Caller(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", "Root", ACCOUNT, "AKIAROOT"),
    Caller(ACCOUNT, ALICE, "IAMUser", "AIDAALICE", "AKIAALICE", user_name="alice"),
    Caller(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s", "AssumedRole", "AROAR:s", "ASIAS",
           role_arn=f"arn:aws:iam::{ACCOUNT}:role/path/r", temporary=True, mfa_present=True,
           mfa_authenticated_at=datetime.fromtimestamp(NOW - 90, UTC), token_issued_at="2026-01-01T00:00:00Z"),
    Caller(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s", "AssumedRole", "AROAR:s", "ASIAT",
           role_arn=f"arn:aws:iam::{ACCOUNT}:role/r", temporary=True, mfa_present=False),
    Caller(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:federated-user/f", "FederatedUser", f"{ACCOUNT}:f", "ASIAF",
           temporary=True, mfa_present=False, source_id=ACCOUNT,
           context_keys=(("aws:FederatedProvider", "accounts.google.com"), ("aws:CurrentTime", "spoofed"),
                         ("aws:PrincipalTag/team", ("a", "b")), ("AWS:USERNAME", "x"))),
]
"""Every principal type, MFA and not, and a federated session whose provider keys collide with global keys."""


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: f"{c.principal_type}-{c.access_key_id}")
def test_second_keys_are_global_keys_of_that_second(caller: Caller) -> None:
    """The memo against the long way (``principal_of`` and ``global_keys``): same keys, values and order."""
    memo, small = SecondKeys(), SecondKeys()
    small.LIMIT = 7  # type: ignore[misc]  # this one also starts afresh within a second
    for epoch in (NOW, NOW, NOW + 1, NOW - 3600, 0):
        for source_ip, region, secure, tags in itertools.product(
                (None, "", "203.0.113.9", "::1"), (None, "eu-west-1"), (True, False),
                ((), (("team", "blue"),), (("a", "1"), ("A", "2"), ("team", "red")))):
            principal, keys = memo.get(epoch, caller, source_ip, region, secure, tags)
            expected = global_keys(caller, source_ip=source_ip, region=region, secure=secure, principal_tags=tags,
                                   at=datetime.fromtimestamp(epoch, UTC))
            assert list(keys.items()) == list(expected.items())
            assert list(small.get(epoch, caller, source_ip, region, secure, tags)[1].items()) == list(expected.items())
            assert principal == principal_of(caller)
            assert memo.get(epoch, caller, source_ip, region, secure, tags)[1] is keys
            with pytest.raises(TypeError):
                keys["aws:SourceIp"] = "10.0.0.1"  # type: ignore[index]


def test_the_gate_decides_as_the_long_way(store: Store, gate: Gate) -> None:
    """Decisions, denial messages and audit rows of the gate's path against the engine called the long
    way (a fresh Principal, global keys and PolicySet per request), for callers, resources (own, another
    account's, ``*``, AWS's), condition keys and resource policies drawn at random."""
    cond = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:*", "Resource": "*",
         "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
                       "StringEqualsIfExists": {"aws:ResourceTag/team": "blue"}}},
        {"Effect": "Deny", "Action": "lambda:Delete*", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    with store.transaction() as conn:
        inline_policies.put_inline_policy(conn, ACCOUNT, "user", "alice", "cond", json.dumps(cond))
    other = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "lambda:Get*", "Resource": "*"}]}),
        PolicyKind.RESOURCE, "function-policy")
    rng = random.Random(3)
    long_way = AuditLog(store, background=False)
    callers = [_alice(store).require_caller(), CALLERS[0]]
    for _ in range(300):
        caller = rng.choice(callers)
        ctx = _ctx(caller)
        ctx.source_ip = rng.choice([None, "203.0.113.9", "198.51.100.1"])
        action = rng.choice(["lambda:GetFunction", "lambda:DeleteFunction", "iam:GetUser"])
        resource = rng.choice(["*", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f",
                               "arn:aws:lambda:us-east-1:444455556666:function:g", "arn:aws:iam::aws:policy/P"])
        extra = rng.choice([{}, {"aws:ResourceTag/team": "blue"}, {"aws:ResourceTag/team": "red", "aws:SourceIp": "x"}])
        policy = rng.choice([None, other])
        mine = caller_policies(store, caller)
        at = datetime.now(UTC)
        context = {**global_keys(caller, source_ip=ctx.source_ip, region=ctx.region, secure=ctx.secure,
                                 principal_tags=mine.tags, at=at), **extra}
        owner = caller.account_id if resource == "*" or ":iam::aws:" in resource else None
        expected = evaluate(Request(principal_of(caller), action, resource, context, owner),
                            PolicySet(identity=mine.identity, boundary=mine.boundary, session=mine.session,
                                      resource=policy))
        long_way.record(caller.account_id, caller.arn, action, resource, ctx.source_ip, expected,
                        at_ns=audit.ns_of(at))
        try:
            decided = gate.check(ctx, action, resource, extra, policy)
        except AccessDenied as denied:
            assert denied.decision == expected and not expected.allowed
            assert denied.message == denial_message(caller.arn, action, resource, expected)
        else:
            assert decided == expected and expected.allowed
    gate.audit.flush()
    long_way.flush()
    with store.transaction(read_only=True) as conn:
        rows = conn.exec_driver_sql("SELECT account_id, principal_arn, action, resource, source_ip, decision, "
                                    "statements FROM audit_events ORDER BY event_id").fetchall()
    assert rows[:300] == rows[300:]
