"""Every modelled IAM and STS operation is declared for the gate, with actions the catalog knows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest

from lamina.auth.credentials import Caller, root_caller
from lamina.catalog import default_catalog
from lamina.context import RequestContext
from lamina.services import declaration
from lamina.store import Store, open_store
from lamina.store.repositories import accounts, users

ACCT = "123456789012"
NEWER_THAN_CATALOG = {("iam", "AcquireRole"), ("iam", "UpdateDelegationRequest"),
                      ("iam", "UpdateOpenIDConnectProvider"), ("sts", "GetScopedCredentials")}
"""Operations botocore models that the installed Service Authorization Reference does not list yet."""


def _operations() -> Iterator[tuple[str, str]]:
    session = botocore.session.get_session()
    for service in ("iam", "sts"):
        for name in session.get_service_model(service).operation_names:
            yield service, name


@pytest.fixture
def store() -> Iterator[Store]:
    st = open_store("sqlite://")
    with st.transaction() as conn:
        accounts.create_account(conn, ACCT)
    yield st


def _ctx(params: dict[str, Any], caller: Caller | None = None) -> RequestContext:
    ctx = RequestContext("r", "POST", "/", "", (), b"")
    ctx.caller = caller or root_caller(ACCT, "AKIAROOT")
    ctx.params = params
    return ctx


@pytest.mark.parametrize(("service", "name"), list(_operations()))
def test_every_operation_is_declared(service: str, name: str) -> None:
    found = declaration(service, name)
    assert found is not None, f"{service}:{name} has no declaration"
    if found.never_authorized:
        return
    assert found.actions
    for action in found.actions:
        if (service, name) not in NEWER_THAN_CATALOG:
            assert default_catalog().action(action) is not None, action


def test_get_caller_identity_is_never_authorized() -> None:
    found = declaration("sts", "GetCallerIdentity")
    assert found is not None and found.never_authorized and not found.actions


def test_create_user_acts_on_the_new_user(store: Store) -> None:
    found = declaration("iam", "CreateUser")
    assert found is not None and found.actions == ("iam:CreateUser",)
    assert list(found.resources(_ctx({"UserName": "alice"}), store)) == [f"arn:aws:iam::{ACCT}:user/alice"]
    with_path = _ctx({"UserName": "bob", "Path": "/eng/"})
    assert list(found.resources(with_path, store)) == [f"arn:aws:iam::{ACCT}:user/eng/bob"]


def test_existing_user_resolves_its_path(store: Store) -> None:
    with store.transaction() as conn:
        users.create_user(conn, ACCT, "carol", "/team/")
    found = declaration("iam", "GetUserPolicy")
    assert found is not None
    arns = found.resources(_ctx({"UserName": "carol", "PolicyName": "p"}), store)
    assert list(arns) == [f"arn:aws:iam::{ACCT}:user/team/carol"]


def test_list_users_is_on_star(store: Store) -> None:
    assert default_catalog().resource_types_for("iam:ListUsers") == ()
    found = declaration("iam", "ListUsers")
    assert found is not None and list(found.resources(_ctx({}), store)) == ["*"]


def test_arn_parameter_is_the_resource(store: Store) -> None:
    found = declaration("iam", "GetPolicyVersion")
    arn = f"arn:aws:iam::{ACCT}:policy/ops/read"
    assert found is not None and list(found.resources(_ctx({"PolicyArn": arn, "VersionId": "v1"}), store)) == [arn]
    sim = declaration("iam", "SimulatePrincipalPolicy")
    role = "arn:aws:iam::210987654321:role/x"
    assert sim is not None and list(sim.resources(_ctx({"PolicySourceArn": role}), store)) == [role]


def test_own_access_keys_default_to_the_caller(store: Store) -> None:
    found = declaration("iam", "CreateAccessKey")
    alice = Caller(ACCT, f"arn:aws:iam::{ACCT}:user/alice", "IAMUser", "AIDAX", "AKIAX", user_name="alice")
    assert found is not None
    assert list(found.resources(_ctx({}, alice), store)) == [f"arn:aws:iam::{ACCT}:user/alice"]
    assert list(found.resources(_ctx({}), store)) == [f"arn:aws:iam::{ACCT}:root"]


def test_tagging_declares_request_tags(store: Store) -> None:
    found = declaration("iam", "TagRole")
    assert found is not None and found.context is not None
    keys = found.context(_ctx({"RoleName": "r", "Tags": [{"Key": "team", "Value": "a"}]}), store)
    assert keys == {"aws:RequestTag/team": "a", "aws:TagKeys": ["team"]}


def test_users_groups_and_roles_are_named_as_iam_names_them() -> None:
    found = declaration("iam", "ListSSHPublicKeys")
    assert found is not None and found.label is not None
    alice = Caller(ACCT, f"arn:aws:iam::{ACCT}:user/alice", "IAMUser", "AIDAX", "AKIAX", user_name="alice")
    assert found.label(_ctx({}, alice)) == "user alice"
    role = declaration("iam", "ListInstanceProfilesForRole")
    assert role is not None and role.label is not None and role.label(_ctx({"RoleName": "r"})) == "role r"
    policy = declaration("iam", "ListPolicyTags")
    assert policy is not None and policy.label is None


def test_request_parameters_become_service_keys(store: Store) -> None:
    found = declaration("iam", "CreateServiceLinkedRole")
    assert found is not None and found.context is not None
    assert found.context(_ctx({"AWSServiceName": "elasticbeanstalk.amazonaws.com"}), store) == {
        "iam:AWSServiceName": "elasticbeanstalk.amazonaws.com"}
    plain = declaration("iam", "ListSAMLProviders")
    assert plain is not None and plain.context is None
