"""Helpers for the Lambda store tests: a function with code in one call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from lamina.store.repositories import VersionRow, lambda_code, lambda_functions

ACCOUNT = "111122223333"
REGION = "us-east-1"


def config(**changes: Any) -> dict[str, Any]:
    """A FunctionConfiguration mapping as a handler would hand it in."""
    base: dict[str, Any] = {"Runtime": "python3.12", "Handler": "index.handler", "Description": "",
                            "Timeout": 3, "MemorySize": 128, "Role": f"arn:aws:iam::{ACCOUNT}:role/r"}
    return {**base, **changes}


def make_function(conn: Connection, name: str = "fn", code: bytes = b"zip-1", **changes: Any) -> VersionRow:
    blob = lambda_code.put_code(conn, code)
    return lambda_functions.create_function(conn, ACCOUNT, REGION, name, config(**changes), blob.sha256)
