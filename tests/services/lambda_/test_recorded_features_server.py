"""Control-plane answers from LocalStack's AWS-validated test_lambda.py replayed and compared with
AWS's (tests/data/lambda_lifecycle_answers.json): a function's first state, a name used again after
a delete, a change of architecture with new code, reserved concurrency, a function URL's invoke mode."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from replay_support import RECORDS, Replay, create_as_fixture, package

from lamina.pytest_plugin import LaminaServer, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("lambda-features") / "data")
    yield started
    started.stop()


def test_function_state(lam: Any, role: str) -> None:
    replay, name = Replay("test_function_state"), "fn-state"
    replay.check("create-fn-response", lambda: lam.create_function(
        FunctionName=name, Runtime="python3.12", Handler="handler.handler", Role=role,
        Code={"ZipFile": package("def handler(e, c):\n  return e\n")}))
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    replay.check("get-fn-response", lambda: lam.get_function(FunctionName=name))


def test_a_function_created_again(lam: Any, role: str) -> None:
    replay, name = Replay("test_recreate_function"), "fn-recreated"
    replay.check("create_function_response_one", create_as_fixture(lam, role, name, handler="lambda_echo"))
    lam.delete_function(FunctionName=name)
    replay.check("create_function_response_two", create_as_fixture(lam, role, name, handler="lambda_echo"))


def test_a_new_architecture_with_new_code(lam: Any, role: str) -> None:
    replay, name = Replay("test_mixed_architecture"), "fn-architectures"
    replay.check("create_function_response", create_as_fixture(lam, role, name, handler="handler",
                                                               Architectures=["x86_64"]))
    replay.check("update_function_code_response", lambda: lam.update_function_code(
        FunctionName=name, ZipFile=package("def handler(e, c):\n  return 'arm'\n"), Architectures=["arm64"]))


def test_reserved_concurrency(lam: Any, role: str) -> None:
    replay, name = Replay("test_lambda_concurrency_crud"), "fn-concurrency-crud"
    create_as_fixture(lam, role, name, handler="handler")()
    replay.check("get_function_concurrency_default", lambda: lam.get_function_concurrency(FunctionName=name))
    replay.check("put_function_concurrency", lambda: lam.put_function_concurrency(
        FunctionName=name, ReservedConcurrentExecutions=0))
    replay.check("get_function_concurrency_updated", lambda: lam.get_function_concurrency(FunctionName=name))
    lam.delete_function_concurrency(FunctionName=name)
    replay.check("get_function_concurrency_deleted", lambda: lam.get_function_concurrency(FunctionName=name))


def test_reserved_concurrency_in_get_function(lam: Any, role: str) -> None:
    replay, name = Replay("test_lambda_concurrency_update"), "fn-concurrency-update"
    create_as_fixture(lam, role, name, handler="handler")()
    replay.check("put_function_concurrency", lambda: lam.put_function_concurrency(
        FunctionName=name, ReservedConcurrentExecutions=3))
    replay.check("get_function_concurrency_updated", lambda: lam.get_function_concurrency(FunctionName=name))
    replay.check("get_function_concurrency_info", lambda: lam.get_function(FunctionName=name))
    lam.delete_function_concurrency(FunctionName=name)
    replay.check("get_function_concurrency_deleted", lambda: lam.get_function_concurrency(FunctionName=name))


def test_url_invoke_mode(lam: Any, role: str) -> None:
    replay, name = Replay("test_lambda_update_function_url_config"), "fn-url-invoke-mode"
    create_as_fixture(lam, role, name, handler="handler")()
    replay.check("create_lambda_url_config", lambda: lam.create_function_url_config(
        FunctionName=name, AuthType="NONE", InvokeMode="BUFFERED"))
    replay.check("get_url_config", lambda: lam.get_function_url_config(FunctionName=name))
    replay.check("modify_lambda_url_config", lambda: lam.update_function_url_config(
        FunctionName=name, InvokeMode="RESPONSE_STREAM"))
    replay.check("get_url_config_2", lambda: lam.get_function_url_config(FunctionName=name))
    replay.check("modify_lambda_url_config_none", lambda: lam.update_function_url_config(FunctionName=name))
    replay.check("get_url_config_3", lambda: lam.get_function_url_config(FunctionName=name))


def test_a_url_anyone_may_invoke(lam: Any, role: str) -> None:
    replay, name = Replay("test_lambda_url_invocation[dict]"), "fn-url-public"
    create_as_fixture(lam, role, name, handler="handler")()
    replay.check("create_lambda_url_config", lambda: lam.create_function_url_config(FunctionName=name,
                                                                                    AuthType="NONE"))
    replay.check("add_permission", lambda: lam.add_permission(
        FunctionName=name, StatementId="urlPermission", Action="lambda:InvokeFunctionUrl", Principal="*",
        FunctionUrlAuthType="NONE"))


SNAPSTART_RUNTIMES = ["python3.12", "python3.13", "java11", "java17", "java21", "java25", "dotnet8", "dotnet10"]


def handler_of(test: str) -> str:
    """The handler LocalStack's multiruntime fixture gave this runtime (an input, as recorded)."""
    return str(RECORDS[f"{test}/create_function_response"]["Response"]["Handler"])


