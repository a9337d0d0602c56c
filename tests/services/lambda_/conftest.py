"""Fixtures the Lambda server tests share: a Lambda client and an execution role, for the module's
own ``server`` fixture (each module starts its own server, so tests of one cannot see another's)."""

from __future__ import annotations

from typing import Any

import pytest
from functions_support import execution_role

from lamina.pytest_plugin import LaminaServer


@pytest.fixture(scope="module")
def lam(server: LaminaServer) -> Any:
    """A boto3 Lambda client signing as the account's root user."""
    return server.client("lambda")


@pytest.fixture(scope="module")
def role(server: LaminaServer) -> str:
    """A role that trusts lambda.amazonaws.com; its ARN."""
    return execution_role(server)
