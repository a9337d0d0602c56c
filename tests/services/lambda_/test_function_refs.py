"""Every form in which Lambda takes a function (name, qualified name, partial and full ARNs, a
separate Qualifier) resolves to its account, region, name and qualifier; the same reference read
again gives the same answer, and a refused one is refused again."""

from __future__ import annotations

from typing import Any

import pytest

from lamina.auth.credentials import Caller
from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.lambda_.errors import InvalidParameterValueException, ResourceNotFoundException
from lamina.services.lambda_.names import FunctionRef, function_ref

MINE, OTHER = "123456789012", "210987654321"
ARN = "arn:aws:lambda:us-east-1"


def root(account: str) -> Caller:
    return Caller(account, f"arn:aws:iam::{account}:root", "Root", account, "AKIAIOSFODNN7EXAMPLE")


def context(params: dict[str, Any], *, caller: bool = True, region: str = "us-east-1") -> RequestContext:
    ctx = RequestContext("rid", "GET", "/", "", [], b"", region=region, params=params)
    if caller:
        ctx.caller = root(MINE)
    return ctx


@pytest.mark.parametrize(("params", "expected"), [
    ({"FunctionName": "f"}, (MINE, "f", None)),
    ({"FunctionName": "f:PROD"}, (MINE, "f", "PROD")),
    ({"FunctionName": "f:$LATEST"}, (MINE, "f", "$LATEST")),
    ({"FunctionName": "f", "Qualifier": "3"}, (MINE, "f", "3")),
    ({"FunctionName": "f:3", "Qualifier": "3"}, (MINE, "f", "3")),
    ({"FunctionName": f"{OTHER}:function:f"}, (OTHER, "f", None)),
    ({"FunctionName": f"{ARN}:{OTHER}:function:f:PROD"}, (OTHER, "f", "PROD")),
    ({"FunctionName": f"{ARN}:{MINE}:function:f", "Qualifier": "1"}, (MINE, "f", "1")),
])
def test_each_form_resolves_and_resolves_again_the_same(params: dict[str, Any], expected: tuple[Any, ...]) -> None:
    first, again = function_ref(context(params)), function_ref(context(dict(params)))
    assert first == again == FunctionRef(expected[0], "us-east-1", expected[1], expected[2])
    qualified = f"{ARN}:{expected[0]}:function:{expected[1]}"
    assert first.arn == qualified
    assert first.qualified_arn == (qualified if expected[2] is None else f"{qualified}:{expected[2]}")


@pytest.mark.parametrize(("params", "error", "message"), [
    ({"FunctionName": "f:1", "Qualifier": "2"}, InvalidParameterValueException,
     "The derived qualifier from the function name does not match the specified qualifier."),
    ({"FunctionName": f"arn:aws:lambda:eu-west-1:{MINE}:function:f"}, ResourceNotFoundException,
     "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"),
    ({"FunctionName": "f/g"}, ResourceNotFoundException, "Function not found: f/g"),
])
def test_a_refused_reference_is_refused_every_time(params: dict[str, Any], error: type[ServiceError],
                                                  message: str) -> None:
    for _ in range(2):
        with pytest.raises(error) as refused:
            function_ref(context(params))
        assert refused.value.message == message


def test_the_account_follows_the_caller_and_the_region_the_request() -> None:
    other_caller = context({"FunctionName": "f"})
    other_caller.caller = root(OTHER)
    assert function_ref(other_caller).account == OTHER
    elsewhere = function_ref(context({"FunctionName": "f"}, region="eu-west-1"))
    assert elsewhere.arn == f"arn:aws:lambda:eu-west-1:{MINE}:function:f"


def test_without_a_caller_only_a_reference_naming_its_account_resolves() -> None:
    assert function_ref(context({"FunctionName": f"{OTHER}:function:f"}, caller=False)).account == OTHER
    with pytest.raises(RuntimeError):
        function_ref(context({"FunctionName": "f"}, caller=False))
