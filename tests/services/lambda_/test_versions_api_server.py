"""Versions, aliases, tags, concurrency and URLs on functions made through CreateFunction: one user's story
with boto3 against ``lamina serve``, from creation to deletion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from functions_support import create, unique, zipped
from test_versions_support import ARN, client_error, client_normalised, recorded_error, served

from lamina.pytest_plugin import LaminaServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    with served(tmp_path_factory, "versions-api") as running:
        yield running


def test_publish_on_create_then_after_a_code_update(lam: Any, role: str) -> None:
    name = unique("fn")
    created = create(lam, role, name, Publish=True, Tags={"team": "blue"})
    assert created["Version"] == "1"
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    assert lam.publish_version(FunctionName=name)["Version"] == "1"  # nothing changed since
    lam.update_function_code(FunctionName=name, ZipFile=zipped({"index.py": "def handler(e, c):\n    return 2\n"}))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    second = lam.publish_version(FunctionName=name, Description="two")
    assert (second["Version"], second["Description"], second["FunctionArn"]) == ("2", "two", f"{ARN}:{name}:2")
    assert second["CodeSha256"] != created["CodeSha256"]
    got = lam.get_function(FunctionName=name, Qualifier="2")["Configuration"]
    assert (got["Version"], got["RevisionId"]) == ("2", second["RevisionId"])
    assert lam.list_tags(Resource=f"{ARN}:{name}")["Tags"] == {"team": "blue"}


def test_alias_url_concurrency_and_deletion(lam: Any, role: str) -> None:
    name = unique("fn")
    create(lam, role, name)
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    through_alias = lam.get_function(FunctionName=name, Qualifier="live")["Configuration"]
    assert through_alias["Version"] == version
    url = lam.create_function_url_config(FunctionName=name, Qualifier="live", AuthType="AWS_IAM")
    assert url["FunctionArn"] == f"{ARN}:{name}:live" and ".lambda-url.us-east-1.localhost:" in url["FunctionUrl"]
    assert client_error(lambda: lam.delete_function(FunctionName=name, Qualifier=version))[0] == \
        "ResourceConflictException"  # the alias points at it
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    lam.delete_alias(FunctionName=name, Name="live")
    assert client_error(lambda: lam.get_function_url_config(FunctionName=name, Qualifier="live"))[0] == \
        "ResourceNotFoundException"  # the alias took its URL along
    lam.delete_function(FunctionName=name)
    assert client_normalised(client_error(lambda: lam.list_tags(Resource=f"{ARN}:{name}")),
                             {name: "<function-name:1>"}) == recorded_error("tag_lifecycle/list_tags_postdelete")
    assert client_error(lambda: lam.get_function_concurrency(FunctionName=name))[2] == 404


def test_account_usage_grows_with_code_and_publishing(lam: Any, role: str) -> None:
    before = lam.get_account_settings()["AccountUsage"]
    package = zipped()
    name = unique("fn")
    create(lam, role, name, zip=package)
    after_create = lam.get_account_settings()["AccountUsage"]
    assert after_create["FunctionCount"] == before["FunctionCount"] + 1
    assert after_create["TotalCodeSize"] == before["TotalCodeSize"] + len(package)
    lam.update_function_configuration(FunctionName=name, Description="config only")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert lam.get_account_settings()["AccountUsage"]["TotalCodeSize"] == after_create["TotalCodeSize"]
    lam.publish_version(FunctionName=name)
    assert lam.get_account_settings()["AccountUsage"]["TotalCodeSize"] == after_create["TotalCodeSize"] + len(package)
