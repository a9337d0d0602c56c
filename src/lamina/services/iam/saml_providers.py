"""IAM SAML providers: Create/Update/Get/List/Delete and their tags.

The metadata document must be SAML 2.0 IdP metadata with at least one signing certificate
(``saml_metadata``); those certificates are what AssumeRoleWithSAML verifies assertions with.
``ValidUntil`` is the metadata's ``validUntil``, else 100 years after creation. Lamina does not
decrypt assertions, so ``AssertionEncryptionMode: Required`` and private keys are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import AlreadyExists, Connection, NotFound, Store, now
from lamina.store.repositories import identity_providers as providers
from lamina.store.repositories import tags

from ._common import account_of, iam_arn, page_args, page_out, request_tags, tags_out, transaction
from .declarations import derived_authorization
from .errors import entity_already_exists, invalid_input, no_such_entity
from .saml_metadata import InvalidMetadata, parse_metadata

DEFAULT_VALIDITY = timedelta(days=36500)
_SAML_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:saml-provider/[\w._-]+")


def _declared(name: str) -> Any:
    return derived_authorization("iam", name)


def _valid_until(document: str) -> datetime:
    try:
        found = parse_metadata(document).valid_until
    except InvalidMetadata:
        raise invalid_input("Could not parse metadata") from None
    return found or now() + DEFAULT_VALIDITY


def _no_encryption(params: dict[str, Any]) -> None:
    if params.get("AssertionEncryptionMode") == "Required" or params.get("AddPrivateKey"):
        raise invalid_input("Lamina does not decrypt SAML assertions: encryption keys are not supported.")
    if params.get("ContextProvider") or params.get("IdentityCenterInstanceArn"):
        raise invalid_input("IAM Identity Center is not available in this account.")


@contextmanager
def _provider(store: Store, arn: str, *,
              read_only: bool = False) -> Iterator[tuple[Connection, providers.SamlProvider]]:
    if not _SAML_ARN.fullmatch(arn):
        raise invalid_input(f"ARN {arn} is not valid.")
    with transaction(store, read_only=read_only) as conn:
        try:
            found = providers.get_saml_provider(conn, arn)
        except NotFound:
            raise no_such_entity(f"Manifest not found for arn {arn}") from None
        yield conn, found


def _shape(conn: Connection, found: providers.SamlProvider) -> dict[str, Any]:
    return {"SAMLProviderUUID": found.uuid, "SAMLMetadataDocument": found.metadata_document,
            "CreateDate": found.created_at, "ValidUntil": found.valid_until,
            "Tags": tags_out(tags.all_tags(conn, providers.SAML_KIND, found.arn))}


@operation("iam", "CreateSAMLProvider", authorization=_declared("CreateSAMLProvider"))
def create_saml_provider(ctx: RequestContext, store: Store) -> dict[str, Any]:
    params, account = ctx.params, account_of(ctx)
    _no_encryption(params)
    valid_until = _valid_until(params["SAMLMetadataDocument"])
    new_tags = request_tags(ctx)
    arn = iam_arn(account, "saml-provider", "/", params["Name"])
    with transaction(store) as conn:
        try:
            providers.create_saml_provider(conn, account, arn, params["Name"], params["SAMLMetadataDocument"],
                                           valid_until)
        except AlreadyExists:
            raise entity_already_exists(f"SAMLProvider {params['Name']} already exists.") from None
        if new_tags:
            tags.tag_resource(conn, account, providers.SAML_KIND, arn, new_tags)
    result: dict[str, Any] = {"SAMLProviderArn": arn}
    if new_tags:
        result["Tags"] = tags_out(new_tags)
    return result


@operation("iam", "UpdateSAMLProvider", authorization=_declared("UpdateSAMLProvider"))
def update_saml_provider(ctx: RequestContext, store: Store) -> dict[str, Any]:
    params = ctx.params
    _no_encryption(params)
    document = params.get("SAMLMetadataDocument")
    valid_until = _valid_until(document) if document else None
    with _provider(store, params["SAMLProviderArn"]) as (conn, found):
        if document and valid_until:
            providers.update_saml_metadata(conn, found.arn, document, valid_until)
    return {"SAMLProviderArn": found.arn}


@operation("iam", "GetSAMLProvider", authorization=_declared("GetSAMLProvider"))
def get_saml_provider(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with _provider(store, ctx.params["SAMLProviderArn"], read_only=True) as (conn, found):
        return _shape(conn, found)


@operation("iam", "ListSAMLProviders", authorization=_declared("ListSAMLProviders"))
def list_saml_providers(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        found = providers.list_saml_providers(conn, account_of(ctx))
    return {"SAMLProviderList": [{"Arn": p.arn, "ValidUntil": p.valid_until, "CreateDate": p.created_at}
                                 for p in found]}


@operation("iam", "DeleteSAMLProvider", authorization=_declared("DeleteSAMLProvider"))
def delete_saml_provider(ctx: RequestContext, store: Store) -> None:
    with _provider(store, ctx.params["SAMLProviderArn"]) as (conn, found):
        providers.delete_saml_provider(conn, found.arn)


@operation("iam", "TagSAMLProvider", authorization=_declared("TagSAMLProvider"))
def tag_saml_provider(ctx: RequestContext, store: Store) -> None:
    new_tags = request_tags(ctx)
    with _provider(store, ctx.params["SAMLProviderArn"]) as (conn, found):
        tags.tag_resource(conn, found.account_id, providers.SAML_KIND, found.arn, new_tags)


@operation("iam", "UntagSAMLProvider", authorization=_declared("UntagSAMLProvider"))
def untag_saml_provider(ctx: RequestContext, store: Store) -> None:
    with _provider(store, ctx.params["SAMLProviderArn"]) as (conn, found):
        tags.untag_resource(conn, providers.SAML_KIND, found.arn, ctx.params.get("TagKeys") or [])


@operation("iam", "ListSAMLProviderTags", authorization=_declared("ListSAMLProviderTags"))
def list_saml_provider_tags(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with _provider(store, ctx.params["SAMLProviderArn"], read_only=True) as (conn, found):
        page = tags.list_tags(conn, providers.SAML_KIND, found.arn, **page_args(ctx))
    return page_out(page, "Tags", [{"Key": tag.key, "Value": tag.value} for tag in page.items])
