"""Function URL configs: per function ('') or alias, unique random url ids, lookup by url id."""

from __future__ import annotations

import re

import pytest
from lambda_store_support import ACCOUNT, REGION, make_function
from sqlalchemy import Connection

from lamina.store import AlreadyExists, NotFound
from lamina.store.repositories import LATEST, lambda_aliases, lambda_urls
from lamina.store.repositories import lambda_versions as versions

urls = lambda_urls


@pytest.fixture
def fn(conn: Connection) -> Connection:
    make_function(conn)
    versions.publish_version(conn, ACCOUNT, REGION, "fn")
    lambda_aliases.create_alias(conn, ACCOUNT, REGION, "fn", "live", "1")
    return conn


def test_create_get_and_find_by_url_id(fn: Connection) -> None:
    made = urls.create_url_config(fn, ACCOUNT, REGION, "fn", "", auth_type="NONE", cors={"AllowOrigins": ["*"]})
    assert re.fullmatch(r"[a-z0-9]{32}", made.url_id)
    assert made.url() == f"https://{made.url_id}.lambda-url.{REGION}.on.aws/"
    assert (made.function_name, made.qualifier, made.auth_type, made.cors, made.invoke_mode) == (
        "fn", "", "NONE", {"AllowOrigins": ["*"]}, "BUFFERED")
    assert made.created_at == made.last_modified
    assert urls.get_url_config(fn, ACCOUNT, REGION, "fn") == made
    assert urls.find_by_url_id(fn, made.url_id) == made
    on_alias = urls.create_url_config(fn, ACCOUNT, REGION, "fn", "live", auth_type="AWS_IAM",
                                      invoke_mode="RESPONSE_STREAM")
    assert on_alias.url_id != made.url_id and on_alias.cors is None
    with pytest.raises(AlreadyExists) as taken:
        urls.create_url_config(fn, ACCOUNT, REGION, "fn", "", auth_type="NONE")
    assert (taken.value.kind, taken.value.name) == ("function url config", "fn")
    with pytest.raises(NotFound) as unknown:
        urls.find_by_url_id(fn, "x" * 32)
    assert unknown.value.kind == "function url config"


def test_only_the_function_or_an_alias(fn: Connection) -> None:
    for qualifier in ("1", LATEST):
        with pytest.raises(ValueError):
            urls.create_url_config(fn, ACCOUNT, REGION, "fn", qualifier, auth_type="NONE")
    with pytest.raises(NotFound) as no_alias:
        urls.create_url_config(fn, ACCOUNT, REGION, "fn", "nope", auth_type="NONE")
    assert (no_alias.value.kind, no_alias.value.name) == ("alias", "fn:nope")
    with pytest.raises(NotFound) as no_function:
        urls.create_url_config(fn, ACCOUNT, REGION, "nope", "", auth_type="NONE")
    assert no_function.value.kind == "function"
    with pytest.raises(NotFound) as no_config:
        urls.get_url_config(fn, ACCOUNT, REGION, "fn", "live")
    assert (no_config.value.kind, no_config.value.name) == ("function url config", "fn:live")


def test_update_changes_what_is_given(fn: Connection) -> None:
    made = urls.create_url_config(fn, ACCOUNT, REGION, "fn", "", auth_type="NONE", cors={"MaxAge": 5})
    changed = urls.update_url_config(fn, ACCOUNT, REGION, "fn", auth_type="AWS_IAM")
    assert (changed.auth_type, changed.cors, changed.url_id, changed.created_at) == (
        "AWS_IAM", {"MaxAge": 5}, made.url_id, made.created_at)
    assert changed.last_modified >= made.last_modified
    again = urls.update_url_config(fn, ACCOUNT, REGION, "fn", cors={}, invoke_mode="RESPONSE_STREAM")
    assert (again.cors, again.invoke_mode, again.auth_type) == ({}, "RESPONSE_STREAM", "AWS_IAM")
    with pytest.raises(NotFound):
        urls.update_url_config(fn, ACCOUNT, REGION, "fn", "live", auth_type="NONE")


def test_delete_and_list(fn: Connection) -> None:
    lambda_aliases.create_alias(fn, ACCOUNT, REGION, "fn", "beta", LATEST)
    for qualifier in ("live", "", "beta"):
        urls.create_url_config(fn, ACCOUNT, REGION, "fn", qualifier, auth_type="NONE")
    first = urls.list_url_configs(fn, ACCOUNT, REGION, "fn", max_items=2)
    rest = urls.list_url_configs(fn, ACCOUNT, REGION, "fn", marker=first.marker, max_items=2)
    assert [c.qualifier for c in first.items + rest.items] == ["", "beta", "live"] and rest.marker is None
    urls.delete_url_config(fn, ACCOUNT, REGION, "fn")  # the alias's URLs stay (AWS)
    assert [c.qualifier for c in urls.list_url_configs(fn, ACCOUNT, REGION, "fn").items] == ["beta", "live"]
    with pytest.raises(NotFound):
        urls.delete_url_config(fn, ACCOUNT, REGION, "fn")
    with pytest.raises(NotFound):
        urls.list_url_configs(fn, ACCOUNT, REGION, "nope")
    assert urls.create_url_config(fn, ACCOUNT, REGION, "fn", "", auth_type="NONE").qualifier == ""