@pytest.mark.parametrize("runtime", SNAPSTART_RUNTIMES)
def test_snapstart_defaults_through_a_version(lam: Any, role: str, runtime: str) -> None:
    test = f"test_snapstart_lifecycle[{runtime}]"
    replay, name = Replay(test), f"fn-snapstart-{runtime.replace('.', '')}"
    replay.check("create_function_response", create_as_fixture(
        lam, role, name, Runtime=runtime, Handler=handler_of(test), MemorySize=1024, Timeout=5, Environment=None))
    lam.publish_version(FunctionName=name, Description="version1")
    replay.check("get_function_response_latest", lambda: lam.get_function(FunctionName=name))
    replay.check("get_function_response_version_1", lambda: lam.get_function(FunctionName=name, Qualifier="1"))


@pytest.mark.parametrize("runtime", SNAPSTART_RUNTIMES)
def test_snapstart_turned_on(lam: Any, role: str, runtime: str) -> None:
    test = f"test_snapstart_update_function_configuration[{runtime}]"
    replay, name = Replay(test), f"fn-snapstart-on-{runtime.replace('.', '')}"
    replay.check("create_function_response", create_as_fixture(
        lam, role, name, Runtime=runtime, Handler=handler_of(test), MemorySize=1024, Timeout=5, Environment=None))
    replay.check("update_function_response", lambda: lam.update_function_configuration(
        FunctionName=name, SnapStart={"ApplyOn": "PublishedVersions"}))


def test_url_configs_listed(lam: Any, role: str) -> None:
    replay, name = Replay("test_url_config_list_paging"), "fn-url-listed"
    create_as_fixture(lam, role, name, handler="lambda_handler", Runtime="nodejs20.x")()
    replay.check("fn_version_result", lambda: lam.publish_version(FunctionName=name))
    replay.check("create_alias_result", lambda: lam.create_alias(FunctionName=name, Name="urlalias",
                                                                 FunctionVersion="1"))
    replay.check("list_function_notfound", lambda: lam.list_function_url_configs(FunctionName="doesnotexist"))
    replay.check("list_all_empty", lambda: lam.list_function_url_configs(FunctionName=name))
    replay.check("url_config_fn", lambda: lam.create_function_url_config(FunctionName=name, AuthType="NONE"))
    replay.check("url_config_alias", lambda: lam.create_function_url_config(
        FunctionName=f"{name}:urlalias", Qualifier="urlalias", AuthType="NONE"))

    def listed() -> dict[str, Any]:
        found: dict[str, Any] = lam.list_function_url_configs(FunctionName=name)
        found["FunctionUrlConfigs"].sort(key=lambda config: str(config["FunctionArn"]))
        return found

    replay.check("list_all", listed)


