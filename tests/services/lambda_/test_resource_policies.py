"""PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy in-process: a whole document,
checked by the policy language's parser and validator, replacing AddPermission's statements."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_permissions_support import ACCT, FN_ARN, ctx, error_of, new_store

from lamina.services.lambda_.permissions import add_permission, get_policy
from lamina.services.lambda_.resource_policies import (
    delete_resource_policy,
    get_resource_policy,
    put_resource_policy,
)
from lamina.store import Store
from lamina.store.repositories import users

DENY_OUTSIDE = {"Version": "2012-10-17", "Id": "guard", "Statement": [
    {"Sid": "team", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
     "Action": "lambda:GetFunction", "Resource": FN_ARN},
    {"Sid": "net", "Effect": "Deny", "Principal": "*", "Action": "lambda:*", "Resource": FN_ARN,
     "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}


@pytest.fixture
def store() -> Store:
    return new_store()


def put(store: Store, document: Any, arn: str = FN_ARN, **params: Any) -> dict[str, Any]:
    text = document if isinstance(document, str) else json.dumps(document)
    return put_resource_policy(ctx("PutResourcePolicy", ResourceArn=arn, Policy=text, **params), store)


def get(store: Store, arn: str = FN_ARN) -> dict[str, Any]:
    return get_resource_policy(ctx("GetResourcePolicy", ResourceArn=arn), store)


def test_a_whole_document_replaces_add_permission_statements(store: Store) -> None:
    add_permission(ctx("AddPermission", FunctionName="fn", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com"), store)
    answer = put(store, DENY_OUTSIDE)
    assert json.loads(answer["Policy"]) == DENY_OUTSIDE
    assert get(store) == answer
    shown = json.loads(get_policy(ctx("GetPolicy", FunctionName="fn"), store)["Policy"])
    assert [s["Sid"] for s in shown["Statement"]] == ["team", "net"]


def test_a_revision_guards_the_replacement(store: Store) -> None:
    first = put(store, DENY_OUTSIDE)
    stale = error_of(lambda: put(store, DENY_OUTSIDE, RevisionId="00000000-0000-0000-0000-000000000000"))
    assert stale.code == "PreconditionFailedException"
    assert put(store, DENY_OUTSIDE, RevisionId=first["RevisionId"])["RevisionId"] != first["RevisionId"]


@pytest.mark.parametrize(("document", "words"), [
    ("{not json", "This policy contains invalid Json"),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:GetFunction",
                                              "Resource": FN_ARN}]}, "Missing required field Principal"),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "lambda:GetFunktion",
                                              "Resource": FN_ARN}]}, "lambda:GetFunktion does not exist"),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "lambda:GetFunction",
                                              "Resource": FN_ARN, "Condition": {"StringEqualz": {"a:b": "c"}}}]},
     "Invalid Condition type"),
])
def test_a_malformed_document_is_invalid(store: Store, document: Any, words: str) -> None:
    error = error_of(lambda: put(store, document))
    assert error.code == "InvalidParameterValueException"
    assert error.message.startswith("The policy document is malformed: ")
    assert words in error.message


def test_a_principal_that_does_not_exist_is_invalid(store: Store) -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:GetFunction",
                                                        "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/nobody"},
                                                        "Resource": FN_ARN}]}
    error = error_of(lambda: put(store, document))
    assert (error.code, error.message) == (
        "InvalidParameterValueException",
        "The provided principal was invalid. Please check the principal and try again.")


def test_the_size_limit(store: Store) -> None:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": FN_ARN,
                 "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-" + "a" * 30}}}
    document = {"Version": "2012-10-17", "Statement": [{**statement, "Sid": f"s{i}"} for i in range(200)]}
    error = error_of(lambda: put(store, document))
    assert error.code == "PolicyLengthExceededException"


def test_qualified_arns_and_latest(store: Store) -> None:
    put(store, DENY_OUTSIDE, arn=f"{FN_ARN}:live")
    assert json.loads(get(store, f"{FN_ARN}:live")["Policy"]) == DENY_OUTSIDE
    assert error_of(lambda: get(store)).code == "ResourceNotFoundException"
    latest = error_of(lambda: put(store, DENY_OUTSIDE, arn=f"{FN_ARN}:$LATEST"))
    assert (latest.code, latest.message) == ("InvalidParameterValueException",
                                             "We currently do not support adding policies for $LATEST.")
    missing = error_of(lambda: put(store, DENY_OUTSIDE, arn=f"{FN_ARN}:nope"))
    assert (missing.code, missing.message) == ("ResourceNotFoundException", f"Cannot find alias arn: {FN_ARN}:nope")


def test_delete_resource_policy(store: Store) -> None:
    delete = lambda **params: delete_resource_policy(  # noqa: E731
        ctx("DeleteResourcePolicy", ResourceArn=FN_ARN, **params), store)
    assert error_of(delete).code == "ResourceNotFoundException"
    revision = put(store, DENY_OUTSIDE)["RevisionId"]
    assert error_of(lambda: delete(RevisionId="00000000-0000-0000-0000-000000000000")).code == \
        "PreconditionFailedException"
    delete(RevisionId=revision)
    assert (error_of(lambda: get(store)).message) == "The resource you requested does not exist."


def test_principals_are_bound_when_put(store: Store) -> None:
    with store.transaction() as conn:
        old_id = users.create_user(conn, ACCT, "dev").user_id
    document = {"Version": "2012-10-17", "Statement": [{"Sid": "dev", "Effect": "Allow", "Resource": FN_ARN,
                                                        "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/dev"},
                                                        "Action": "lambda:GetFunction"}]}
    put(store, document)
    with store.transaction() as conn:
        users.delete_user(conn, ACCT, "dev")
        users.create_user(conn, ACCT, "dev")
    assert json.loads(get(store)["Policy"])["Statement"][0]["Principal"] == {"AWS": old_id}


def test_a_runtime_arn_is_not_a_function(store: Store) -> None:
    runtime = f"arn:aws:lambda:us-east-1:{ACCT}:runtime/python3.12"
    assert error_of(lambda: get(store, runtime)).code == "ResourceNotFoundException"
