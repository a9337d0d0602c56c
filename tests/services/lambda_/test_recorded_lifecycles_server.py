"""A function's life replayed as LocalStack's AWS-validated tests lived it, every answer compared
member by member with AWS's (tests/data/lambda_lifecycle_answers.json): create, read, update the
configuration and the code, redundant updates, publish versions, delete.

Placeholders in the records bind one-to-one within a replay (replay_support.py), so RevisionIds
and digests relate as AWS's did.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from replay_support import Replay, create_as_fixture, package

from lamina.pytest_plugin import LaminaServer, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("lambda-lifecycles") / "data")
    yield started
    started.stop()


def test_function_lifecycle(lam: Any, role: str) -> None:
    replay, name = Replay("test_function_lifecycle"), "fn-lifecycle"
    replay.check("create_response", lambda: lam.create_function(
        FunctionName=name, Handler="handler.handler", Code={"ZipFile": package("def handler(e, c):\n  return e\n")},
        Role=role, Runtime="python3.12", MemorySize=256, Timeout=5, Environment={"Variables": {}}))
    replay.check("get_function_response", lambda: lam.get_function(FunctionName=name))
    replay.check("update_func_conf_response", lambda: lam.update_function_configuration(
        FunctionName=name, Runtime="python3.11", Description="Changed-Description", MemorySize=512, Timeout=10,
        Environment={"Variables": {"ENV_A": "a"}}))
    replay.check("get_function_response_postupdate", lambda: lam.get_function(FunctionName=name))
    replay.check("update_code_response", lambda: lam.update_function_code(
        FunctionName=name, ZipFile=package("def handler(e, c):\n  return 2\n")))
    replay.check("get_function_response_postcodeupdate", lambda: lam.get_function(FunctionName=name))
    replay.check("delete_response", lambda: lam.delete_function(FunctionName=name))
    replay.check("delete_postdelete", lambda: lam.delete_function(FunctionName=name))


def test_redundant_updates(lam: Any, role: str) -> None:
    replay, name = Replay("test_redundant_updates"), "fn-redundant"
    replay.check("create_response", lambda: lam.create_function(
        FunctionName=name, Handler="handler.handler", Code={"ZipFile": package("def handler(e, c):\n  return e\n")},
        Role=role, Runtime="python3.12", Description="Initial description", Timeout=30,
        Environment={"Variables": {}}))
    update = {"FunctionName": name, "Description": "1st update description"}
    replay.check("first_update_result", lambda: lam.update_function_configuration(**update))
    replay.check("get_fn_config_result", lambda: lam.get_function_configuration(FunctionName=name))
    replay.check("get_fn_result", lambda: lam.get_function(FunctionName=name))
    replay.check("redundant_update_result", lambda: lam.update_function_configuration(**update))
    replay.check("get_fn_result_after_redundant_update", lambda: lam.get_function(FunctionName=name))


def test_code_location_of_a_zip(lam: Any, role: str) -> None:
    replay, name = Replay("test_lambda_code_location_zipfile"), "fn-code-location"
    replay.check("create-response-zip-file", lambda: lam.create_function(
        FunctionName=name, Handler="index.handler", PackageType="Zip", Role=role, Runtime="python3.12",
        Code={"ZipFile": package("def handler(e, c):\n  return e\n", "index.py")}))
    replay.check("get-function-response", lambda: lam.get_function(FunctionName=name))
    replay.check("update-function-response", lambda: lam.update_function_code(
        FunctionName=name, ZipFile=package("def handler(e, c):\n  return 'updated'\n", "index.py")))
    # AWS's next GetFunction still said InProgress; Lamina has finished by then (docs/lambda.md).
    replay.check("get-function-response-updated", lambda: lam.get_function(FunctionName=name), settled=True)


def test_version_lifecycle(lam: Any, role: str) -> None:
    replay, name = Replay("test_version_lifecycle"), "fn-versions"
    replay.check("create_response", lambda: lam.create_function(
        FunctionName=name, Handler="index.handler", PackageType="Zip", Role=role, Runtime="python3.12",
        Code={"ZipFile": package("def handler(e, c):\n  return e\n", "index.py")}, Description="No version :("))
    replay.check("get_function_result", lambda: lam.get_function(FunctionName=name))
    replay.check("list_versions_result", lambda: lam.list_versions_by_function(FunctionName=name))
    replay.check("first_update_response", lambda: lam.update_function_configuration(
        FunctionName=name, Description="First version :)"))
    replay.check("first_update_get_function", lambda: lam.get_function(FunctionName=name))
    replay.check("first_publish_response", lambda: lam.publish_version(
        FunctionName=name, Description="First version description :)"))
    replay.check("first_publish_get_function", lambda: lam.get_function(FunctionName=name, Qualifier="1"))
    replay.check("first_publish_get_function_config", lambda: lam.get_function_configuration(
        FunctionName=name, Qualifier="1"))
    replay.check("second_update_response", lambda: lam.update_function_configuration(
        FunctionName=name, Description="Second version :))"))
    replay.check("first_publish_get_function_after_update", lambda: lam.get_function(FunctionName=name,
                                                                                      Qualifier="1"))
    replay.check("second_publish_response", lambda: lam.publish_version(FunctionName=name))
    replay.check("third_publish_response", lambda: lam.publish_version(
        FunctionName=name, Description="Third version description :)))"))
    replay.check("list_versions_result_after_third_publish", lambda: lam.list_versions_by_function(FunctionName=name))
    lam.delete_function(FunctionName=f"{name}:1")
    replay.check("list_versions_result_after_deletion_of_first_version",
                 lambda: lam.list_versions_by_function(FunctionName=name))


def test_revisions_of_updates(lam: Any, role: str) -> None:
    replay, name = Replay("test_function_revisions_basic"), "fn-revisions"
    code = package("def handler(e, c):\n  return e\n", "index.py")
    replay.check("create_function_response_rev1", create_as_fixture(lam, role, name))
    active = replay.check("get_function_response_rev2", lambda: lam.get_function(FunctionName=name))
    replay.check("update_function_revision_exception", lambda: lam.update_function_code(
        FunctionName=name, ZipFile=code, RevisionId="wrong"))
    replay.check("update_function_code_response_rev3", lambda: lam.update_function_code(
        FunctionName=name, ZipFile=code, RevisionId=active["Configuration"]["RevisionId"]))
    updated = replay.check("get_function_response_rev4", lambda: lam.get_function(FunctionName=name))
    replay.check("update_function_configuration_revision_exception", lambda: lam.update_function_configuration(
        FunctionName=name, Runtime="python3.8", RevisionId="wrong"))
    replay.check("update_function_configuration_response_rev5", lambda: lam.update_function_configuration(
        FunctionName=name, Runtime="python3.8", RevisionId=updated["Configuration"]["RevisionId"]))
    replay.check("get_function_response_rev6", lambda: lam.get_function(FunctionName=name))


def test_revisions_of_versions_and_aliases(lam: Any, role: str) -> None:
    replay, name = Replay("test_function_revisions_version_and_alias"), "fn-revisions-aliases"
    replay.check("create_function_response_rev1", create_as_fixture(lam, role, name, handler="handler"))
    active = replay.check("get_function_active_rev2", lambda: lam.get_function(FunctionName=name))
    replay.check("publish_version_revision_exception", lambda: lam.publish_version(FunctionName=name,
                                                                                   RevisionId="wrong"))
    replay.check("publish_version_response_rev_v1", lambda: lam.publish_version(
        FunctionName=name, RevisionId=active["Configuration"]["RevisionId"]))
    replay.check("get_function_published_version_rev_v2", lambda: lam.get_function(FunctionName=name, Qualifier="1"))
    replay.check("get_function_latest_rev3", lambda: lam.get_function(FunctionName=name))
    alias = replay.check("create_alias_response_rev_a1", lambda: lam.create_alias(
        FunctionName=name, Name="revision_alias", FunctionVersion="1"))
    replay.check("get_function_latest_rev4", lambda: lam.get_function(FunctionName=name))
    replay.check("get_function_published_version_rev_v3", lambda: lam.get_function(FunctionName=name, Qualifier="1"))
    replay.check("update_alias_revision_exception", lambda: lam.update_alias(
        FunctionName=name, Name="revision_alias", RevisionId="wrong"))
    replay.check("update_alias_response_rev_a2", lambda: lam.update_alias(
        FunctionName=name, Name="revision_alias", Description="something changed", RevisionId=alias["RevisionId"]))


def test_alias_lifecycle(lam: Any, role: str) -> None:
    replay, name = Replay("test_alias_lifecycle"), "fn-aliases"
    replay.check("create_response", lambda: lam.create_function(
        FunctionName=name, Handler="index.handler", PackageType="Zip", Role=role, Runtime="python3.12",
        Code={"ZipFile": package("def handler(e, c):\n  return e\n", "index.py")},
        Environment={"Variables": {"testenv": "staging"}}))
    replay.check("publish_v1", lambda: lam.publish_version(FunctionName=name))
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"testenv": "prod"}})
    replay.check("publish_v2", lambda: lam.publish_version(FunctionName=name))
    first = replay.check("create_alias_1_1", lambda: lam.create_alias(
        FunctionName=name, Name="aliasname1_1", FunctionVersion="1", Description="custom-alias",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.2}}))
    replay.check("get_alias_1_1", lambda: lam.get_alias(FunctionName=name, Name="aliasname1_1"))
    replay.check("get_function_alias_1_1", lambda: lam.get_function(FunctionName=name, Qualifier="aliasname1_1"))
    replay.check("get_function_byarn_alias_1_1", lambda: lam.get_function(FunctionName=first["AliasArn"]))
    replay.check("get_function_alias_notfound_exc", lambda: lam.get_function(FunctionName=name,
                                                                             Qualifier="aliasdoesnotexist"))
    replay.check("get_function_alias_byarn_notfound_exc", lambda: lam.get_function(
        FunctionName=first["AliasArn"].replace("aliasname1_1", "aliasdoesnotexist")))
    for alias, version, description in (("aliasname1_2", "1", "custom-alias"), ("aliasname1_3", "1", None),
                                        ("aliasname2", "2", "custom-alias")):
        params = {"FunctionName": name, "Name": alias, "FunctionVersion": version}
        record = alias.replace("aliasname", "")
        replay.check(f"create_alias_{record}", partial(lam.create_alias, **params, **(
            {"Description": description} if description else {})))
        replay.check(f"get_alias_{record}", partial(lam.get_alias, FunctionName=name, Name=alias))
    replay.check("list_aliases_for_fnname", lambda: lam.get_paginator("list_aliases").paginate(
        FunctionName=name, PaginationConfig={"PageSize": 1}).build_full_result())
    replay.check("update_alias_1_1", lambda: lam.update_alias(
        FunctionName=name, Name="aliasname1_1", RoutingConfig={"AdditionalVersionWeights": {}}))
    replay.check("get_alias_1_1_after_update", lambda: lam.get_alias(FunctionName=name, Name="aliasname1_1"))
    replay.check("list_aliases_for_fnname_after_update", lambda: lam.list_aliases(FunctionName=name))
    replay.check("update_alias_1_2", lambda: lam.update_alias(FunctionName=name, Name="aliasname1_2"))
    replay.check("get_alias_1_2_after_update", lambda: lam.get_alias(FunctionName=name, Name="aliasname1_2"))
    replay.check("list_aliases_for_fnname_after_update_2", lambda: lam.list_aliases(FunctionName=name))
    replay.check("list_aliases_for_version", lambda: lam.list_aliases(FunctionName=name, FunctionVersion="1"))
    replay.check("delete_alias_response", lambda: lam.delete_alias(FunctionName=name, Name="aliasname1_1"))
    replay.check("list_aliases_for_fnname_afterdelete", lambda: lam.list_aliases(FunctionName=name))


def test_tag_lifecycle(lam: Any, role: str) -> None:
    replay, name = Replay("test_tag_lifecycle"), "fn-tags"
    create_as_fixture(lam, role, name, handler="handler", Tags={"key_a": "value_a"})()
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]

    def tags_and_function(suffix: str) -> None:
        replay.check(f"list_tags_response_{suffix}", lambda: lam.list_tags(Resource=arn))
        replay.check(f"get_fn_response_{suffix}", lambda: lam.get_function(FunctionName=arn))

    tags_and_function("postfncreate")
    replay.check("tag_resource_response", lambda: lam.tag_resource(
        Resource=arn, Tags={"key_b": "value_b", "key_c": "value_c", "key_d": "value_d", "key_e": "value_e"}))
    tags_and_function("postaddtags")
    replay.check("tag_resource_overwrite", lambda: lam.tag_resource(
        Resource=arn, Tags={"key_b": "value_b", "key_c": "value_x"}))
    tags_and_function("overwrite")
    lam.untag_resource(Resource=arn, TagKeys=["key_c", "key_d"])
    tags_and_function("postuntag")
    lam.untag_resource(Resource=arn, TagKeys=["key_a", "key_b", "key_e"])
    tags_and_function("postuntagall")
    lam.delete_function(FunctionName=name)
    replay.check("list_tags_postdelete", lambda: lam.list_tags(Resource=arn))


def test_list_functions(lam: Any, role: str) -> None:
    replay, names = Replay("test_list_functions"), ("fn-list-1", "fn-list-2")
    replay.check("create_response_1", create_as_fixture(lam, role, names[0], handler="handler", Publish=True))
    replay.check("create_response_2", create_as_fixture(lam, role, names[1], handler="handler", source="# two\n"))

    def listed(**params: Any) -> dict[str, Any]:
        found = lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1},
                                                             **params).build_full_result()
        return {"Functions": sorted((f for f in found["Functions"] if f["FunctionName"] in names),
                                    key=lambda f: str(f["FunctionArn"]))}

    replay.check("list_all", lambda: listed(FunctionVersion="ALL"))
    replay.check("list_default", listed)


def test_publishing_on_create(lam: Any, role: str) -> None:
    replay, name = Replay("test_publish_version_on_create"), "fn-publish-on-create"
    replay.check("create_response", lambda: lam.create_function(
        FunctionName=name, Handler="index.handler", PackageType="Zip", Role=role, Runtime="python3.12",
        Code={"ZipFile": package("def handler(e, c):\n  return e\n", "index.py")}, Publish=True))
    replay.check("get_function_result", lambda: lam.get_function(FunctionName=name))
    replay.check("get_function_version_result", lambda: lam.get_function(FunctionName=name, Qualifier="1"))
    replay.check("get_function_latest_result", lambda: lam.get_function(FunctionName=name, Qualifier="$LATEST"))
    replay.check("list_versions_result", lambda: lam.list_versions_by_function(FunctionName=name))
    replay.check("repeated_publish_response", lambda: lam.publish_version(
        FunctionName=name, Description="Repeated version description :)"))
    replay.check("list_versions_result_after_publish", lambda: lam.list_versions_by_function(FunctionName=name))


def test_publishing_with_an_update(lam: Any, role: str) -> None:
    replay, name = Replay("test_publish_with_update"), "fn-publish-with-update"
    replay.check("create_response", lambda: lam.create_function(
        FunctionName=name, Handler="index.handler", PackageType="Zip", Role=role, Runtime="python3.12",
        Code={"ZipFile": package("def handler(e, c):\n  return e\n", "index.py")}))
    replay.check("get_function_result", lambda: lam.get_function(FunctionName=name))
    replay.check("update_function_code_result", lambda: lam.update_function_code(
        FunctionName=name, ZipFile=package("def handler(e, c):\n  return 'v2'\n", "index.py"), Publish=True))
    replay.check("get_function_version_result", lambda: lam.get_function(FunctionName=name, Qualifier="1"),
                 settled=True)
    replay.check("get_function_latest_result", lambda: lam.get_function(FunctionName=name, Qualifier="$LATEST"),
                 settled=True)


def test_alias_naming(lam: Any, role: str) -> None:
    replay, name = Replay("test_alias_naming"), "fn-alias-naming"
    replay.check("create_response", lambda: lam.create_function(
        FunctionName=name, Handler="index.handler", PackageType="Zip", Role=role, Runtime="python3.12",
        Code={"ZipFile": package("def handler(e, c):\n  return e\n", "index.py")},
        Environment={"Variables": {"testenv": "staging"}}))
    replay.check("publish_v1", lambda: lam.publish_version(FunctionName=name))
    replay.check("create_alias_date", lambda: lam.create_alias(
        FunctionName=name, Name="2024-01-02", FunctionVersion="1", Description="custom-alias"))
    replay.check("get_alias_date", lambda: lam.get_alias(FunctionName=name, Name="2024-01-02"))
    replay.check("create_alias_number_exception", lambda: lam.create_alias(
        FunctionName=name, Name="2024", FunctionVersion="1", Description="custom-alias"))


def test_tags_on_create(lam: Any, role: str) -> None:
    replay, name = Replay("test_create_tag_on_fn_create"), "fn-tags-on-create"
    create_as_fixture(lam, role, name, handler="handler", Tags={"testtag": "tag-on-create"})()
    found = replay.check("get_function_result", lambda: lam.get_function(FunctionName=name))
    replay.check("list_tags_result", lambda: lam.list_tags(Resource=found["Configuration"]["FunctionArn"]))


def test_an_environment_of_exactly_4_kb(lam: Any, role: str) -> None:
    replay, name = Replay("test_lambda_envvars_near_limit_succeeds"), "fn-4-kb"
    variables = {"LARGE_VAR": "x" * (4096 - 7 - len("LARGE_VAR"))}
    replay.check("successful_create_fn_result", create_as_fixture(
        lam, role, name, handler="handler", Environment={"Variables": variables}))


def test_tagging_step_by_step(lam: Any, role: str) -> None:
    replay, name = Replay("test_tag_lifecycle[lambda_function]"), "fn-tag-steps"
    create_as_fixture(lam, role, name, handler="handler")()
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    steps = [("tag_single_response", lam.tag_resource, {"Tags": {"A": "tag-a"}}),
             ("tag_multiple_response", lam.tag_resource, {"Tags": {"B": "tag-b", "C": "tag-c"}}),
             ("tag_overlap_response", lam.tag_resource, {"Tags": {"C": "tag-c-newsuffix", "D": "tag-d"}}),
             ("untag_single_response", lam.untag_resource, {"TagKeys": ["A"]}),
             ("untag_multiple_response", lam.untag_resource, {"TagKeys": ["B", "C"]}),
             ("untag_nonexisting_response", lam.untag_resource, {"TagKeys": ["F"]}),
             ("untag_existing_and_nonexisting_response", lam.untag_resource, {"TagKeys": ["D", "F"]})]
    for record, call, params in steps:
        replay.check(record, partial(call, Resource=arn, **params))
        replay.check(f"{record}_listtags", partial(lam.list_tags, Resource=arn))


def test_fifty_tags_and_no_more(lam: Any, role: str) -> None:
    replay, name = Replay("test_tag_limits"), "fn-tag-limits"
    create_as_fixture(lam, role, name, handler="handler")()
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    replay.check("tag_lambda_too_many_tags", lambda: lam.tag_resource(
        Resource=arn, Tags={f"{k}_key": f"{k}_value" for k in range(51)}))
    replay.check("tag_response", lambda: lam.tag_resource(
        Resource=arn, Tags={f"{k}_key": f"{k}_value" for k in range(50)}))
    replay.check("list_tags_response", lambda: lam.list_tags(Resource=arn))
    replay.check("get_fn_response", lambda: lam.get_function(FunctionName=name))
    replay.check("tag_lambda_too_many_tags_additional", lambda: lam.tag_resource(Resource=arn,
                                                                                 Tags={"a_key": "a_value"}))


def test_created_by_arn(lam: Any, role: str, server: LaminaServer) -> None:
    replay = Replay("test_function_arns")
    full = f"arn:aws:lambda:{server.region}:{server.account_id}:function:fn-by-arn"
    replay.check("create-function-arn-response", create_as_fixture(lam, role, full, handler="handler"))
    partial_arn = f"{server.account_id}:function:fn-by-partial-arn"
    replay.check("create-function-partial-arn-response", create_as_fixture(lam, role, partial_arn, handler="handler",
                                                                          source="# two\n"))


def test_a_function_read_before_it_is_deleted(lam: Any, role: str) -> None:
    replay, name = Replay("test_tag_nonexisting_resource"), "fn-read-then-deleted"
    create_as_fixture(lam, role, name, handler="handler")()
    replay.check("pre_delete_get_function", lambda: lam.get_function(FunctionName=name))
