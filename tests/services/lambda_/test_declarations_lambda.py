"""Every operation of botocore's Lambda model is declared: the Service Authorization Reference's action,
a concrete resource ARN of one of the action's resource types built from the request, and the
condition keys the reference lists for it."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import botocore.session
import pytest
from botocore.utils import ArgumentGenerator

from lamina.auth.credentials import Caller
from lamina.catalog import default_catalog
from lamina.context import RequestContext
from lamina.policy import ContextValue, Policy
from lamina.protocols import ServiceError
from lamina.services import build_registry
from lamina.services.lambda_ import condition_keys
from lamina.services.lambda_.declarations import (
    _FUNCTION_KEYS,
    CALLBACK_OPERATIONS,
    _read_policy,
    _read_tags,
    action_of,
    declared,
    function_facts,
    policy_of,
    tags_context,
)
from lamina.services.lambda_.names import FunctionRef, function_ref
from lamina.store import Store, open_store
from lamina.store.repositories import (
    accounts,
    lambda_code,
    lambda_functions,
    lambda_layer_policies,
    lambda_layers,
    lambda_policies,
    lambda_urls,
    lambda_versions,
    tags,
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
_PERMISSION_PARAMS = {"StatementId": "s", "Action": "lambda:GetFunction", "Principal": "s3.amazonaws.com",
                      "FunctionUrlAuthType": "NONE", "AuthType": "AWS_IAM", "Role": f"arn:aws:iam::{ACCT}:role/r",
                      "Runtime": "python3.12", "Tags": {"team": "red"}, "Layers": [f"{LAYER}:3"]}
"""Members the function operations' own condition keys read (AddPermission's, CreateFunction's...)."""
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


def _essence(policy: Policy | None) -> tuple[Any, ...] | None:
    return None if policy is None else (policy.policy_id, policy.kind, policy.document)


def _old_policy_of(store: Store, ref: FunctionRef) -> Policy | None:
    """``policy_of`` before ``function_facts``: its own read-cache entry."""
    qualifier = "" if ref.qualifier in (None, "$LATEST") else str(ref.qualifier)
    key = ("old-lambda-function-policy", ref.account, ref.region, ref.name, qualifier)
    return store.cached(key, lambda: _read_policy(store, ref, qualifier))


def _old_tags_context(store: Store, ref: FunctionRef) -> dict[str, ContextValue]:
    """``tags_context`` before ``function_facts``: its own read-cache entry, copied."""
    key = ("old-lambda-function-tags", ref.account, ref.region, ref.name)
    return dict(store.cached(key, lambda: _read_tags(store, ref)))


def _long_way(operation: str, params: dict[str, Any], store: Store) -> tuple[Any, ...]:
    """A function operation's keys, policy and resources as read before ``function_facts``: the tags' and
    the policy's own read-cache entries, the operation's keys added to a copy of the tags."""
    ctx = _ctx(dict(params))
    ref = function_ref(ctx)
    keys = _old_tags_context(store, ref)
    extra = condition_keys.create_function_keys if operation == "CreateFunction" else _FUNCTION_KEYS.get(operation)
    if extra is not None:
        keys.update(extra(ctx, store))
    policy = None if operation == "CreateFunction" else _old_policy_of(store, ref)  # decided without one
    return list(keys.items()), _essence(policy), [ref.qualified_arn]


def _new_way(operation: str, params: dict[str, Any], store: Store) -> tuple[Any, ...]:
    ctx = _ctx(dict(params))
    found = declared()[("lambda", operation)]
    assert found.context is not None
    policy = found.resource_policy(ctx, store) if found.resource_policy else None
    return list(found.context(ctx, store).items()), _essence(policy), list(found.resources(ctx, store))


def _outcome(way: Callable[[str, dict[str, Any], Store], Any], *args: Any) -> Any:
    try:
        return way(*args)
    except ServiceError as error:
        return type(error), error.message


