"""Published versions (numbering never reused, no-change publish, preconditions, deletion guarded by
aliases) and content-addressed code (dedup, both digest forms, prune)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from lambda_store_support import ACCOUNT, REGION, config, make_function
from sqlalchemy import Connection

from lamina.store import DeleteConflict, NotFound, PreconditionFailed
from lamina.store.repositories import LATEST, Status, lambda_aliases, lambda_code, lambda_functions, lambda_versions

publish = lambda_versions.publish_version


def versions(conn: Connection, name: str = "fn") -> list[str]:
    return [v.version for v in lambda_versions.list_versions(conn, ACCOUNT, REGION, name).items]


def test_publish_copies_latest_and_renews_its_revision(conn: Connection) -> None:
    latest = make_function(conn, Description="latest")
    first = publish(conn, ACCOUNT, REGION, "fn", description="first", status=Status(state="Active"))
    assert first.version == "1" and not first.is_latest
    assert first.config == {**latest.config, "Description": "first"}
    assert (first.code_sha256_hex, first.code_size) == (latest.code_sha256_hex, latest.code_size)
    assert first.revision_id != latest.revision_id and first.status.state == "Active"
    after = lambda_functions.get_version(conn, ACCOUNT, REGION, "fn")
    assert after.revision_id not in (latest.revision_id, first.revision_id)  # AWS renews $LATEST's too
    assert after.config == latest.config
    assert lambda_functions.get_function(conn, ACCOUNT, REGION, "fn").next_version == 2


def test_publish_without_change_returns_the_last_version(conn: Connection) -> None:
    make_function(conn)
    first = publish(conn, ACCOUNT, REGION, "fn", description="one")
    again = publish(conn, ACCOUNT, REGION, "fn", description="ignored, as in AWS")
    assert again == first
    lambda_functions.set_status(conn, ACCOUNT, REGION, "fn", LATEST, Status(state="Active"))
    assert publish(conn, ACCOUNT, REGION, "fn") == first  # a state change is no change
    lambda_functions.update_function(conn, ACCOUNT, REGION, "fn", config=config(Timeout=10))
    assert publish(conn, ACCOUNT, REGION, "fn").version == "2"
    lambda_functions.update_function(conn, ACCOUNT, REGION, "fn", code_sha256=lambda_code.put_code(conn, b"v3").sha256)
    assert publish(conn, ACCOUNT, REGION, "fn").version == "3"
    assert versions(conn) == [LATEST, "1", "2", "3"]


def test_version_numbers_are_never_reused(conn: Connection) -> None:
    make_function(conn)
    for timeout in (1, 2):
        lambda_functions.update_function(conn, ACCOUNT, REGION, "fn", config=config(Timeout=timeout))
        publish(conn, ACCOUNT, REGION, "fn")
    lambda_versions.delete_version(conn, ACCOUNT, REGION, "fn", 2)
    lambda_functions.update_function(conn, ACCOUNT, REGION, "fn", config=config(Timeout=3))
    assert publish(conn, ACCOUNT, REGION, "fn").version == "3"
    lambda_versions.delete_version(conn, ACCOUNT, REGION, "fn", 3)
    assert publish(conn, ACCOUNT, REGION, "fn").version == "4"  # 3 is gone: nothing to return
    assert versions(conn) == [LATEST, "1", "4"]


def test_publish_preconditions(conn: Connection) -> None:
    latest = make_function(conn)
    with pytest.raises(PreconditionFailed) as code:
        publish(conn, ACCOUNT, REGION, "fn", expected_code_sha256="somenonexistentsha256")
    assert (code.value.condition, code.value.expected, code.value.actual) == (
        "code_sha256", "somenonexistentsha256", latest.code_sha256)
    with pytest.raises(PreconditionFailed) as revision:
        publish(conn, ACCOUNT, REGION, "fn", expected_revision_id="wrong")
    assert (revision.value.condition, revision.value.name) == ("revision_id", "fn:$LATEST")
    assert versions(conn) == [LATEST]
    done = publish(conn, ACCOUNT, REGION, "fn", expected_code_sha256=latest.code_sha256,
                   expected_revision_id=latest.revision_id)
    assert done.version == "1"
    with pytest.raises(NotFound):
        publish(conn, ACCOUNT, REGION, "nope")


def test_list_versions_pages_latest_first(conn: Connection) -> None:
    make_function(conn)
    for timeout in range(1, 12):  # 1..11: numeric order, not text order
        lambda_functions.update_function(conn, ACCOUNT, REGION, "fn", config=config(Timeout=timeout))
        publish(conn, ACCOUNT, REGION, "fn")
    seen, marker = [], None
    while True:
        page = lambda_versions.list_versions(conn, ACCOUNT, REGION, "fn", marker=marker, max_items=5)
        seen += [v.version for v in page.items]
        if (marker := page.marker) is None:
            break
    assert seen == [LATEST, *(str(n) for n in range(1, 12))]
    with pytest.raises(NotFound):
        lambda_versions.list_versions(conn, ACCOUNT, REGION, "nope")


def test_delete_version_refuses_while_aliases_route_to_it(conn: Connection) -> None:
    make_function(conn)
    publish(conn, ACCOUNT, REGION, "fn")
    lambda_functions.update_function(conn, ACCOUNT, REGION, "fn", config=config(Timeout=9))
    publish(conn, ACCOUNT, REGION, "fn")
    lambda_aliases.create_alias(conn, ACCOUNT, REGION, "fn", "live", "1")
    lambda_aliases.create_alias(conn, ACCOUNT, REGION, "fn", "canary", "2", routing={"1": 0.1})
    with pytest.raises(DeleteConflict) as held:
        lambda_versions.delete_version(conn, ACCOUNT, REGION, "fn", 1)
    assert (held.value.name, held.value.blocker, held.value.dependents) == ("fn:1", "aliases", ("canary", "live"))
    lambda_aliases.delete_alias(conn, ACCOUNT, REGION, "fn", "live")
    lambda_aliases.update_alias(conn, ACCOUNT, REGION, "fn", "canary", routing={})
    lambda_versions.delete_version(conn, ACCOUNT, REGION, "fn", 1)
    assert versions(conn) == [LATEST, "2"]
    with pytest.raises(NotFound) as gone:
        lambda_versions.delete_version(conn, ACCOUNT, REGION, "fn", 1)
    assert (gone.value.kind, gone.value.name) == ("function version", "fn:1")
    with pytest.raises(ValueError):
        lambda_versions.delete_version(conn, ACCOUNT, REGION, "fn", 0)


def test_code_is_content_addressed(conn: Connection) -> None:
    data = b"PK\x03\x04 not really a zip"
    blob = lambda_code.put_code(conn, data)
    digest = hashlib.sha256(data).digest()
    assert blob.sha256 == digest.hex() and blob.size == len(data)
    assert blob.code_sha256 == base64.b64encode(digest).decode()
    assert lambda_code.hex_from_code_sha256(blob.code_sha256) == blob.sha256
    assert lambda_code.hex_from_code_sha256("somenonexistentsha256") is None
    assert lambda_code.hex_from_code_sha256(base64.b64encode(b"short").decode()) is None
    assert lambda_code.put_code(conn, data) == blob  # stored once
    assert lambda_code.read_code(conn, blob.sha256) == data
    for missing in (lambda_code.get_code, lambda_code.read_code):
        with pytest.raises(NotFound):
            missing(conn, "00" * 32)


def test_prune_drops_only_unreferenced_code(conn: Connection) -> None:
    shared, old, loose = (lambda_code.put_code(conn, data) for data in (b"shared", b"old", b"loose"))
    make_function(conn, "a", code=b"shared")
    make_function(conn, "b", code=b"old")
    publish(conn, ACCOUNT, REGION, "b")
    lambda_functions.update_function(conn, ACCOUNT, REGION, "b", code_sha256=shared.sha256)
    assert lambda_code.prune(conn, only=[old.sha256]) == []  # version 1 of b still runs it
    assert lambda_code.prune(conn) == [loose.sha256]
    lambda_versions.delete_version(conn, ACCOUNT, REGION, "b", 1)
    assert lambda_code.prune(conn, only=[shared.sha256]) == []
    assert lambda_code.prune(conn) == [old.sha256]
    lambda_functions.delete_function(conn, ACCOUNT, REGION, "a")
    assert lambda_code.prune(conn) == []  # b's $LATEST still uses it
    lambda_functions.delete_function(conn, ACCOUNT, REGION, "b")
    assert lambda_code.prune(conn) == [shared.sha256]
    with pytest.raises(NotFound):
        lambda_code.get_code(conn, shared.sha256)
