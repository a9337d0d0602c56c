"""Answers AWS recorded for the control plane that no other test compares
(tests/data/lambda_control_plane_answers.json), through boto3 against a server: revision
preconditions on updates, UpdateFunctionConfiguration's checks, retired runtimes, permission
qualifiers, a policy after RemovePermission, a deleted function's tags, tag and concurrency limits,
an alias that is not there, SnapStart's enum."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from functions_support import create, zipped
from test_permissions_support import matches

from lamina.pytest_plugin import LaminaServer, start_server

RECORDS: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parents[2] / "data" / "lambda_control_plane_answers.json").read_text())["records"]
S3 = {"Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("lambda-recorded") / "data")
    yield started
    started.stop()


def answered(call: Callable[[], Any]) -> dict[str, Any]:
    """The error ``call`` raises, kept as the recordings keep it: Error and HTTPStatusCode."""
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return {"Error": {"Code": response["Error"]["Code"], "Message": response["Error"]["Message"]},
            "HTTPStatusCode": response["ResponseMetadata"]["HTTPStatusCode"]}


def as_recorded(key: str, found: dict[str, Any]) -> bool:
    record = {k: v for k, v in RECORDS[key].items() if k != "source"}
    return matches(record, found)


def test_stale_revisions_on_updates(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    assert as_recorded("update_function_revision_exception", answered(
        lambda: lam.update_function_code(FunctionName=name, ZipFile=zipped(), RevisionId="wrong")))
    assert as_recorded("update_function_configuration_revision_exception", answered(
        lambda: lam.update_function_configuration(FunctionName=name, Timeout=4, RevisionId="wrong")))


@pytest.mark.parametrize(("key", "change"), [
    ("update_invalid_role_arn_exc", {"Role": "r1"}),
    ("update_invalid_runtime_exc", {"Runtime": "non-existent-runtime"}),
    ("update_uppercase_runtime_exc", {"Runtime": "PYTHON3.9"}),
])
def test_update_configuration_checks(lam: Any, role: str, key: str, change: dict[str, str]) -> None:
    name = create(lam, role)["FunctionName"]
    assert as_recorded(key, answered(lambda: lam.update_function_configuration(FunctionName=name, **change)))


@pytest.mark.parametrize("runtime", ["java8", "go1.x", "provided", "ruby2.7", "nodejs14.x", "python3.7",
                                     "dotnetcore3.1", "nodejs12.x"])
def test_a_retired_runtime_is_named_as_such(lam: Any, role: str, runtime: str) -> None:
    assert as_recorded(f"deprecated_runtime[{runtime}]", answered(lambda: create(lam, role, Runtime=runtime)))


def test_permission_qualifiers(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    for qualifier, key in (("invalid-qualifier-with-?-char", "add_permission_fn_qualifier_invalid"),
                           ("valid-with-$-but-doesnotexist", "add_permission_fn_qualifier_valid_doesnotexist")):
        found = answered(partial(lam.add_permission, FunctionName=name, StatementId="s", Qualifier=qualifier, **S3))
        assert as_recorded(key, found), found


def test_the_policy_after_removals(lam: Any, role: str) -> None:
    """Two statements, one removed, then a removal of a Sid that is not there changes nothing."""
    name = create(lam, role)["FunctionName"]
    lam.add_permission(FunctionName=name, StatementId="s3", **S3)
    lam.add_permission(FunctionName=name, StatementId="s3_2", **S3)
    lam.remove_permission(FunctionName=name, StatementId="s3_2")
    after = lam.get_policy(FunctionName=name)
    shown = {"Policy": json.loads(after["Policy"]), "RevisionId": after["RevisionId"],
             "HTTPStatusCode": after["ResponseMetadata"]["HTTPStatusCode"]}
    assert as_recorded("policy_after_removal", shown), shown
    with pytest.raises(ClientError):
        lam.remove_permission(FunctionName=name, StatementId="non-existent")
    again = lam.get_policy(FunctionName=name)
    assert (json.loads(again["Policy"]), again["RevisionId"]) == (shown["Policy"], shown["RevisionId"])
    assert as_recorded("policy_after_removal_attempt", {**shown, "RevisionId": again["RevisionId"]})


def test_publishing_leaves_the_policy_where_it_was(lam: Any, role: str) -> None:
    """AWS (test_lambda_permission_fn_versioning, 2025): after PublishVersion, GetPolicy shows the
    same RevisionId while $LATEST's has changed, and the new version has no policy."""
    name = create(lam, role)["FunctionName"]
    lam.add_permission(FunctionName=name, StatementId="s3", SourceArn="arn:aws:s3:::test-bucket", **S3)
    before = lam.get_policy(FunctionName=name)["RevisionId"]
    version = lam.publish_version(FunctionName=name)["Version"]
    assert lam.get_policy(FunctionName=name)["RevisionId"] == before
    assert lam.get_function(FunctionName=name)["Configuration"]["RevisionId"] != before
    assert as_recorded("get_policy_after_publishing_new_version", answered(
        lambda: lam.get_policy(FunctionName=name, Qualifier=version)))


