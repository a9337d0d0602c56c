"""PublishVersion and ListVersionsByFunction in-process: AWS's answers, preconditions, paging."""

from __future__ import annotations

import base64
import hashlib

from test_versions_support import (
    ACCT,
    ARN,
    REGION,
    ZIP,
    assert_recorded,
    create_function,
    ctx,
    error_of,
    recorded,
    store,
    update_code,
)

from lamina.services.lambda_.versions import list_versions_by_function, publish_version
from lamina.store import Store

__all__ = ["store"]

def publish(store: Store, **params: object) -> dict[str, object]:
    return dict(publish_version(ctx("PublishVersion", FunctionName="fn", **params), store))


def test_publish_copies_latest_as_version_1_active_at_once(store: Store) -> None:
    create_function(store, "fn")
    answer = publish(store)
    assert answer["Version"] == "1" and answer["FunctionArn"] == f"{ARN}:fn:1"
    assert (answer["State"], answer["LastUpdateStatus"]) == ("Active", "Successful")
    assert answer["CodeSha256"] == base64.b64encode(hashlib.sha256(ZIP).digest()).decode()
    assert answer["CodeSize"] == len(ZIP) and answer["Runtime"] == "python3.12"
    assert str(answer["LastModified"]).endswith("+0000")
    expected = recorded("publish_version_on_create/repeated_publish_response")["Response"]
    assert set(answer) == set(expected)


def test_publishing_nothing_new_returns_the_last_version(store: Store) -> None:
    create_function(store, "fn")
    first = publish(store)
    assert publish(store) == first
    update_code(store, "fn", ZIP + b"\0")
    assert publish(store)["Version"] == "2"


def test_publish_description_and_qualified_or_missing_functions(store: Store) -> None:
    create_function(store, "fn")
    assert publish(store, Description="first")["Description"] == "first"
    missing = error_of(lambda: publish_version(ctx("PublishVersion", FunctionName="nope"), store))
    assert (missing.code, missing.message) == ("ResourceNotFoundException", f"Function not found: {ARN}:nope")
    qualified = error_of(lambda: publish_version(ctx("PublishVersion", FunctionName="fn:1"), store))
    assert qualified.code == "InvalidParameterValueException"


def test_wrong_revision_id_is_aws_precondition_failure(store: Store) -> None:
    revision = create_function(store, "fn")
    assert_recorded(error_of(lambda: publish(store, RevisionId="wrong")),
                    "publish_with_wrong_revisionid/publish_wrong_revisionid_exc")
    assert publish(store, RevisionId=revision)["Version"] == "1"


def test_wrong_code_sha256_names_both_digests(store: Store) -> None:
    create_function(store, "fn")
    error = error_of(lambda: publish(store, CodeSha256="somenonexistentsha256"))
    digest = base64.b64encode(hashlib.sha256(ZIP).digest()).decode()
    expected = recorded("publish_with_wrong_sha256/publish_wrong_sha256_exc")
    assert (error.code, error.status) == (expected["Error"]["Code"], expected["HTTPStatusCode"])
    assert error.message == expected["Error"]["Message"].replace("<code-sha256:1>", digest)


def test_list_versions_latest_first_without_state_fields(store: Store) -> None:
    create_function(store, "fn")
    publish(store)
    answer = list_versions_by_function(ctx("ListVersionsByFunction", FunctionName="fn"), store)
    versions = answer["Versions"]
    assert [v["FunctionArn"] for v in versions] == [f"{ARN}:fn:$LATEST", f"{ARN}:fn:1"]
    expected = recorded("publish_version_on_create/list_versions_result")["Response"]["Versions"][0]
    assert "State" not in versions[0] and "LastUpdateStatus" not in versions[1]
    assert set(versions[0]) == set(expected)
    assert answer["NextMarker"] is None


def test_list_versions_pages_with_marker_and_caps_at_50(store: Store) -> None:
    create_function(store, "fn")
    for n in range(3):
        update_code(store, "fn", ZIP + bytes([n]))
        publish(store)
    first = list_versions_by_function(ctx("ListVersionsByFunction", FunctionName="fn", MaxItems=2), store)
    assert [v["Version"] for v in first["Versions"]] == ["$LATEST", "1"]
    rest = list_versions_by_function(ctx("ListVersionsByFunction", FunctionName="fn", MaxItems=10000,
                                         Marker=first["NextMarker"]), store)
    assert [v["Version"] for v in rest["Versions"]] == ["2", "3"] and rest["NextMarker"] is None
    bad = error_of(lambda: list_versions_by_function(ctx("ListVersionsByFunction", FunctionName="fn",
                                                         Marker="nonsense"), store))
    assert bad.code == "InvalidParameterValueException"


def test_list_versions_of_a_missing_function_or_another_region(store: Store) -> None:
    missing = error_of(lambda: list_versions_by_function(ctx("ListVersionsByFunction", FunctionName="nope"), store))
    assert (missing.code, missing.status) == ("ResourceNotFoundException", 404)
    other = f"arn:aws:lambda:eu-west-1:{ACCT}:function:fn"
    elsewhere = error_of(lambda: list_versions_by_function(ctx("ListVersionsByFunction", FunctionName=other), store))
    assert elsewhere.message == f"Functions from 'eu-west-1' are not reachable in this region ('{REGION}')"
