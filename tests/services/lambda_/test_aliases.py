"""CreateAlias, GetAlias, UpdateAlias, DeleteAlias and ListAliases in-process, against AWS's recorded answers."""

from __future__ import annotations

from typing import Any

import pytest
from test_versions_support import (
    ARN,
    ZIP,
    assert_recorded,
    create_function,
    ctx,
    error_of,
    make_store,
    publish,
    recorded,
    update_code,
)

from lamina.services.lambda_.aliases import create_alias, delete_alias, get_alias, list_aliases, update_alias
from lamina.store import Store

NAMES = {"fn-unknown": "<function-name:1>-unknown", "fn": "<function-name:1>"}
ROUTINGS = "notfound_and_invalid_routingconfigs"


@pytest.fixture
def store() -> Store:
    """``fn`` with versions 1 and 2."""
    made = make_store()
    create_function(made, "fn")
    publish(made, "fn")
    update_code(made, "fn", ZIP + b"2")
    publish(made, "fn")
    return made


def create(store: Store, name: str = "custom", version: str = "1", function: str = "fn", **params: Any) -> Any:
    return create_alias(ctx("CreateAlias", FunctionName=function, Name=name, FunctionVersion=version, **params),
                        store)


def weights(**given: float) -> dict[str, Any]:
    return {"RoutingConfig": {"AdditionalVersionWeights": {k.lstrip("v"): w for k, w in given.items()}}}


def without_revision(answer: Any) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in ("RevisionId", "ResponseMetadata")}


def test_create_alias_answers_as_aws(store: Store) -> None:
    answer = create(store, **weights(v2=0.5))
    expected = recorded(f"{ROUTINGS}/create_alias_response")["Response"]
    assert without_revision(answer) == {**without_revision(expected), "AliasArn": f"{ARN}:fn:custom"}
    plain = create(store, "custom-empty-routingconfig", RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in plain and plain["Description"] == ""
    latest = create(store, "custom-latest", "$LATEST")
    assert latest["FunctionVersion"] == "$LATEST"


@pytest.mark.parametrize(("record", "version", "routing"), [
    ("routing_config_exc_toomany", "1", weights(v1=0.8, v2=0.2)),
    ("routing_config_exc_sameversion", "1", weights(v1=0.5)),
    ("target_version_doesnotexist", "10", weights(v2=0.5)),
    ("routing_config_exc_version_doesnotexist", "1", weights(v10=0.5)),
    ("target_version_exc_version_latest", "$LATEST", weights(v1=0.5)),
])
def test_create_alias_routing_rules(store: Store, record: str, version: str, routing: dict[str, Any]) -> None:
    assert_recorded(error_of(lambda: create(store, version=version, **routing)), f"{ROUTINGS}/{record}", NAMES)


def test_create_alias_on_a_missing_function_names_the_version(store: Store) -> None:
    error = error_of(lambda: create(store, function="fn-unknown", **weights(v2=0.5)))
    assert_recorded(error, f"{ROUTINGS}/routing_config_exc_fn_doesnotexist", NAMES)


def test_create_alias_twice_is_a_conflict(store: Store) -> None:
    create(store, **weights(v2=0.5))
    assert_recorded(error_of(lambda: create(store, **weights(v2=0.5))), f"{ROUTINGS}/routing_config_exc_already_exist",
                    NAMES)


def test_get_alias_and_its_absence(store: Store) -> None:
    created = create(store)
    assert get_alias(ctx("GetAlias", FunctionName=f"{ARN}:fn", Name="custom"), store) == created
    error = error_of(lambda: get_alias(ctx("GetAlias", FunctionName="fn", Name="non-existent"), store))
    assert_recorded(error, f"{ROUTINGS}/alias_does_not_exist_esc", NAMES)


def test_update_alias_clears_routing_and_takes_a_new_revision(store: Store) -> None:
    created = create(store, **weights(v2=0.2))
    updated = update_alias(ctx("UpdateAlias", FunctionName="fn", Name="custom",
                               RoutingConfig={"AdditionalVersionWeights": {}}), store)
    assert "RoutingConfig" not in updated and updated["RevisionId"] != created["RevisionId"]
    again = update_alias(ctx("UpdateAlias", FunctionName="fn", Name="custom", Description="d",
                             RevisionId=updated["RevisionId"]), store)
    assert again["Description"] == "d" and again["FunctionVersion"] == "1"
    moved = update_alias(ctx("UpdateAlias", FunctionName="fn", Name="custom", FunctionVersion="2",
                             **weights(v1=0.1)), store)
    assert (moved["FunctionVersion"], moved["RoutingConfig"]) == ("2", {"AdditionalVersionWeights": {"1": 0.1}})


def test_update_alias_errors(store: Store) -> None:
    create(store, **weights(v2=0.2))
    stale = error_of(lambda: update_alias(ctx("UpdateAlias", FunctionName="fn", Name="custom", RevisionId="wrong"),
                                          store))
    assert_recorded(stale, "function_revisions_version_and_alias/update_alias_revision_exception")
    missing = error_of(lambda: update_alias(ctx("UpdateAlias", FunctionName="fn", Name="non-existent"), store))
    assert_recorded(missing, "non_existent_alias_update/update_alias_response", NAMES)
    same = error_of(lambda: update_alias(ctx("UpdateAlias", FunctionName="fn", Name="custom", FunctionVersion="2"),
                                         store))  # the kept routing now names the target itself
    assert same.message.startswith("Invalid function version 2.")
    absent = error_of(lambda: update_alias(ctx("UpdateAlias", FunctionName="fn", Name="custom",
                                               FunctionVersion="10", **weights(v1=0.5)), store))
    assert absent.message == f"Function not found: {ARN}:fn:10"
    latest = error_of(lambda: update_alias(ctx("UpdateAlias", FunctionName="fn", Name="custom",
                                               FunctionVersion="$LATEST"), store))
    assert latest.code == "InvalidParameterValueException"


def test_delete_alias_even_when_absent(store: Store) -> None:
    create(store)
    assert delete_alias(ctx("DeleteAlias", FunctionName="fn", Name="custom"), store) is None
    assert delete_alias(ctx("DeleteAlias", FunctionName="fn", Name="custom"), store) is None
    missing = error_of(lambda: delete_alias(ctx("DeleteAlias", FunctionName="nope", Name="custom"), store))
    assert (missing.code, missing.message) == ("ResourceNotFoundException", f"Function not found: {ARN}:nope")


def test_list_aliases_filters_by_version_and_pages(store: Store) -> None:
    for name, version in (("a", "1"), ("b", "2"), ("c", "1")):
        create(store, name, version)
    page = list_aliases(ctx("ListAliases", FunctionName="fn", MaxItems=1), store)
    assert [a["Name"] for a in page["Aliases"]] == ["a"] and page["NextMarker"]
    rest = list_aliases(ctx("ListAliases", FunctionName="fn", Marker=page["NextMarker"]), store)
    assert [a["Name"] for a in rest["Aliases"]] == ["b", "c"] and rest["NextMarker"] is None
    ones = list_aliases(ctx("ListAliases", FunctionName="fn", FunctionVersion="1"), store)
    assert [a["Name"] for a in ones["Aliases"]] == ["a", "c"]
    missing = error_of(lambda: list_aliases(ctx("ListAliases", FunctionName="nope"), store))
    assert missing.code == "ResourceNotFoundException"


def test_alias_operations_take_the_function_only(store: Store) -> None:
    error = error_of(lambda: get_alias(ctx("GetAlias", FunctionName="fn:1", Name="custom"), store))
    assert error.code == "InvalidParameterValueException"

