"""Function policies replayed as LocalStack's AWS-validated permission tests lived them, each answer
compared with AWS's (tests/data/lambda_lifecycle_answers.json). The placeholders bind one-to-one, so
the RevisionIds relate as AWS's did: each policy write is a new revision of the policy, GetPolicy
keeps the policy's own after PublishVersion renews $LATEST's, an alias's first AddPermission takes
the alias's RevisionId, a later one the policy's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from replay_support import Replay, create_as_fixture

from lamina.pytest_plugin import LaminaServer, start_server

INVOKE = "lambda:InvokeFunction"
BUCKET = "arn:aws:s3:::test-bucket"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("lambda-policies") / "data")
    yield started
    started.stop()


def test_add_permission(lam: Any, role: str) -> None:
    replay, name = Replay("test_add_lambda_permission_aws"), "fn-add-permission"
    replay.check("create_lambda", create_as_fixture(lam, role, name, handler="handler"))
    replay.check("add_permission", lambda: lam.add_permission(
        FunctionName=name, Action=INVOKE, StatementId="s3", Principal="s3.amazonaws.com", SourceArn=BUCKET))
    replay.check("get_policy", lambda: lam.get_policy(FunctionName=name))


def test_remove_permissions(lam: Any, role: str) -> None:
    replay, name = Replay("test_remove_multi_permissions"), "fn-remove-permissions"
    create_as_fixture(lam, role, name, handler="handler")()
    replay.check("add_permission_1", lambda: lam.add_permission(
        FunctionName=name, Action=INVOKE, StatementId="s3", Principal="s3.amazonaws.com"))
    replay.check("add_permission_2", lambda: lam.add_permission(
        FunctionName=name, Action=INVOKE, StatementId="sqs", Principal="sqs.amazonaws.com", SourceArn=BUCKET))
    replay.check("policy_after_2_add", lambda: lam.get_policy(FunctionName=name))
    replay.check("remove_permission_exception_nonexisting_sid", lambda: lam.remove_permission(
        FunctionName=name, StatementId="non-existent"))
    lam.remove_permission(FunctionName=name, StatementId="sqs")
    replay.check("policy_after_removal", lambda: lam.get_policy(FunctionName=name))
    attempt = replay.check("policy_after_removal_attempt", lambda: lam.get_policy(FunctionName=name))
    lam.remove_permission(FunctionName=name, StatementId="s3", RevisionId=attempt["RevisionId"])
    replay.check("get_policy_exception_removed_all", lambda: lam.get_policy(FunctionName=name))


def test_several_permissions(lam: Any, role: str) -> None:
    replay, name = Replay("test_create_multiple_lambda_permissions"), "fn-several-permissions"
    create_as_fixture(lam, role, name, handler="handler")()
    replay.check("add_permission_response_1", lambda: lam.add_permission(
        FunctionName=name, Action=INVOKE, StatementId="logs", Principal="logs.amazonaws.com"))
    replay.check("add_permission_response_2", lambda: lam.add_permission(
        FunctionName=name, Action=INVOKE, StatementId="kinesis", Principal="kinesis.amazonaws.com"))
    replay.check("policy_after_2_add", lambda: lam.get_policy(FunctionName=name))


def test_permissions_of_versions_and_aliases(lam: Any, role: str) -> None:
    replay, name = Replay("test_lambda_permission_fn_versioning"), "fn-permission-versions"
    create_as_fixture(lam, role, name, handler="handler")()
    s3 = {"Action": INVOKE, "StatementId": "s3", "Principal": "s3.amazonaws.com", "SourceArn": BUCKET}
    replay.check("add_permission", lambda: lam.add_permission(FunctionName=name, **s3))
    replay.check("get_policy", lambda: lam.get_policy(FunctionName=name))
    replay.check("publish_version_result", lambda: lam.publish_version(FunctionName=name))
    replay.check("get_function_result_after_publishing", lambda: lam.get_function(FunctionName=name))
    replay.check("get_policy_after_publishing_latest", lambda: lam.get_policy(FunctionName=name))
    replay.check("get_policy_after_publishing_new_version", lambda: lam.get_policy(FunctionName=name, Qualifier="1"))
    lam.add_permission(FunctionName=f"{name}:1", Qualifier="1", **s3)
    replay.check("get_policy_version", lambda: lam.get_policy(FunctionName=name, Qualifier="1"))
    alias = replay.check("create_alias_response", lambda: lam.create_alias(
        FunctionName=name, Name="permission-alias", FunctionVersion="1"))
    replay.check("get_alias", lambda: lam.get_alias(FunctionName=name, Name="permission-alias"))
    replay.check("add_permission_alias_revision_exception", lambda: lam.add_permission(
        FunctionName=name, Qualifier="permission-alias", RevisionId="wrong", **s3))
    lam.add_permission(FunctionName=f"{name}:permission-alias", Qualifier="permission-alias",
                       RevisionId=alias["RevisionId"], **s3)
    replay.check("get_policy_alias", lambda: lam.get_policy(FunctionName=name, Qualifier="permission-alias"))
    policy = replay.check("get_policy_after_adding_to_new_version", lambda: lam.get_policy(FunctionName=name))
    lam.add_permission(FunctionName=name, RevisionId=policy["RevisionId"], **{**s3, "StatementId": "s3_2"})
    replay.check("get_policy_after_adding_2", lambda: lam.get_policy(FunctionName=name))
