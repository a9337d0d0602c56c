"""Tiny helpers for the policy engine's tests: principal factories, a policy builder, one-call decisions.

They are fixtures that hand back plain functions, so a test reads ``decide([...], Request(user(), ...))``.
"""

from __future__ import annotations

from typing import Any

import pytest

from lamina.policy import (
    Decision,
    Outcome,
    Policy,
    PolicyKind,
    PolicySet,
    Principal,
    PrincipalType,
    Request,
    evaluate,
    parse_policy,
)

ACCOUNT = "123456789012"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-function"


def _document(statements_or_doc: Any) -> Any:
    if isinstance(statements_or_doc, str | bytes):
        return statements_or_doc
    if isinstance(statements_or_doc, dict) and "Statement" in statements_or_doc:
        return statements_or_doc
    return {"Version": "2012-10-17", "Statement": statements_or_doc}


def _policy(statements_or_doc: Any, kind: PolicyKind = PolicyKind.IDENTITY, policy_id: str = "p") -> Policy:
    return parse_policy(_document(statements_or_doc), kind=kind, policy_id=policy_id)


def _decide(statements_or_doc: Any, request: Request, **policyset: Any) -> Decision:
    identity = [] if statements_or_doc is None else [_policy(statements_or_doc)]
    policyset.setdefault("identity", identity)
    return evaluate(request, PolicySet(**policyset))


@pytest.fixture
def policy():
    """``policy(statements_or_doc, kind=PolicyKind.IDENTITY, policy_id="p")``: a parsed Policy."""
    return _policy


@pytest.fixture
def decide():
    """``decide(statements_or_doc | None, request, **policyset)``: identity policy "p" plus any other types."""
    return _decide


@pytest.fixture
def holds():
    """``holds(condition, context)``: whether ``Allow * on *`` with this Condition allows a user's request."""

    def check(condition: dict[str, Any], context: dict[str, Any] | None = None, version: str = "2012-10-17"):
        doc = {"Version": version, "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}]}
        request = Request(_user(), "lambda:GetFunction", FUNCTION, context=context or {})
        return _decide(doc, request).outcome is Outcome.ALLOW

    return check


def _user(name: str = "alice", account: str = ACCOUNT) -> Principal:
    return Principal(f"arn:aws:iam::{account}:user/{name}", PrincipalType.USER, account)


@pytest.fixture
def user():
    """``user(name="alice", account=ACCOUNT)``: an IAM user signing with long-term keys."""
    return _user


@pytest.fixture
def session():
    """``session(role="admin", name="s1", account=ACCOUNT, path="/")``: a role session."""

    def make(role: str = "admin", name: str = "s1", account: str = ACCOUNT, path: str = "/") -> Principal:
        return Principal(f"arn:aws:sts::{account}:assumed-role/{role}/{name}", PrincipalType.ASSUMED_ROLE,
                         account, role_arn=f"arn:aws:iam::{account}:role{path}{role}")

    return make


@pytest.fixture
def root():
    """``root(account=ACCOUNT)``: the account's root user."""
    return lambda account=ACCOUNT: Principal(f"arn:aws:iam::{account}:root", PrincipalType.ROOT, account)


@pytest.fixture
def service():
    """``service(name="sns.amazonaws.com")``: an AWS service principal."""
    return lambda name="sns.amazonaws.com": Principal(name, PrincipalType.SERVICE)


@pytest.fixture
def anonymous():
    """``anonymous()``: an unsigned caller."""
    return lambda: Principal("anonymous", PrincipalType.ANONYMOUS)
