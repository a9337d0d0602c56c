"""Lambda functions and $LATEST: create with tags, case-sensitive names, reads by qualifier, updates
under a RevisionId precondition, state changes, listing, concurrency, account usage, cascade on delete,
and the step that brings a version 2 store up to version 3."""

from __future__ import annotations

from pathlib import Path

import pytest
from lambda_store_support import ACCOUNT, REGION, config, make_function
from sqlalchemy import Connection, func, select, text, update

from lamina.store import AlreadyExists, InvalidMarker, LimitExceeded, NotFound, PreconditionFailed, open_store
from lamina.store.repositories import (
    LATEST,
    Status,
    accounts,
    lambda_aliases,
    lambda_code,
    lambda_functions,
    lambda_policies,
    lambda_urls,
    lambda_versions,
    named_principals,
    tags,
    users,
)
from lamina.store.schema import SCHEMA_VERSION, schema_version
from lamina.store.schema import lambda_versions as versions_table

LAMBDA_TABLES = ("lambda_code", "lambda_functions", "lambda_versions", "lambda_aliases", "lambda_policies",
                 "lambda_url_configs")

fns = lambda_functions


def test_create_and_get(conn: Connection) -> None:
    blob = lambda_code.put_code(conn, b"zip-bytes")
    created = fns.create_function(conn, ACCOUNT, REGION, "fn", config(Description="d"), blob.sha256,
                                  status=Status(state="Pending", state_reason_code="Creating"),
                                  tags_to_add={"team": "a"})
    assert created.version == LATEST and created.is_latest
    assert created.config["Description"] == "d"
    assert (created.code_sha256_hex, created.code_size) == (blob.sha256, 9)
    assert created.code_sha256 == blob.code_sha256
    assert created.status.state == "Pending"
    assert fns.get_version(conn, ACCOUNT, REGION, "fn") == created
    function = fns.get_function(conn, ACCOUNT, REGION, "fn")
    assert (function.function_id, function.next_version, function.reserved_concurrency) == (
        created.function_id, 1, None)
    assert fns.get_function_by_id(conn, function.function_id) == function
    assert tags.all_tags(conn, fns.TAG_KIND, function.function_id) == {"team": "a"}


def test_names_are_case_sensitive_and_scoped_by_region(conn: Connection) -> None:
    make_function(conn, "fn")
    with pytest.raises(AlreadyExists) as taken:
        make_function(conn, "fn")
    assert (taken.value.kind, taken.value.name) == ("function", "fn")
    make_function(conn, "FN")  # another function, as in AWS
    blob = lambda_code.put_code(conn, b"zip-1")
    fns.create_function(conn, ACCOUNT, "eu-west-1", "fn", config(), blob.sha256)
    with pytest.raises(NotFound) as missing:
        fns.get_version(conn, ACCOUNT, REGION, "Fn")
    assert (missing.value.kind, missing.value.name) == ("function", "Fn")


def test_create_needs_stored_code_and_an_account(conn: Connection) -> None:
    with pytest.raises(NotFound) as missing:
        fns.create_function(conn, ACCOUNT, REGION, "fn", config(), "00" * 32)
    assert missing.value.kind == "code"
    with pytest.raises(NotFound):
        fns.create_function(conn, "999988887777", REGION, "fn", config(), "00" * 32)


def test_get_by_qualifier(conn: Connection) -> None:
    make_function(conn)
    published = lambda_versions.publish_version(conn, ACCOUNT, REGION, "fn")
    lambda_aliases.create_alias(conn, ACCOUNT, REGION, "fn", "live", "1")
    assert fns.get_version(conn, ACCOUNT, REGION, "fn", "1") == published
    assert fns.get_version(conn, ACCOUNT, REGION, "fn", "live") == published
    for qualifier, kind in (("2", "function version"), ("nope", "alias"), ("01", "alias")):
        with pytest.raises(NotFound) as missing:
            fns.get_version(conn, ACCOUNT, REGION, "fn", qualifier)
        assert (missing.value.kind, missing.value.name) == (kind, f"fn:{qualifier}")