def test_function_facts_answer_as_the_tags_and_policy_entries_do(store: Store) -> None:
    """Every function operation's declaration against the long way, for functions with and without tags
    and policy, every qualifier form, a missing function and malformed names; then again after writes."""
    with store.transaction() as conn:
        code = lambda_code.put_code(conn, b"PK\x05\x06" + b"\0" * 18)
        for name in ("tagged", "plain"):
            lambda_functions.create_function(conn, ACCT, "us-east-1", name, {"Runtime": "python3.12"}, code.sha256)
        tagged = lambda_functions.get_function(conn, ACCT, "us-east-1", "tagged")
        tags.tag_resource(conn, ACCT, "function", tagged.function_id, {"team": "blue", "Team\u00e9": "x\"y"})
        lambda_policies.add_statement(conn, ACCT, "us-east-1", "tagged", "", {
            "Sid": "s", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "lambda:GetFunction",
            "Resource": f"arn:aws:lambda:us-east-1:{ACCT}:function:tagged"})
    names = ["tagged", "plain", "missing", "tagged:$LATEST", "tagged:1", "tagged:PROD", f"{ACCT}:function:tagged",
             f"arn:aws:lambda:us-east-1:{ACCT}:function:plain:7", "arn:aws:lambda:eu-west-1:1:function:x", "bad name!"]
    operations = [*_FUNCTION_KEYS, "CreateFunction"]
    for round_ in range(2):
        for name, qualifier, operation in itertools.product(names, [None, "$LATEST", "PROD", "2"], operations):
            params = {"FunctionName": name, "Qualifier": qualifier, **_PERMISSION_PARAMS}
            assert _outcome(_new_way, operation, params, store) == _outcome(_long_way, operation, params, store), (
                round_, name, qualifier, operation)
        for name, qualifier in itertools.product(["tagged", "plain", "missing"], [None, "$LATEST", "PROD"]):
            ref = FunctionRef(ACCT, "us-east-1", name, qualifier)
            facts = function_facts(store, ref)
            assert dict(facts.tags) == tags_context(store, ref) == _old_tags_context(store, ref)
            assert _essence(facts.policy) == _essence(policy_of(store, ref)) == _essence(_old_policy_of(store, ref))
        if round_ == 1:
            break
        with store.transaction() as conn:  # a write: both ways must see it at once
            plain = lambda_functions.get_function(conn, ACCT, "us-east-1", "plain")
            tags.tag_resource(conn, ACCT, "function", plain.function_id, {"new": "tag"})
            lambda_policies.add_statement(conn, ACCT, "us-east-1", "plain", "", {
                "Sid": "t", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
                "Resource": f"arn:aws:lambda:us-east-1:{ACCT}:function:plain"})


@pytest.mark.parametrize("first", [None, "$LATEST"])
def test_the_function_policy_is_named_after_the_arn_it_is_stored_under(store: Store, first: str | None) -> None:
    """The function itself and ``$LATEST`` share one policy: its id in decision reasons and audit rows is
    the function's unqualified ARN, whichever of the two references read it first; a version's is its own."""
    name = "named-first-latest" if first else "named-first-plain"  # the store outlives one case
    with store.transaction() as conn:
        code = lambda_code.put_code(conn, b"PK\x05\x06" + b"\0" * 18)
        lambda_functions.create_function(conn, ACCT, "us-east-1", name, {"Runtime": "python3.12"}, code.sha256)
        lambda_versions.publish_version(conn, ACCT, "us-east-1", name)
        for qualifier in ("", "1"):
            lambda_policies.add_statement(conn, ACCT, "us-east-1", name, qualifier, {
                "Sid": "s", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "lambda:GetFunction",
                "Resource": f"arn:aws:lambda:us-east-1:{ACCT}:function:{name}"})
    arn = f"arn:aws:lambda:us-east-1:{ACCT}:function:{name}"
    second = "$LATEST" if first is None else None
    for qualifier in (first, second):
        found = policy_of(store, FunctionRef(ACCT, "us-east-1", name, qualifier))
        assert found is not None and found.policy_id == f"function-policy:{arn}"
    version = policy_of(store, FunctionRef(ACCT, "us-east-1", name, "1"))
    assert version is not None and version.policy_id == f"function-policy:{arn}:1"
