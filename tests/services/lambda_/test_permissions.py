"""AddPermission, RemovePermission and GetPolicy in-process: the statement AWS writes for each
parameter, the policy GetPolicy shows, and AWS's errors (compared with its recorded answers)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_permissions_support import ACCT, FN_ARN, ctx, error_of, matches, new_store, recorded

from lamina.services.lambda_.permissions import add_permission, get_policy, remove_permission
from lamina.store import Store
from lamina.store.repositories import lambda_aliases, lambda_functions, roles, users


@pytest.fixture
def store() -> Store:
    return new_store()


def add(store: Store, **params: Any) -> dict[str, Any]:
    base = {"FunctionName": "fn", "Action": "lambda:InvokeFunction"}
    answer: dict[str, Any] = json.loads(add_permission(ctx("AddPermission", **{**base, **params}), store)["Statement"])
    return answer


def policy(store: Store, **params: Any) -> dict[str, Any]:
    return get_policy(ctx("GetPolicy", **{"FunctionName": "fn", **params}), store)


@pytest.mark.parametrize(("record", "params"), [
    ("add_permission_principal_wildcard", {"StatementId": "wilcard", "Principal": "*", "SourceAccount": ACCT}),
    ("add_permission_principal_service", {"StatementId": "lambda", "Principal": "lambda.amazonaws.com",
                                          "SourceAccount": ACCT}),
    ("add_permission_principal_account", {"StatementId": "account-id", "Principal": ACCT}),
    ("add_permission_alexa_skill", {"StatementId": "alexaSkill", "Principal": "*",
                                    "EventSourceToken": "amzn1.ask.skill.xxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"}),
    ("add_permission_source_arn", {"StatementId": "s3", "Principal": "s3.amazonaws.com",
                                   "SourceArn": "arn:aws:s3:::test-bucket"}),
    ("add_permission_optional_fields", {"StatementId": "urlPermission", "Action": "lambda:InvokeFunctionUrl",
                                        "Principal": "*", "SourceArn": "arn:aws:s3:::test-bucket",
                                        "SourceAccount": ACCT, "PrincipalOrgID": "o-1234567890",
                                        "FunctionUrlAuthType": "NONE"}),
])
def test_the_statement_is_written_as_aws_writes_it(store: Store, record: str, params: dict[str, Any]) -> None:
    statement = add(store, **params)
    assert matches(recorded(record)["Statement"], statement), statement
    assert statement["Resource"] == FN_ARN


def test_an_iam_user_principal_is_written_as_given(store: Store) -> None:
    with store.transaction() as conn:
        users.create_user(conn, ACCT, "dev")
    arn = f"arn:aws:iam::{ACCT}:user/dev"
    statement = add(store, StatementId="user-arn", Principal=arn, SourceAccount=ACCT)
    assert matches(recorded("add_permission_principal_arn")["Statement"], statement)
    assert statement["Principal"] == {"AWS": arn}


def test_the_answer_is_compact_json(store: Store) -> None:
    answer = add_permission(ctx("AddPermission", FunctionName="fn", Action="lambda:InvokeFunction",
                                StatementId="s", Principal="sns.amazonaws.com"), store)["Statement"]
    assert answer == ('{"Sid":"s","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},'
                      f'"Action":"lambda:InvokeFunction","Resource":"{FN_ARN}"}}')


def test_invoked_via_function_url_is_a_bool_condition(store: Store) -> None:
    statement = add(store, StatementId="url", Principal=ACCT, InvokedViaFunctionUrl=True)
    assert statement["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}


def test_get_policy_shows_every_statement_in_order(store: Store) -> None:
    add(store, StatementId="s3", Principal="s3.amazonaws.com")
    add(store, StatementId="sqs", Principal="sqs.amazonaws.com", SourceArn="arn:aws:s3:::test-bucket")
    answer = policy(store)
    shown = json.loads(answer["Policy"])
    assert matches(recorded("policy_after_2_add")["Policy"], shown)
    assert answer["Policy"].startswith('{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"s3"')
    assert answer["RevisionId"]


@pytest.mark.parametrize(("qualifier", "record"), [("1", "get_policy_version"),
                                                   ("permission-alias", "get_policy_alias")])
def test_a_qualified_policy_is_the_version_or_alias_own(store: Store, qualifier: str, record: str) -> None:
    add(store, StatementId="s3", Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::b",
        Qualifier=qualifier)
    shown = json.loads(policy(store, Qualifier=qualifier)["Policy"])
    assert matches(recorded(record)["Policy"], shown)
    assert shown["Statement"][0]["Resource"] == f"{FN_ARN}:{qualifier}"
    missing = error_of(lambda: policy(store))
    assert (missing.code, missing.message) == ("ResourceNotFoundException",
                                               "The resource you requested does not exist.")


def answer_of(error: Any) -> tuple[str, str, int]:
    return error.code, error.message, error.status


def expected(record: str, name: str = "fn") -> tuple[str, str, int]:
    found = recorded(record)
    message = found["Error"]["Message"].replace("arn:<partition>:lambda:<region>:111111111111",
                                                 f"arn:aws:lambda:us-east-1:{ACCT}").replace("<function-name>", name)
    return found["Error"]["Code"], message, found["HTTPStatusCode"]


@pytest.mark.parametrize(("record", "params"), [
    ("add_permission_fn_qualifier_mismatch", {"FunctionName": "fn:alias-not-42", "Qualifier": "42"}),
    ("add_permission_fn_qualifier_latest", {"FunctionName": "fn:$LATEST", "Qualifier": "$LATEST"}),
    ("add_permission_principal_invalid", {"Principal": "invalid.nonaws.com", "SourceAccount": ACCT}),
    ("add_permission_fn_doesnotexist", {"FunctionName": "doesnotexist"}),
    ("add_permission_fn_alias_doesnotexist", {"FunctionName": "fn:alias-doesnotexist"}),
    ("add_permission_fn_version_doesnotexist", {"Qualifier": "42"}),
])
def test_add_permission_errors(store: Store, record: str, params: dict[str, Any]) -> None:
    base = {"FunctionName": "fn", "Action": "lambda:InvokeFunction", "StatementId": "s3",
            "Principal": "s3.amazonaws.com"}
    error = error_of(lambda: add_permission(ctx("AddPermission", **{**base, **params}), store))
    named = "doesnotexist" if params.get("FunctionName") == "doesnotexist" else "fn"
    assert answer_of(error) == expected(record, named)


def test_a_taken_statement_id_conflicts(store: Store) -> None:
    add(store, StatementId="s3", Principal="s3.amazonaws.com")
    error = error_of(lambda: add(store, StatementId="s3", Principal="s3.amazonaws.com"))
    assert answer_of(error) == expected("add_permission_conflicting_statement_id")


def test_a_principal_that_does_not_exist_is_invalid(store: Store) -> None:
    error = error_of(lambda: add(store, StatementId="u", Principal=f"arn:aws:iam::{ACCT}:user/nobody"))
    assert answer_of(error) == expected("add_permission_principal_invalid")
    with store.transaction() as conn:
        roles.create_role(conn, ACCT, "runner", "{}")
    assert add(store, StatementId="r", Principal=f"arn:aws:iam::{ACCT}:role/runner")["Principal"] == {
        "AWS": f"arn:aws:iam::{ACCT}:role/runner"}


def test_a_stale_revision_is_refused(store: Store) -> None:
    error = error_of(lambda: add(store, StatementId="s3", Principal="s3.amazonaws.com", Qualifier="live",
                                 RevisionId="wrong"))
    assert answer_of(error) == expected("add_permission_alias_revision_exception")
    add(store, StatementId="s3", Principal="s3.amazonaws.com")
    current = policy(store)["RevisionId"]
    add(store, StatementId="s4", Principal="s3.amazonaws.com", RevisionId=current)
    stale = error_of(lambda: remove_permission(ctx("RemovePermission", FunctionName="fn", StatementId="s3",
                                                   RevisionId=current), store))
    assert stale.code == "PreconditionFailedException"


def revision_of(store: Store, qualifier: str = "$LATEST") -> str:
    """The RevisionId GetFunction (or GetAlias) shows for ``qualifier``."""
    with store.transaction(read_only=True) as conn:
        if qualifier in ("$LATEST", "1"):
            return lambda_functions.get_version(conn, ACCT, "us-east-1", "fn", qualifier).revision_id
        return lambda_aliases.get_alias(conn, ACCT, "us-east-1", "fn", qualifier).revision_id


@pytest.mark.parametrize("qualifier", [None, "1", "live"])
def test_a_policy_write_is_a_new_revision_of_what_it_is_attached_to(store: Store, qualifier: str | None) -> None:
    """AWS (test_lambda_permission_revisions, recorded): after AddPermission on version 1, the
    version's RevisionId is its policy's; $LATEST's is the function policy's until it changes."""
    shown = qualifier or "$LATEST"
    target = {"Qualifier": qualifier} if qualifier else {}
    before, others = revision_of(store, shown), {q: revision_of(store, q) for q in ("$LATEST", "1", "live")}
    add(store, StatementId="s3", Principal="s3.amazonaws.com", **target)
    added = policy(store, **target)["RevisionId"]
    assert added != before and revision_of(store, shown) == added
    add(store, StatementId="s4", Principal="s3.amazonaws.com", RevisionId=added, **target)
    second = policy(store, **target)["RevisionId"]
    assert second != added and revision_of(store, shown) == second
    remove(store, StatementId="s4", RevisionId=second, **target)
    assert revision_of(store, shown) not in (second, added)
    assert policy(store, **target)["RevisionId"] == revision_of(store, shown)
    remove(store, **target)  # the last statement: the policy goes, the revision is renewed once more
    assert revision_of(store, shown) != policy_revision_gone(store, **target)
    assert all(revision_of(store, q) == r for q, r in others.items() if q != shown)


def policy_revision_gone(store: Store, **target: Any) -> str:
    """GetPolicy is a ResourceNotFoundException once the last statement is removed; '' stands for it."""
    assert error_of(lambda: policy(store, **target)).code == "ResourceNotFoundException"
    return ""


def test_a_stale_revision_is_refused_by_remove_permission(store: Store) -> None:
    """RemovePermission's precondition is the policy's, worded as AddPermission's is today (AWS's only
    recorded RemovePermission answer, from 2022, still said "Call the GetFunction/GetAlias API", as
    AddPermission's did then)."""
    add(store, StatementId="s3", Principal="s3.amazonaws.com")
    old = policy(store)["RevisionId"]
    add(store, StatementId="s4", Principal="s3.amazonaws.com")
    stale = error_of(lambda: remove(store, RevisionId=old))
    assert answer_of(stale) == expected("add_permission_revision_exception")
    assert [s["Sid"] for s in json.loads(policy(store)["Policy"])["Statement"]] == ["s3", "s4"]
    remove(store, RevisionId=policy(store)["RevisionId"])
    assert [s["Sid"] for s in json.loads(policy(store)["Policy"])["Statement"]] == ["s4"]


