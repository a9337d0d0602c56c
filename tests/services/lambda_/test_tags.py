"""TagResource, UntagResource and ListTags in-process: function ARNs only, AWS's limits, the tag condition keys."""

from __future__ import annotations

from typing import Any

import pytest
from test_versions_support import ACCT, ARN, assert_recorded, create_function, ctx, error_of, make_store

from lamina.services import declaration
from lamina.services.lambda_.tags import list_tags, tag_resource, untag_resource
from lamina.store import Store

FN = f"{ARN}:fn"
NAMES = {"fn": "<function-name:1>", "doesnotexist": "doesnotexist"}


@pytest.fixture
def store() -> Store:
    made = make_store()
    create_function(made, "fn", tags={"key_a": "value_a"})
    return made


def tag(store: Store, resource: str = FN, **tags: str) -> Any:
    return tag_resource(ctx("TagResource", Resource=resource, Tags=tags), store)


def listed(store: Store, resource: str = FN) -> Any:
    return list_tags(ctx("ListTags", Resource=resource), store)["Tags"]


def test_tag_overwrite_untag_lifecycle(store: Store) -> None:
    assert listed(store) == {"key_a": "value_a"}
    assert tag(store, key_b="value_b", key_c="value_c", key_d="value_d", key_e="value_e") is None
    tag(store, key_c="value_x")
    assert listed(store) == {"key_a": "value_a", "key_b": "value_b", "key_c": "value_x", "key_d": "value_d",
                             "key_e": "value_e"}
    assert untag_resource(ctx("UntagResource", Resource=FN, TagKeys=["key_c", "key_d", "nomatch"]), store) is None
    assert listed(store) == {"key_a": "value_a", "key_b": "value_b", "key_e": "value_e"}


def test_keys_are_case_sensitive(store: Store) -> None:
    tag(store, Key_A="upper")
    assert listed(store) == {"key_a": "value_a", "Key_A": "upper"}


def test_fifty_tags_at_most_and_nothing_changes_past_them(store: Store) -> None:
    assert_recorded(error_of(lambda: tag(store, **{f"{n}_key": "v" for n in range(51)})),
                    "tag_limits/tag_lambda_too_many_tags")
    tag(store, **{f"{n}_key": "v" for n in range(49)})
    assert len(listed(store)) == 50
    assert_recorded(error_of(lambda: tag(store, extra="v")), "tag_limits/tag_lambda_too_many_tags_additional")
    tag(store, key_a="overwriting an existing key is fine")
    assert len(listed(store)) == 50


def test_empty_tags_and_the_aws_prefix_are_refused(store: Store) -> None:
    assert_recorded(error_of(lambda: tag(store)), "tag_exceptions/tag_empty_tags")
    for key in ("aws:team", "AWS:team"):
        error = error_of(lambda key=key: tag(store, **{key: "x"}))  # type: ignore[misc]
        assert (error.code, error.status) == ("InvalidParameterValueException", 400)
    refused = error_of(lambda: untag_resource(ctx("UntagResource", Resource=FN, TagKeys=["aws:x"]), store))
    assert refused.code == "InvalidParameterValueException"


@pytest.mark.parametrize("qualifier", ["1", "$LATEST", "alias"])
def test_only_unqualified_function_arns_carry_tags(store: Store, qualifier: str) -> None:
    resource = f"{FN}:{qualifier}"
    for call in (lambda: tag(store, resource, a="b"), lambda: listed(store, resource),
                 lambda: untag_resource(ctx("UntagResource", Resource=resource, TagKeys=["a"]), store)):
        assert_recorded(error_of(call), "tag_versions/tag_resource_exception")


def test_missing_functions_and_other_kinds(store: Store) -> None:
    gone = f"{ARN}:doesnotexist"
    assert_recorded(error_of(lambda: tag(store, gone, a="b")), "tag_exceptions/tag_lambda_doesnotexist", NAMES)
    error = error_of(lambda: listed(store, gone))
    assert error.message == f"Function not found: {gone}"
    esm = f"arn:aws:lambda:us-east-1:{ACCT}:event-source-mapping:12345678-1234-1234-1234-123456789012"
    assert error_of(lambda: listed(store, esm)).message == f"Event source mapping not found: {esm}"
    csc = f"arn:aws:lambda:us-east-1:{ACCT}:code-signing-config:csc-0123456789abcdef0"
    assert error_of(lambda: listed(store, csc)).status == 404


def test_tag_declarations_carry_request_tags_and_tag_keys(store: Store) -> None:
    found = declaration("lambda", "TagResource")
    assert found is not None and found.context is not None and found.resource_policy is not None
    request = ctx("TagResource", Resource=FN, Tags={"team": "a", "env": "b"})
    assert found.actions == ("lambda:TagResource",) and list(found.resources(request, store)) == [FN]
    keys = found.context(request, store)
    assert keys["aws:RequestTag/team"] == "a" and sorted(keys["aws:TagKeys"]) == ["env", "team"]  # type: ignore[arg-type]
    assert keys["aws:ResourceTag/key_a"] == "value_a"
    untag = declaration("lambda", "UntagResource")
    assert untag is not None and untag.context is not None
    assert untag.context(ctx("UntagResource", Resource=FN, TagKeys=["x"]), store)["aws:TagKeys"] == ["x"]
    qualified = ctx("ListTags", Resource=f"{FN}:1")
    listing = declaration("lambda", "ListTags")
    assert listing is not None and list(listing.resources(qualified, store)) == [f"{FN}:1"]