def test_update_replaces_config_and_code_under_a_revision(conn: Connection) -> None:
    created = make_function(conn)
    with pytest.raises(PreconditionFailed) as stale:
        fns.update_function(conn, ACCOUNT, REGION, "fn", config=config(Timeout=9), expected_revision_id="wrong")
    assert (stale.value.condition, stale.value.expected, stale.value.actual) == (
        "revision_id", "wrong", created.revision_id)
    assert fns.get_version(conn, ACCOUNT, REGION, "fn") == created  # unchanged
    updated = fns.update_function(conn, ACCOUNT, REGION, "fn", config=config(Timeout=9),
                                  status=Status(last_update_status="InProgress"),
                                  expected_revision_id=created.revision_id)
    assert updated.config["Timeout"] == 9 and updated.revision_id != created.revision_id
    assert updated.status.last_update_status == "InProgress"
    blob = lambda_code.put_code(conn, b"zip-2-longer")
    recoded = fns.update_function(conn, ACCOUNT, REGION, "fn", code_sha256=blob.sha256)
    assert (recoded.code_sha256_hex, recoded.code_size, recoded.config) == (blob.sha256, 12, updated.config)
    redundant = fns.update_function(conn, ACCOUNT, REGION, "fn", config=recoded.config)
    assert redundant.revision_id != recoded.revision_id  # a redundant update is still a change (AWS)
    with pytest.raises(NotFound):
        fns.update_function(conn, ACCOUNT, REGION, "fn", code_sha256="ab" * 32)


def test_state_changes_renew_only_the_latest_revision(conn: Connection) -> None:
    created = make_function(conn)
    published = lambda_versions.publish_version(conn, ACCOUNT, REGION, "fn")
    active = fns.set_status(conn, ACCOUNT, REGION, "fn", LATEST, Status(state="Active"))
    assert active.status.state == "Active" and active.revision_id != created.revision_id
    assert active.last_modified == created.last_modified and active.config == created.config
    version = fns.set_status(conn, ACCOUNT, REGION, "fn", "1", Status(state="Active"))
    assert version.status.state == "Active" and version.revision_id == published.revision_id


def test_list_functions_pages_by_name_and_all_versions(conn: Connection) -> None:
    for name in ("b", "a", "C"):
        make_function(conn, name)
    lambda_versions.publish_version(conn, ACCOUNT, REGION, "a")
    blob = lambda_code.put_code(conn, b"other")
    fns.create_function(conn, ACCOUNT, "eu-west-1", "elsewhere", config(), blob.sha256)
    seen, marker = [], None
    while True:
        page = fns.list_functions(conn, ACCOUNT, REGION, marker=marker, max_items=2)
        seen += [(v.function_name, v.version) for v in page.items]
        if (marker := page.marker) is None:
            break
    assert seen == [("C", LATEST), ("a", LATEST), ("b", LATEST)]
    every = fns.list_functions(conn, ACCOUNT, REGION, all_versions=True, max_items=2)
    rest = fns.list_functions(conn, ACCOUNT, REGION, all_versions=True, marker=every.marker)
    assert [(v.function_name, v.version) for v in every.items + rest.items] == [
        ("C", LATEST), ("a", LATEST), ("a", "1"), ("b", LATEST)]
    with pytest.raises(InvalidMarker):
        fns.list_functions(conn, ACCOUNT, REGION, marker="bm90IGEgbWFya2Vy")


def test_reserved_concurrency_keeps_100_unreserved(conn: Connection) -> None:
    make_function(conn, "a")
    make_function(conn, "b")
    assert fns.put_function_concurrency(conn, ACCOUNT, REGION, "a", 600, account_limit=1000).reserved_concurrency == 600
    fns.put_function_concurrency(conn, ACCOUNT, REGION, "b", 300, account_limit=1000)
    with pytest.raises(LimitExceeded) as over:
        fns.put_function_concurrency(conn, ACCOUNT, REGION, "b", 301, account_limit=1000)
    assert (over.value.quota, over.value.limit) == ("UnreservedConcurrentExecution", 100)
    fns.put_function_concurrency(conn, ACCOUNT, REGION, "a", 500, account_limit=1000)  # its own is replaced
    assert fns.account_usage(conn, ACCOUNT, REGION).reserved_concurrency == 800
    assert fns.delete_function_concurrency(conn, ACCOUNT, REGION, "a").reserved_concurrency is None
    with pytest.raises(NotFound):
        fns.put_function_concurrency(conn, ACCOUNT, REGION, "nope", 1, account_limit=1000)