def test_deleting_the_function_url_leaves_the_alias_url(lam: Any, role: str) -> None:
    replay, name = Replay("test_url_config_deletion_without_qualifier"), "fn-url-deletion"
    lam.create_function(FunctionName=name, Handler="index.handler", PackageType="Zip", Role=role,
                        Runtime="python3.12", Code={"ZipFile": package("def handler(e, c):\n  return 1\n")},
                        Environment={"Variables": {"testenv": "staging"}})
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="test-alias", FunctionVersion="1", Description="custom-alias")
    replay.check("url_creation", lambda: lam.create_function_url_config(FunctionName=name, AuthType="NONE"))
    replay.check("url_with_alias_creation", lambda: lam.create_function_url_config(
        FunctionName=name, AuthType="NONE", Qualifier="test-alias"))
    replay.check("get_url_config", lambda: lam.get_function_url_config(FunctionName=name))
    replay.check("get_url_config_with_alias", lambda: lam.get_function_url_config(FunctionName=name,
                                                                                  Qualifier="test-alias"))
    replay.check("delete_function_url_config", lambda: lam.delete_function_url_config(FunctionName=name))
    replay.check("get_url_config_after_deletion", lambda: lam.get_function_url_config(FunctionName=name))
    replay.check("get_url_config_with_alias_after_deletion", lambda: lam.get_function_url_config(
        FunctionName=name, Qualifier="test-alias"))


def create_plain(lam: Any, role: str, name: str, source: str = "", **more: Any) -> Any:
    """CreateFunction as test_lambda.py's version and alias tests make it (no fixture defaults)."""
    return lambda: lam.create_function(
        FunctionName=name, Handler="handler.handler", PackageType="Zip", Role=role, Runtime="python3.12",
        Code={"ZipFile": package("def handler(e, c):\n  return 1\n" + source)}, **more)


def test_versions_with_code_changes(lam: Any, role: str) -> None:
    replay, name = Replay("test_lambda_versions_with_code_changes"), "fn-code-changes"
    replay.check("create_response", create_plain(lam, role, name, Description="No version :("))
    replay.check("first_publish_response", lambda: lam.publish_version(
        FunctionName=name, Description="First version description :)"))
    replay.check("update_lambda_response", lambda: lam.update_function_code(
        FunctionName=name, ZipFile=package("def handler(e, c):\n  return 2\n")))
    replay.check("second_publish_response", lambda: lam.publish_version(
        FunctionName=name, Description="Second version description :)"))


def test_an_alias_stays_when_the_code_moves(lam: Any, role: str) -> None:
    replay, name = Replay("test_lambda_alias_moving"), "fn-alias-moving"
    replay.check("create_response", create_plain(lam, role, name, Description="No version :("))
    lam.publish_version(FunctionName=name, Description="First version description :)")
    replay.check("create_alias_response", lambda: lam.create_alias(FunctionName=name, FunctionVersion="1",
                                                                   Name="alias1"))
    replay.check("update_lambda_response", lambda: lam.update_function_code(
        FunctionName=name, ZipFile=package("def handler(e, c):\n  return 2\n")))


def test_an_alias_routed_to_two_versions(lam: Any, role: str) -> None:
    replay, name = Replay("test_alias_routingconfig"), "fn-alias-routing"
    create_plain(lam, role, name, Description="First version :)", Publish=True)()
    lam.update_function_code(FunctionName=name, ZipFile=package("def handler(e, c):\n  return 2\n"))
    lam.publish_version(FunctionName=name, Description="Second version description :)")
    replay.check("create_alias_response", lambda: lam.create_alias(
        FunctionName=name, FunctionVersion="1", Name="alias1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}))
