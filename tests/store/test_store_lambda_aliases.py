"""Aliases: targets and routing versions must exist, RevisionId preconditions, listing with a
version filter, idempotent delete that takes the alias's policy and URL along."""

from __future__ import annotations

import pytest
from lambda_store_support import ACCOUNT, REGION, config, make_function
from sqlalchemy import Connection

from lamina.store import AlreadyExists, NotFound, PreconditionFailed
from lamina.store.repositories import LATEST, lambda_aliases, lambda_functions, lambda_policies, lambda_urls
from lamina.store.repositories import lambda_versions as versions

aliases = lambda_aliases


@pytest.fixture
def fn(conn: Connection) -> Connection:
    """A function with versions 1 and 2."""
    make_function(conn)
    versions.publish_version(conn, ACCOUNT, REGION, "fn")
    lambda_functions.update_function(conn, ACCOUNT, REGION, "fn", config=config(Timeout=9))
    versions.publish_version(conn, ACCOUNT, REGION, "fn")
    return conn


def test_create_and_get(fn: Connection) -> None:
    made = aliases.create_alias(fn, ACCOUNT, REGION, "fn", "live", "1", description="d", routing={"2": 0.2})
    assert (made.name, made.function_name, made.function_version, made.description, made.routing) == (
        "live", "fn", "1", "d", {"2": 0.2})
    assert aliases.get_alias(fn, ACCOUNT, REGION, "fn", "live") == made
    latest = aliases.create_alias(fn, ACCOUNT, REGION, "fn", "head", LATEST)  # AWS allows $LATEST
    assert (latest.function_version, latest.routing, latest.description) == (LATEST, {}, "")
    assert latest.revision_id != made.revision_id
    with pytest.raises(AlreadyExists) as taken:
        aliases.create_alias(fn, ACCOUNT, REGION, "fn", "live", "2")
    assert (taken.value.kind, taken.value.name) == ("alias", "fn:live")
    aliases.create_alias(fn, ACCOUNT, REGION, "fn", "LIVE", "2")  # names are case-sensitive
    with pytest.raises(NotFound) as missing:
        aliases.get_alias(fn, ACCOUNT, REGION, "fn", "nope")
    assert (missing.value.kind, missing.value.name) == ("alias", "fn:nope")


def test_targets_must_exist(fn: Connection) -> None:
    for target, routing, missing in (("10", None, "fn:10"), ("1", {"10": 0.5}, "fn:10"), ("live", None, "fn:live")):
        with pytest.raises(NotFound) as error:
            aliases.create_alias(fn, ACCOUNT, REGION, "fn", "a", target, routing=routing)
        assert (error.value.kind, error.value.name) == ("function version", missing)
    with pytest.raises(NotFound) as no_function:
        aliases.create_alias(fn, ACCOUNT, REGION, "nope", "a", "1")
    assert no_function.value.kind == "function"
    assert aliases.list_aliases(fn, ACCOUNT, REGION, "fn").items == ()


def test_update_under_a_revision(fn: Connection) -> None:
    made = aliases.create_alias(fn, ACCOUNT, REGION, "fn", "live", "1", routing={"2": 0.5})
    with pytest.raises(PreconditionFailed) as stale:
        aliases.update_alias(fn, ACCOUNT, REGION, "fn", "live", description="x", expected_revision_id="wrong")
    assert (stale.value.kind, stale.value.name, stale.value.actual) == ("alias", "fn:live", made.revision_id)
    kept = aliases.update_alias(fn, ACCOUNT, REGION, "fn", "live", description="x",
                                expected_revision_id=made.revision_id)
    assert (kept.description, kept.function_version, kept.routing) == ("x", "1", {"2": 0.5})
    assert kept.revision_id != made.revision_id
    moved = aliases.update_alias(fn, ACCOUNT, REGION, "fn", "live", function_version="2", routing={})
    assert (moved.function_version, moved.routing, moved.description) == ("2", {}, "x")
    with pytest.raises(NotFound):
        aliases.update_alias(fn, ACCOUNT, REGION, "fn", "live", routing={"7": 0.1})
    with pytest.raises(NotFound) as missing:
        aliases.update_alias(fn, ACCOUNT, REGION, "fn", "non-existent", description="x")
    assert missing.value.name == "fn:non-existent"


def test_list_with_pages_and_version_filter(fn: Connection) -> None:
    for name, target in (("c", "1"), ("a", "2"), ("b", "1"), ("d", LATEST)):
        aliases.create_alias(fn, ACCOUNT, REGION, "fn", name, target)
    first = aliases.list_aliases(fn, ACCOUNT, REGION, "fn", max_items=3)
    rest = aliases.list_aliases(fn, ACCOUNT, REGION, "fn", marker=first.marker, max_items=3)
    assert [a.name for a in first.items] == ["a", "b", "c"] and [a.name for a in rest.items] == ["d"]
    assert rest.marker is None
    by_version = {v: [a.name for a in aliases.list_aliases(fn, ACCOUNT, REGION, "fn", function_version=v).items]
                  for v in ("1", "2", LATEST, "9", "junk")}
    assert by_version == {"1": ["b", "c"], "2": ["a"], LATEST: ["d"], "9": [], "junk": []}


def test_delete_is_idempotent_and_cascades(fn: Connection) -> None:
    aliases.create_alias(fn, ACCOUNT, REGION, "fn", "live", "1")
    statement = {"Sid": "s", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}}
    lambda_policies.add_statement(fn, ACCOUNT, REGION, "fn", "live", statement)
    url = lambda_urls.create_url_config(fn, ACCOUNT, REGION, "fn", "live", auth_type="NONE")
    assert aliases.delete_alias(fn, ACCOUNT, REGION, "fn", "live") is True
    assert aliases.delete_alias(fn, ACCOUNT, REGION, "fn", "live") is False  # AWS: 204 all the same
    with pytest.raises(NotFound):
        lambda_urls.find_by_url_id(fn, url.url_id)
    aliases.create_alias(fn, ACCOUNT, REGION, "fn", "live", "2")  # a new alias starts bare
    with pytest.raises(NotFound) as no_policy:
        lambda_policies.get_policy(fn, ACCOUNT, REGION, "fn", "live")
    assert no_policy.value.kind == "function policy"
    with pytest.raises(NotFound):
        aliases.delete_alias(fn, ACCOUNT, REGION, "nope", "live")