def test_account_usage_counts_every_version(conn: Connection) -> None:
    assert fns.account_usage(conn, ACCOUNT, REGION) == fns.AccountUsage(0, 0, 0)
    make_function(conn, "a", code=b"12345")
    make_function(conn, "b", code=b"12345")  # same blob, counted per version as AWS does
    lambda_versions.publish_version(conn, ACCOUNT, REGION, "a")
    assert fns.account_usage(conn, ACCOUNT, REGION) == fns.AccountUsage(2, 15, 0)
    assert fns.account_usage(conn, ACCOUNT, "eu-west-1").function_count == 0


def test_delete_function_cascades(conn: Connection) -> None:
    alice = users.create_user(conn, ACCOUNT, "alice")
    made = make_function(conn)
    fns.update_function(conn, ACCOUNT, REGION, "fn", config=config(Timeout=5))
    tags.tag_resource(conn, ACCOUNT, fns.TAG_KIND, made.function_id, {"k": "v"})
    lambda_versions.publish_version(conn, ACCOUNT, REGION, "fn")
    lambda_aliases.create_alias(conn, ACCOUNT, REGION, "fn", "live", "1")
    statement = {"Sid": "s", "Effect": "Allow", "Principal": {"AWS": alice.arn}, "Action": "lambda:InvokeFunction"}
    for qualifier in ("", "1", "live"):
        lambda_policies.add_statement(conn, ACCOUNT, REGION, "fn", qualifier, statement)
    lambda_urls.create_url_config(conn, ACCOUNT, REGION, "fn", "", auth_type="NONE")
    url = lambda_urls.create_url_config(conn, ACCOUNT, REGION, "fn", "live", auth_type="AWS_IAM")
    fns.delete_function(conn, ACCOUNT, REGION, "fn")
    with pytest.raises(NotFound):
        fns.get_function(conn, ACCOUNT, REGION, "fn")
    with pytest.raises(NotFound):
        lambda_urls.find_by_url_id(conn, url.url_id)
    assert tags.all_tags(conn, fns.TAG_KIND, made.function_id) == {}
    for qualifier in ("", "1", "live"):
        owner = fns.policy_owner_id(made.function_id, qualifier)
        assert named_principals.recorded(conn, fns.POLICY_OWNER, owner) == {}
    assert conn.execute(select(func.count()).select_from(versions_table)).scalar_one() == 0
    again = make_function(conn)  # the name is free; the new function inherits nothing
    assert again.function_id != made.function_id
    assert lambda_versions.publish_version(conn, ACCOUNT, REGION, "fn").version == "1"
    with pytest.raises(NotFound):
        fns.delete_function(conn, ACCOUNT, REGION, "nope")


def test_function_tag_keys_are_case_sensitive(conn: Connection) -> None:
    made = make_function(conn)
    tags.tag_resource(conn, ACCOUNT, fns.TAG_KIND, made.function_id, {"Env": "a", "env": "b"})
    assert tags.all_tags(conn, fns.TAG_KIND, made.function_id) == {"Env": "a", "env": "b"}
    tags.untag_resource(conn, fns.TAG_KIND, made.function_id, ["ENV", "env"])
    assert tags.all_tags(conn, fns.TAG_KIND, made.function_id) == {"Env": "a"}


def test_a_version_2_store_gets_the_lambda_tables(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        for table in reversed(LAMBDA_TABLES):  # what version 2 looked like
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(update(schema_version).values(version=2))
    store.close()
    store = open_store(tmp_path)
    with store.transaction() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
        accounts.create_account(conn, ACCOUNT)
        assert make_function(conn).version == LATEST
    store.close()
