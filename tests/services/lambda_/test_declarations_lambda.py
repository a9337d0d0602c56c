"""Every operation of botocore's Lambda model is declared: the Service Authorization Reference's action,
a concrete resource ARN of one of the action's resource types built from the request, and the
condition keys the reference lists for it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.utils import ArgumentGenerator

from lamina.auth.credentials import Caller
from lamina.catalog import default_catalog
from lamina.context import RequestContext
from lamina.services import build_registry
from lamina.services.lambda_.declarations import CALLBACK_OPERATIONS, action_of, declared
from lamina.store import Store, open_store
from lamina.store.repositories import (
    accounts,
    lambda_code,
    lambda_functions,
    lambda_layer_policies,
    lambda_layers,
    lambda_policies,
    lambda_urls,
)

ACCT = "123456789012"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCT}:function:my-function"
LAYER = f"arn:aws:lambda:us-east-1:{ACCT}:layer:my-layer"
CSC = f"arn:aws:lambda:us-east-1:{ACCT}:code-signing-config:csc-0123456789abcdef0"
SAMPLES: dict[str, Any] = {
    "FunctionName": "my-function", "LayerName": "my-layer", "VersionNumber": 3,
    "UUID": "a1b2c3d4-5678-90ab-cdef-11111EXAMPLE", "CodeSigningConfigArn": CSC, "CapacityProviderName": "my-cp",
    "DurableExecutionArn": f"{FUNCTION}:1/durable-execution/run/0123", "Resource": FUNCTION, "ResourceArn": FUNCTION,
    "Arn": f"{LAYER}:3", "Tags": {"team": "blue"}, "TagKeys": ["team"], "Layers": [f"{LAYER}:3"],
    "VpcConfig": {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}, "Principal": "s3.amazonaws.com",
    "FunctionUrlAuthType": "AWS_IAM", "AuthType": "AWS_IAM", "StatementId": "sid", "CallbackId": "abc=",
    "Policy": json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:GetFunction",
                                                                   "Principal": {"AWS": "111122223333"}}]}),
}
"""Request members the declarations read, with values of the forms AWS takes."""
NEWER_THAN_CATALOG = {"DeleteDurableExecution", "PauseDurableExecution", "ResumeDurableExecution"}
"""Operations botocore models that the installed Service Authorization Reference does not list yet."""
SUPPLIED = {"aws:RequestTag/${TagKey}", "aws:TagKeys", "lambda:Layer", "lambda:SubnetIds", "lambda:SecurityGroupIds",
            "lambda:VpcIds", "lambda:CodeSigningConfigArn", "lambda:Principal", "lambda:FunctionUrlAuthType",
            "lambda:FunctionArn"}
"""Keys a request supplies: when the reference lists one for an operation and the sample request
carries its value, the declaration must supply it."""
FROM_STORED_STATE = {
    ("GetEventSourceMapping", "lambda:FunctionArn"), ("DeleteEventSourceMapping", "lambda:FunctionArn"),
    ("UpdateEventSourceMapping", "lambda:FunctionArn"),  # only when FunctionName moves it
    ("GetFunctionUrlConfig", "lambda:FunctionUrlAuthType"), ("DeleteFunctionUrlConfig", "lambda:FunctionUrlAuthType"),
    ("ListFunctionUrlConfigs", "lambda:FunctionUrlAuthType"), ("RemovePermission", "lambda:Principal"),
    ("RemovePermission", "lambda:FunctionUrlAuthType"), ("DeleteResourcePolicy", "lambda:Principal"),
}
"""(operation, key) decided on what is stored (or on a member the sample leaves out), not on the request alone."""
DECIDED_ON_THE_LAYER = {"ListLayerVersions"}
"""Listed with no resource type by the reference, but decided by AWS on the layer (its denial names
``layer:NAME``; the Lambda developer guide lists it under the Layer resource): see declarations.py."""


def _model() -> Any:
    return botocore.session.get_session().get_service_model("lambda")


def _params(operation: str) -> dict[str, Any]:
    shape = _model().operation_model(operation).input_shape
    if shape is None:
        return {}
    generated = ArgumentGenerator().generate_skeleton(shape)
    params = {name: generated[name] for name in shape.required_members}
    params.update({name: SAMPLES[name] for name in shape.members if name in SAMPLES})
    if "Qualifier" in shape.required_members:
        params["Qualifier"] = "PROD"
    return params


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    st = open_store("sqlite://")
    with st.transaction() as conn:
        accounts.create_account(conn, ACCT)
    yield st


def _ctx(params: dict[str, Any]) -> RequestContext:
    ctx = RequestContext("r", "GET", "/", "", (), b"", service="lambda", region="us-east-1")
    ctx.caller = Caller(ACCT, f"arn:aws:iam::{ACCT}:user/alice", "IAMUser", "AIDAX", "AKIAX", user_name="alice")
    ctx.params = params
    return ctx


def _listed(key: str, listed: tuple[str, ...]) -> bool:
    return key in listed or (key.startswith("aws:RequestTag/") and "aws:RequestTag/${TagKey}" in listed) or (
        key.startswith("aws:ResourceTag/") and "aws:ResourceTag/${TagKey}" in listed)


@pytest.mark.parametrize("operation", sorted(_model().operation_names))
def test_every_operation_has_its_action_resource_and_keys(operation: str, store: Store) -> None:
    found = declared()[("lambda", operation)]
    assert found.actions == (action_of(operation),)
    action = default_catalog().action(found.actions[0])
    if operation in NEWER_THAN_CATALOG:
        assert action is None
        return
    assert action is not None, found.actions
    ctx = _ctx(_params(operation))
    resources = found.resources(ctx, store)
    types = action.resource_types
    if operation in DECIDED_ON_THE_LAYER:
        types = tuple(rt for rt in default_catalog().resource_types("lambda") if rt.name == "layer")
    if not types or operation in CALLBACK_OPERATIONS:
        assert resources == ["*"] or resources == ("*",)
    else:
        assert resources and "*" not in resources
        for arn in resources:
            assert any(rt.matches(arn) for rt in types), (arn, [rt.arn for rt in types])
    supplied = dict(found.context(ctx, store)) if found.context else {}
    listed = action.all_condition_keys
    for key in supplied:
        assert _listed(key, listed), f"{operation} supplies {key}, which the reference does not list"
    for key in SUPPLIED & set(listed):
        if (operation, key) in FROM_STORED_STATE:
            continue
        if key == "aws:RequestTag/${TagKey}":
            assert "aws:RequestTag/team" in supplied, operation
        else:
            assert key in supplied, f"{operation} lists {key}"


def test_the_registry_uses_these_declarations_for_operations_not_served() -> None:
    registry = build_registry()
    assert registry.declaration("lambda", "ListCodeSigningConfigs") is declared()[("lambda", "ListCodeSigningConfigs")]


@pytest.mark.parametrize(("params", "arn"), [
    ({"FunctionName": "my-function"}, FUNCTION),
    ({"FunctionName": "my-function:PROD"}, f"{FUNCTION}:PROD"),
    ({"FunctionName": "my-function", "Qualifier": "7"}, f"{FUNCTION}:7"),
    ({"FunctionName": f"{ACCT}:function:my-function"}, FUNCTION),
    ({"FunctionName": f"{FUNCTION}:$LATEST"}, f"{FUNCTION}:$LATEST"),
    ({"FunctionName": "arn:aws:lambda:us-east-1:111122223333:function:theirs"},
     "arn:aws:lambda:us-east-1:111122223333:function:theirs"),
])
def test_a_function_is_named_in_every_form(params: dict[str, Any], arn: str, store: Store) -> None:
    assert list(declared()[("lambda", "GetFunction")].resources(_ctx(params), store)) == [arn]


def test_a_layer_named_by_arn_keeps_it(store: Store) -> None:
    ctx = _ctx({"LayerName": LAYER, "VersionNumber": 2})
    assert list(declared()[("lambda", "GetLayerVersion")].resources(ctx, store)) == [f"{LAYER}:2"]
    assert list(declared()[("lambda", "PublishLayerVersion")].resources(ctx, store)) == [LAYER]


def test_put_function_code_signing_config_is_decided_on_both_resources(store: Store) -> None:
    ctx = _ctx({"FunctionName": "my-function", "CodeSigningConfigArn": CSC})
    assert list(declared()[("lambda", "PutFunctionCodeSigningConfig")].resources(ctx, store)) == [CSC, FUNCTION]


def test_keys_read_from_what_is_stored(store: Store) -> None:
    """RemovePermission's ``lambda:Principal`` is the removed statement's; a URL's auth type the stored one."""
    with store.transaction() as conn:
        code = lambda_code.put_code(conn, b"PK\x05\x06" + b"\0" * 18)
        lambda_functions.create_function(conn, ACCT, "us-east-1", "stored", {"Runtime": "python3.12"}, code.sha256)
        lambda_policies.add_statement(conn, ACCT, "us-east-1", "stored", "", {
            "Sid": "url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
            "Resource": f"arn:aws:lambda:us-east-1:{ACCT}:function:stored",
            "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}})
        lambda_urls.create_url_config(conn, ACCT, "us-east-1", "stored", "", auth_type="NONE")
    removed = _ctx({"FunctionName": "stored", "StatementId": "url"})
    keys = declared()[("lambda", "RemovePermission")].context
    assert keys is not None
    assert dict(keys(removed, store)) == {"lambda:Principal": "*", "lambda:FunctionUrlAuthType": "NONE"}
    url_keys = declared()[("lambda", "GetFunctionUrlConfig")].context
    assert url_keys is not None
    assert dict(url_keys(_ctx({"FunctionName": "stored"}), store)) == {
        "lambda:FunctionArn": f"arn:aws:lambda:us-east-1:{ACCT}:function:stored", "lambda:FunctionUrlAuthType": "NONE"}


def test_a_layer_versions_policy_decides_with_the_caller(store: Store) -> None:
    """GetLayerVersion (by name or by ARN) reads the layer version's policy; ListLayerVersions is on the layer."""
    with store.transaction() as conn:
        code = lambda_code.put_code(conn, b"PK\x05\x06" + b"\0" * 18)
        lambda_layers.publish_layer_version(conn, ACCT, "us-east-1", "shared", code.sha256)
        lambda_layer_policies.add_statement(conn, ACCT, "us-east-1", "shared", 1, {
            "Sid": "all", "Effect": "Allow", "Principal": "*", "Action": "lambda:GetLayerVersion",
            "Resource": f"{LAYER.replace('my-layer', 'shared')}:1"})
    by_name = _ctx({"LayerName": "shared", "VersionNumber": 1})
    by_arn = _ctx({"Arn": f"{LAYER.replace('my-layer', 'shared')}:1"})
    for operation, ctx in (("GetLayerVersion", by_name), ("GetLayerVersionByArn", by_arn)):
        policy_of = declared()[("lambda", operation)].resource_policy
        assert policy_of is not None and policy_of(ctx, store) is not None, operation
    unpolicied = _ctx({"LayerName": "shared", "VersionNumber": 2})
    assert declared()[("lambda", "GetLayerVersion")].resource_policy(unpolicied, store) is None  # type: ignore[misc]
    assert list(declared()[("lambda", "ListLayerVersions")].resources(by_name, store)) == [
        LAYER.replace("my-layer", "shared")]
