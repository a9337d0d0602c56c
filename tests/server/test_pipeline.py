"""The pipeline in-process (``LaminaApp.handle``, no sockets): error envelopes and the edges of each step."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from lamina_server import ACCOUNT, ROOT_KEY, ROOT_SECRET, signed_headers

from lamina.commands.serve import ensure_root_key
from lamina.context import RequestContext
from lamina.policy import PolicyKind, parse_policy
from lamina.protocols import Response
from lamina.server import LaminaApp, create_app
from lamina.services import Authorization, Operation, registry
from lamina.settings import Settings
from lamina.store import open_store

URL = "http://127.0.0.1:4599/"
FORM = "Action=GetCallerIdentity&Version=2011-06-15"
LAMBDA_NOWHERE = "http://127.0.0.1:4599/2015-03-31/nothing-here"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaApp]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("pipeline"), account_id=ACCOUNT)
    store = open_store(settings.data_dir)
    env = {"LAMINA_ROOT_ACCESS_KEY_ID": ROOT_KEY, "LAMINA_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET}
    ensure_root_key(store, settings, env)
    yield create_app(store, settings)
    store.close()


def request(method: str, url: str, body: str = "", headers: Mapping[str, str] | None = None) -> RequestContext:
    parts = urlsplit(url)
    return RequestContext(str(uuid.uuid4()), method, parts.path or "/", parts.query,
                          list((headers or {}).items()), body.encode(), "127.0.0.1")


def signed(body: str = FORM, **kwargs: str) -> RequestContext:
    return request("POST", URL, body, signed_headers(URL, body, **kwargs))


def code(response: Response) -> str:
    body = response.body.decode()
    return body[body.index("<Code>") + 6 : body.index("</Code>")]


def test_get_caller_identity(app: LaminaApp) -> None:
    response = app.handle(signed())
    assert response.status == 200
    assert f"<Arn>arn:aws:iam::{ACCOUNT}:root</Arn>" in response.body.decode()


def test_presigned_get_caller_identity_verifies_as_post(app: LaminaApp) -> None:
    client = boto3.client("sts", endpoint_url=URL.rstrip("/"), region_name="us-east-1",
                          aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET)
    url = client.generate_presigned_url("get_caller_identity")
    response = app.handle(request("POST", url, headers={"host": urlsplit(url).netloc}))
    assert response.status == 200, response.body


def test_unexpected_exception_is_internal_failure_without_traceback(
    app: LaminaApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(ctx: RequestContext, store: object) -> None:
        raise RuntimeError("secret internals")

    broken = Operation("sts", "GetCallerIdentity", explode, registry.NEVER_AUTHORIZED)
    monkeypatch.setattr(app, "registry", app.registry.replaced(broken))
    with caplog.at_level(logging.ERROR, logger="lamina.server"):
        response = app.handle(signed())
    assert (response.status, code(response)) == (500, "InternalFailure")
    assert b"<Type>Receiver</Type>" in response.body
    assert b"secret internals" not in response.body and b"Traceback" not in response.body
    assert "secret internals" in caplog.text


def test_declared_action_is_decided_by_the_gate(app: LaminaApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """The root user passes its identity side, but an explicit Deny in a resource policy still wins."""
    allowed = Operation("sts", "GetCallerIdentity", lambda ctx, store: {"Account": ACCOUNT},
                        Authorization(("sts:GetCallerIdentity",)))
    monkeypatch.setattr(app, "registry", app.registry.replaced(allowed))
    assert app.handle(signed()).status == 200
    deny_all = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}, PolicyKind.RESOURCE, "deny-all")
    denied = Operation("sts", "GetCallerIdentity", lambda ctx, store: {},
                       Authorization(("sts:GetCallerIdentity",), resource_policy=lambda ctx, store: deny_all))
    monkeypatch.setattr(app, "registry", app.registry.replaced(denied))
    response = app.handle(signed())
    assert (response.status, code(response)) == (403, "AccessDenied")
    assert (f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: sts:GetCallerIdentity on resource: * "
            "with an explicit deny in a resource-based policy").encode() in response.body


@pytest.mark.parametrize(
    ("ctx", "status", "error"),
    [
        (request("POST", URL, FORM, {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/sts"}),
         400, "IncompleteSignature"),
        (request("POST", URL, FORM, {"Authorization": "garbage"}), 400, "IncompleteSignature"),
        (signed("Version=2011-06-15"), 400, "MissingAction"),
        (signed("Action=GetCallerIdentity&Version=2010-01-01"), 400, "InvalidAction"),
        (signed(token="FQoGZXIvYXdzEXAMPLE"), 403, "InvalidClientTokenId"),
        (signed("Action=GetUser&Version=2010-05-08&UserName=nobody", service="iam"), 404, "NoSuchEntity"),
        (signed("Action=AssumeRole&Version=2011-06-15&RoleArn=x"), 400, "ValidationError"),
    ],
)
def test_client_errors_get_the_query_envelope(app: LaminaApp, ctx: RequestContext, status: int, error: str) -> None:
    response = app.handle(ctx)
    assert (response.status, code(response)) == (status, error)
    assert f"<RequestId>{ctx.request_id}</RequestId>".encode() in response.body


def test_iam_errors_use_the_iam_namespace(app: LaminaApp) -> None:
    response = app.handle(signed("Action=GetUser&Version=2010-05-08", service="iam"))
    assert b'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"' in response.body


@pytest.mark.parametrize(
    "ctx",
    [
        request("GET", "http://127.0.0.1:4599/_lamina/nope"),
        request("PUT", URL, FORM),
        request("POST", URL, "{}"),
        request("GET", LAMBDA_NOWHERE, headers=signed_headers(LAMBDA_NOWHERE, "", service="lambda", method="GET")),
    ],
)
def test_anything_else_is_an_aws_shaped_404(app: LaminaApp, ctx: RequestContext) -> None:
    response = app.handle(ctx)
    assert response.status == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException"


def test_a_lambda_path_is_authenticated_then_not_implemented(app: LaminaApp) -> None:
    url = "http://127.0.0.1:4599/2020-04-22/code-signing-configs"
    unsigned = app.handle(request("GET", url))
    assert (unsigned.status, unsigned.headers["x-amzn-ErrorType"]) == (403, "MissingAuthenticationTokenException")
    answer = app.handle(request("GET", url, headers=signed_headers(url, "", service="lambda", method="GET")))
    assert (answer.status, answer.headers["x-amzn-ErrorType"]) == (501, "NotImplemented")
    assert b"ListCodeSigningConfigs" in answer.body


def test_a_scope_naming_the_service_in_another_case_is_refused_as_aws_does(app: LaminaApp) -> None:
    response = app.handle(signed(service="STS"))
    assert (response.status, code(response)) == (403, "SignatureDoesNotMatch")
    assert b"Credential should be scoped to correct service: 'sts'." in response.body


def test_a_scope_naming_a_service_lamina_does_not_serve_is_a_documented_501(app: LaminaApp) -> None:
    response = app.handle(signed(service="s3"))
    assert (response.status, code(response)) == (501, "NotImplemented")


def test_credentials_file_is_written_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, account_id=ACCOUNT)
    store = open_store(tmp_path)
    try:
        first = ensure_root_key(store, settings, {})
        again = ensure_root_key(store, settings, {})
        with pytest.raises(ValueError, match="both"):
            ensure_root_key(store, settings, {"LAMINA_ROOT_ACCESS_KEY_ID": ROOT_KEY})
    finally:
        store.close()
    assert first.secret is not None and again.secret is None
    assert first.access_key_id == again.access_key_id