def test_tags_of_a_deleted_function(lam: Any, role: str) -> None:
    arn = create(lam, role)["FunctionArn"]
    lam.delete_function(FunctionName=arn)
    for key, call in (("deleted_function_not_found_exception_tag", lambda: lam.tag_resource(Resource=arn,
                                                                                             Tags={"a": "b"})),
                      ("deleted_function_not_found_exception_untag", lambda: lam.untag_resource(Resource=arn,
                                                                                                 TagKeys=["a"])),
                      ("deleted_function_not_found_exception_list", lambda: lam.list_tags(Resource=arn))):
        assert as_recorded(key, answered(call))


def test_creating_with_too_many_tags(lam: Any, role: str) -> None:
    tags = {f"{k}_key": f"{k}_value" for k in range(51)}
    assert as_recorded("create_function_invalid_tags", answered(lambda: create(lam, role, Tags=tags)))


def test_concurrency_limits(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    limit = lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"]
    for key, reserved in (("put_function_concurrency_account_limit_exceeded", limit + 1),
                          ("put_function_concurrency_below_unreserved_min_value", limit)):
        found = answered(partial(lam.put_function_concurrency, FunctionName=name,
                                 ReservedConcurrentExecutions=reserved))
        assert as_recorded(key, found), found
    assert as_recorded("put_function_concurrency_with_function_name_doesnotexist_and_invalid_concurrency", answered(
        lambda: lam.put_function_concurrency(FunctionName="doesnotexist", ReservedConcurrentExecutions=0)))


def test_deleting_an_alias_that_is_not_there(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    deleted = lam.delete_alias(FunctionName=name, Name="non-existent")
    found = {"Response": {k: v for k, v in deleted.items() if k != "ResponseMetadata"},
             "HTTPStatusCode": deleted["ResponseMetadata"]["HTTPStatusCode"]}
    assert as_recorded("delete_alias_not_there", found)


def test_snapstart_takes_its_enum(lam: Any, role: str) -> None:
    assert as_recorded("create_function_invalid_snapstart_apply", answered(
        lambda: create(lam, role, SnapStart={"ApplyOn": "invalidOption"})))


def test_total_code_size_counts_every_version(lam: Any, role: str) -> None:
    """AWS recorded how TotalCodeSize moved (its zip was 276 bytes): +276 on create, +276 more on an
    update published as version 1, nothing on a configuration change, more than 200 on publishing
    after it: every version counts its package."""
    def total() -> int:
        return int(lam.get_account_settings()["AccountUsage"]["TotalCodeSize"])

    recorded = {key.split("/")[1]: RECORDS[key]["Response"] for key in RECORDS
                if key.startswith("test_account_settings_total_code_size")}
    noise = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(10))  # a package of some 400 bytes
    package = zipped({"index.py": f"def handler(event, context):\n    return event\n# {noise}\n"})
    before = total()
    name = create(lam, role, zip=package)["FunctionName"]
    created = total() - before
    lam.update_function_code(FunctionName=name, ZipFile=package, Publish=True)
    published = total() - before - created
    assert created == published == len(package)
    assert recorded["total_code_size_diff_create_function"] == recorded["total_code_size_diff_update_function"]
    second = create(lam, role, zip=package)["FunctionName"]
    assert (total() - before - created - published > 200) is recorded[
        "is_total_code_size_diff_create_function_more_than_200"]
    after_create = total()
    lam.update_function_configuration(FunctionName=second, Timeout=9)
    assert total() - after_create == recorded["total_code_size_diff_update_function_configuration"]
    lam.publish_version(FunctionName=second)
    assert (total() - after_create > 200) is recorded[
        "is_total_code_size_diff_publish_version_after_config_update_more_than_200"]
