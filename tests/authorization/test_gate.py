"""The gate: the caller's policies from the store, the engine's decision, AWS's sentence, the audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lamina.auth.credentials import Caller
from lamina.authorization import AuditLog, Gate
from lamina.cli import main
from lamina.context import RequestContext
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