def test_the_function_revision_is_not_the_policy_revision_after_a_change(store: Store) -> None:
    """A later change to $LATEST renews its RevisionId; the policy keeps its own, and AddPermission
    takes the policy's (AWS recorded get_policy_after_publishing_latest and get_policy_after_adding_2)."""
    add(store, StatementId="s3", Principal="s3.amazonaws.com")
    revision = policy(store)["RevisionId"]
    with store.transaction() as conn:
        lambda_functions.update_function(conn, ACCT, "us-east-1", "fn", config={"Runtime": "python3.13"})
    assert revision_of(store) != revision and policy(store)["RevisionId"] == revision
    stale = error_of(lambda: add(store, StatementId="s4", Principal="s3.amazonaws.com", RevisionId=revision_of(store)))
    assert stale.code == "PreconditionFailedException"
    add(store, StatementId="s4", Principal="s3.amazonaws.com", RevisionId=revision)


def test_the_policy_size_limit(store: Store) -> None:
    def grow() -> None:
        for i in range(100):
            add(store, StatementId=f"s{i:03d}", Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{'b' * 200}")

    error = error_of(grow)
    assert error.code == "PolicyLengthExceededException"
    assert error.message.startswith("The final policy size (")
    assert error.message.endswith(") is bigger than the limit (20480).")
    kept = policy(store)["Policy"]
    assert 20480 - 400 < len(kept) <= 20480  # the refused statement was not written


def remove(store: Store, **params: Any) -> None:
    remove_permission(ctx("RemovePermission", **{"FunctionName": "fn", "StatementId": "s3", **params}), store)


def test_remove_permission(store: Store) -> None:
    assert answer_of(error_of(lambda: remove(store))) == expected("remove_permission_policy_doesnotexist")
    add(store, StatementId="s3", Principal="s3.amazonaws.com")
    add(store, StatementId="sqs", Principal="sqs.amazonaws.com")
    assert answer_of(error_of(lambda: remove(store, StatementId="non-existent"))) == expected(
        "remove_permission_exception_nonexisting_sid")
    remove(store, StatementId="sqs")
    assert [s["Sid"] for s in json.loads(policy(store)["Policy"])["Statement"]] == ["s3"]
    remove(store)
    assert answer_of(error_of(lambda: policy(store))) == expected("get_policy_exception_removed_all")


def test_remove_permission_misses(store: Store) -> None:
    assert answer_of(error_of(lambda: remove(store, FunctionName="doesnotexist"))) == expected(
        "remove_permission_fn_doesnotexist", "doesnotexist")
    assert answer_of(error_of(lambda: remove(store, Qualifier="alias-doesnotexist"))) == expected(
        "remove_permission_fn_alias_doesnotexist")


def test_get_policy_misses(store: Store) -> None:
    assert answer_of(error_of(lambda: policy(store, FunctionName="doesnotexist"))) == expected(
        "get_policy_fn_doesnotexist")
    assert answer_of(error_of(lambda: policy(store, Qualifier="77"))) == expected("get_policy_fn_version_doesnotexist")


def test_a_deleted_user_reads_as_its_old_unique_id(store: Store) -> None:
    with store.transaction() as conn:
        user_id = users.create_user(conn, ACCT, "dev").user_id
    add(store, StatementId="dev", Principal=f"arn:aws:iam::{ACCT}:user/dev")
    with store.transaction() as conn:
        users.delete_user(conn, ACCT, "dev")
        users.create_user(conn, ACCT, "dev")
    shown = json.loads(policy(store)["Policy"])
    assert shown["Statement"][0]["Principal"] == {"AWS": user_id}
