"""LoggingConfig replayed as LocalStack's AWS-validated TestLoggingConfig lived it, each answer
compared with AWS's (tests/data/lambda_lifecycle_answers.json): JSON format brings INFO levels,
Text drops them, a partial update keeps the rest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from replay_support import Replay, create_as_fixture

from lamina.pytest_plugin import LaminaServer, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("lambda-logging") / "data")
    yield started
    started.stop()


def created(replay: Replay, lam: Any, role: str, name: str, **more: Any) -> None:
    """The three answers each recorded test starts with: create, GetFunction, GetFunctionConfiguration."""
    replay.check("create_response", create_as_fixture(lam, role, name, handler="handler", MemorySize=256, Timeout=5,
                                                      **more))
    replay.check("get_function_response", lambda: lam.get_function(FunctionName=name))
    replay.check("function_config", lambda: lam.get_function_configuration(FunctionName=name))


def updated(replay: Replay, lam: Any, name: str, config: dict[str, str], suffix: str = "") -> None:
    replay.check(f"updated_config{suffix}", lambda: lam.update_function_configuration(FunctionName=name,
                                                                                      LoggingConfig=config))
    replay.check(f"received_config{suffix}", lambda: lam.get_function_configuration(FunctionName=name))


def test_advanced_logging_configuration(lam: Any, role: str) -> None:
    replay, name = Replay("test_function_advanced_logging_configuration"), "fn-logging-advanced"
    created(replay, lam, role, name, LoggingConfig={"LogFormat": "JSON"})
    updated(replay, lam, name, {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
                                "LogGroup": "cool_lambda"})


def test_format_switch(lam: Any, role: str) -> None:
    replay, name = Replay("test_advanced_logging_configuration_format_switch"), "fn-logging-switch"
    created(replay, lam, role, name)
    updated(replay, lam, name, {"LogFormat": "JSON"})
    updated(replay, lam, name, {"LogFormat": "Text"}, "_v2")


@pytest.mark.parametrize(("index", "config"), list(enumerate([
    {"LogFormat": "JSON"}, {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"},
    {"LogFormat": "JSON", "SystemLogLevel": "DEBUG"}, {"LogGroup": "cool_lambda"}])))
def test_partial_update(lam: Any, role: str, index: int, config: dict[str, str]) -> None:
    test = f"test_function_partial_advanced_logging_configuration_update[partial_config{index}]"
    replay, name = Replay(test), f"fn-logging-partial-{index}"
    created(replay, lam, role, name)
    updated(replay, lam, name, config)
