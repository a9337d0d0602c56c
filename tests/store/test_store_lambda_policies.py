"""Function resource policies: statements by Sid per qualifier, RevisionId preconditions, the last
statement taking the policy along, and the principals a policy names bound to their unique ids."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lambda_store_support import ACCOUNT, REGION, make_function
from sqlalchemy import Connection

from lamina.store import AlreadyExists, NotFound, PreconditionFailed
from lamina.store.repositories import LATEST, lambda_aliases, lambda_functions, lambda_policies, named_principals, users
from lamina.store.repositories import lambda_versions as versions

policies = lambda_policies


def statement(sid: str, principal: Any = None) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Principal": principal or {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn"}


@pytest.fixture
def fn(conn: Connection) -> Connection:
    make_function(conn)
    versions.publish_version(conn, ACCOUNT, REGION, "fn")
    lambda_aliases.create_alias(conn, ACCOUNT, REGION, "fn", "live", "1")
    return conn


def test_add_statements_per_qualifier(fn: Connection) -> None:
    first = policies.add_statement(fn, ACCOUNT, REGION, "fn", "", statement("s3"))
    assert json.loads(first.document) == {"Version": "2012-10-17", "Id": "default", "Statement": [statement("s3")]}
    second = policies.add_statement(fn, ACCOUNT, REGION, "fn", "", statement("s3_2"))
    assert [s["Sid"] for s in second.statements()] == ["s3", "s3_2"]
    assert second.revision_id != first.revision_id
    assert policies.get_policy(fn, ACCOUNT, REGION, "fn") == second
    with pytest.raises(AlreadyExists) as taken:
        policies.add_statement(fn, ACCOUNT, REGION, "fn", "", statement("s3"))
    assert (taken.value.kind, taken.value.name) == ("policy statement", "s3")
    for qualifier in ("1", "live"):  # the same Sid is free on a version or an alias: separate policies
        on = policies.add_statement(fn, ACCOUNT, REGION, "fn", qualifier, statement("s3"))
        assert on.qualifier == qualifier and [s["Sid"] for s in on.statements()] == ["s3"]
    assert versions.publish_version(fn, ACCOUNT, REGION, "fn").version == "1"  # nothing changed
    with pytest.raises(NotFound) as none:
        policies.get_policy(fn, ACCOUNT, REGION, "fn", "2")
    assert none.value.kind == "function version"


def test_targets_must_exist_and_latest_has_none(fn: Connection) -> None:
    for qualifier, kind in (("42", "function version"), ("nope", "alias")):
        with pytest.raises(NotFound) as missing:
            policies.add_statement(fn, ACCOUNT, REGION, "fn", qualifier, statement("s"))
        assert (missing.value.kind, missing.value.name) == (kind, f"fn:{qualifier}")
    with pytest.raises(NotFound) as no_function:
        policies.get_policy(fn, ACCOUNT, REGION, "nope")
    assert no_function.value.kind == "function"
    with pytest.raises(NotFound) as no_policy:
        policies.get_policy(fn, ACCOUNT, REGION, "fn", "live")
    assert (no_policy.value.kind, no_policy.value.name) == ("function policy", "fn:live")
    with pytest.raises(ValueError):
        policies.add_statement(fn, ACCOUNT, REGION, "fn", LATEST, statement("s"))


def test_remove_statements(fn: Connection) -> None:
    with pytest.raises(NotFound) as no_policy:
        policies.remove_statement(fn, ACCOUNT, REGION, "fn", "", "s3")
    assert no_policy.value.kind == "function policy"
    policies.add_statement(fn, ACCOUNT, REGION, "fn", "", statement("s3"))
    before = policies.add_statement(fn, ACCOUNT, REGION, "fn", "", statement("sqs"))
    with pytest.raises(NotFound) as no_sid:
        policies.remove_statement(fn, ACCOUNT, REGION, "fn", "", "non-existent")
    assert (no_sid.value.kind, no_sid.value.name) == ("policy statement", "non-existent")
    assert policies.get_policy(fn, ACCOUNT, REGION, "fn") == before
    left = policies.remove_statement(fn, ACCOUNT, REGION, "fn", "", "sqs")
    assert left is not None and left.statements() == [statement("s3")] and left.revision_id != before.revision_id
    assert policies.remove_statement(fn, ACCOUNT, REGION, "fn", "", "s3") is None
    with pytest.raises(NotFound):  # AWS: "The resource you requested does not exist."
        policies.get_policy(fn, ACCOUNT, REGION, "fn")


def test_revision_preconditions(fn: Connection) -> None:
    alias = lambda_aliases.get_alias(fn, ACCOUNT, REGION, "fn", "live")
    with pytest.raises(PreconditionFailed) as stale:
        policies.add_statement(fn, ACCOUNT, REGION, "fn", "live", statement("s"), expected_revision_id="wrong")
    assert (stale.value.kind, stale.value.name, stale.value.actual) == ("function policy", "fn:live", alias.revision_id)
    # before a policy exists, the alias's own RevisionId is accepted (as in AWS)
    made = policies.add_statement(fn, ACCOUNT, REGION, "fn", "live", statement("s"),
                                  expected_revision_id=alias.revision_id)
    with pytest.raises(PreconditionFailed):
        policies.add_statement(fn, ACCOUNT, REGION, "fn", "live", statement("t"),
                               expected_revision_id=alias.revision_id)
    grown = policies.add_statement(fn, ACCOUNT, REGION, "fn", "live", statement("t"),
                                   expected_revision_id=made.revision_id)
    with pytest.raises(PreconditionFailed):
        policies.remove_statement(fn, ACCOUNT, REGION, "fn", "live", "t", expected_revision_id=made.revision_id)
    with pytest.raises(PreconditionFailed):
        policies.delete_policy(fn, ACCOUNT, REGION, "fn", "live", expected_revision_id=made.revision_id)
    policies.remove_statement(fn, ACCOUNT, REGION, "fn", "live", "t", expected_revision_id=grown.revision_id)
    latest = lambda_functions.get_version(fn, ACCOUNT, REGION, "fn")
    version = lambda_functions.get_version(fn, ACCOUNT, REGION, "fn", "1")
    policies.add_statement(fn, ACCOUNT, REGION, "fn", "", statement("u"), expected_revision_id=latest.revision_id)
    policies.add_statement(fn, ACCOUNT, REGION, "fn", "1", statement("u"), expected_revision_id=version.revision_id)


def test_put_and_delete_whole_policy(fn: Connection) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement("a"), statement("b")]})
    put = policies.put_policy(fn, ACCOUNT, REGION, "fn", "", document)
    assert put.document == document and [s["Sid"] for s in put.statements()] == ["a", "b"]
    replaced = policies.put_policy(fn, ACCOUNT, REGION, "fn", "", document, expected_revision_id=put.revision_id)
    assert replaced.revision_id != put.revision_id
    with pytest.raises(PreconditionFailed):
        policies.put_policy(fn, ACCOUNT, REGION, "fn", "", document, expected_revision_id=put.revision_id)
    policies.delete_policy(fn, ACCOUNT, REGION, "fn", "", expected_revision_id=replaced.revision_id)
    with pytest.raises(NotFound):
        policies.delete_policy(fn, ACCOUNT, REGION, "fn")


def test_version_policy_goes_with_the_version(fn: Connection) -> None:
    lambda_functions.update_function(fn, ACCOUNT, REGION, "fn", config={"Timeout": 1})
    versions.publish_version(fn, ACCOUNT, REGION, "fn")
    policies.add_statement(fn, ACCOUNT, REGION, "fn", "2", statement("s"))
    versions.delete_version(fn, ACCOUNT, REGION, "fn", 2)
    with pytest.raises(NotFound) as gone:
        policies.get_policy(fn, ACCOUNT, REGION, "fn", "2")
    assert gone.value.kind == "function version"


def test_named_principals_stay_bound_to_their_unique_ids(fn: Connection) -> None:
    alice = users.create_user(fn, ACCOUNT, "alice")
    bob = users.create_user(fn, ACCOUNT, "bob")
    made = policies.add_statement(fn, ACCOUNT, REGION, "fn", "", statement("a", {"AWS": alice.arn}))
    owner = (lambda_functions.POLICY_OWNER, made.owner_id)
    assert named_principals.recorded(fn, *owner) == {alice.arn: alice.user_id}
    users.delete_user(fn, ACCOUNT, "alice")
    again = users.create_user(fn, ACCOUNT, "alice")
    grown = policies.add_statement(fn, ACCOUNT, REGION, "fn", "", statement("b", {"AWS": bob.arn}))
    # the older statement still names the deleted alice, not her namesake
    assert named_principals.recorded(fn, *owner) == {alice.arn: alice.user_id, bob.arn: bob.user_id}
    shown = json.loads(policies.as_read(fn, grown))
    assert [s["Principal"]["AWS"] for s in shown["Statement"]] == [alice.user_id, bob.arn]
    policies.remove_statement(fn, ACCOUNT, REGION, "fn", "", "b")
    assert named_principals.recorded(fn, *owner) == {alice.arn: alice.user_id}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement("a", {"AWS": alice.arn})]})
    policies.put_policy(fn, ACCOUNT, REGION, "fn", "", document)  # written afresh: binds who is there now
    assert named_principals.recorded(fn, *owner) == {alice.arn: again.user_id}
    policies.delete_policy(fn, ACCOUNT, REGION, "fn")
    assert named_principals.recorded(fn, *owner) == {}


def test_unreadable_documents_have_no_statements(fn: Connection) -> None:
    for document in ("not json", "[]", '{"Statement": {"Sid": "one"}}', '{"Statement": [1, {"Sid": "x"}]}'):
        put = policies.put_policy(fn, ACCOUNT, REGION, "fn", "", document)
        assert [s.get("Sid") for s in put.statements()] in ([], ["one"], ["x"])
    grown = policies.add_statement(fn, ACCOUNT, REGION, "fn", "", statement("y"))
    assert [s["Sid"] for s in grown.statements()] == ["x", "y"]
