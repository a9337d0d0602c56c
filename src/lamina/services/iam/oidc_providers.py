"""IAM OpenID Connect providers: Create/Get/List/Delete, client ids, thumbprints, tags.

A provider is named by its URL without ``https://`` (``arn:aws:iam::ACCT:oidc-provider/HOST/PATH``)
and only ever by that ARN. Its client ids are the audiences AssumeRoleWithWebIdentity accepts;
its signing keys are not an IAM attribute at all: Lamina finds them as ``lamina.services.sts.jwks``
says (a JWKS configured for the issuer, else OIDC discovery). Thumbprints are kept and returned
but, as AWS does today for well-known providers, not used to trust keys (see docs/iam.md).
Authorization is the catalog's declaration of each action (the provider ARN, tag keys).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import operation
from lamina.store import AlreadyExists, Connection, NotFound, Store
from lamina.store.repositories import identity_providers as providers
from lamina.store.repositories import tags

from ._common import account_of, iam_arn, page_args, page_out, request_tags, tags_out, transaction
from .declarations import derived_authorization
from .errors import entity_already_exists, invalid_input, no_such_entity

MAX_THUMBPRINTS = 5
_THUMBPRINT = re.compile(r"[0-9A-Fa-f]{40}")
_OIDC_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:oidc-provider/.+")


def _declared(name: str) -> Any:
    return derived_authorization("iam", name)


def validation_error(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, 400, True)


def provider_url(url: str) -> str:
    """The URL as the ARN names it: no scheme, no trailing slash; ValidationError unless https."""
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc or parsed.query or parsed.fragment:
        raise validation_error("Invalid Open ID Connect Provider URL")
    return f"{parsed.netloc}{parsed.path}".rstrip("/")


def oidc_arn(account_id: str, url: str) -> str:
    return iam_arn(account_id, "oidc-provider", "/", provider_url(url))


def check_arn(arn: str) -> None:
    """An OIDC provider ARN that cannot be one is IAM's InvalidInput, before any lookup."""
    if not _OIDC_ARN.fullmatch(arn):
        raise invalid_input(f"ARN {arn} is not valid.")


def _thumbprints(given: Sequence[str]) -> list[str]:
    if len(given) > MAX_THUMBPRINTS:
        raise invalid_input(f"Thumbprint list must contain fewer than {MAX_THUMBPRINTS} entries.")
    for thumbprint in given:
        if not _THUMBPRINT.fullmatch(thumbprint):
            raise invalid_input(f"Thumbprint {thumbprint} is not a valid hex string of 40 characters.")
    return list(given)


@contextmanager
def _provider(store: Store, arn: str, *,
              read_only: bool = False) -> Iterator[tuple[Connection, providers.OidcProvider]]:
    """The provider named by ``arn`` in a transaction; NoSuchEntity in AWS's words when there is none."""
    check_arn(arn)
    with transaction(store, read_only=read_only) as conn:
        try:
            found = providers.get_oidc_provider(conn, arn)
        except NotFound:
            raise no_such_entity(f"OpenIDConnect provider not found for arn {arn}") from None
        yield conn, found


@operation("iam", "CreateOpenIDConnectProvider", authorization=_declared("CreateOpenIDConnectProvider"))
def create_open_id_connect_provider(ctx: RequestContext, store: Store) -> dict[str, Any]:
    params, account = ctx.params, account_of(ctx)
    url = provider_url(params["Url"])
    thumbprints = _thumbprints(params.get("ThumbprintList") or [])
    new_tags = request_tags(ctx)
    arn = oidc_arn(account, params["Url"])
    with transaction(store) as conn:
        try:
            providers.create_oidc_provider(conn, account, arn, url, params.get("ClientIDList") or [], thumbprints)
        except AlreadyExists:
            raise entity_already_exists(f"Provider with url {params['Url']} already exists.") from None
        if new_tags:
            tags.tag_resource(conn, account, providers.OIDC_KIND, arn, new_tags)
    result: dict[str, Any] = {"OpenIDConnectProviderArn": arn}
    if new_tags:
        result["Tags"] = tags_out(new_tags)
    return result


@operation("iam", "GetOpenIDConnectProvider", authorization=_declared("GetOpenIDConnectProvider"))
def get_open_id_connect_provider(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with _provider(store, ctx.params["OpenIDConnectProviderArn"], read_only=True) as (conn, found):
        found_tags = tags.all_tags(conn, providers.OIDC_KIND, found.arn)
    return {"Url": found.url, "ClientIDList": list(found.client_ids), "ThumbprintList": list(found.thumbprints),
            "CreateDate": found.created_at, "Tags": tags_out(found_tags)}


@operation("iam", "ListOpenIDConnectProviders", authorization=_declared("ListOpenIDConnectProviders"))
def list_open_id_connect_providers(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        found = providers.list_oidc_providers(conn, account_of(ctx))
    return {"OpenIDConnectProviderList": [{"Arn": provider.arn} for provider in found]}


@operation("iam", "DeleteOpenIDConnectProvider", authorization=_declared("DeleteOpenIDConnectProvider"))
def delete_open_id_connect_provider(ctx: RequestContext, store: Store) -> None:
    with _provider(store, ctx.params["OpenIDConnectProviderArn"]) as (conn, found):
        providers.delete_oidc_provider(conn, found.arn)


@operation("iam", "AddClientIDToOpenIDConnectProvider",
           authorization=_declared("AddClientIDToOpenIDConnectProvider"))
def add_client_id_to_open_id_connect_provider(ctx: RequestContext, store: Store) -> None:
    """Adding a client id already there changes nothing, as in AWS."""
    with _provider(store, ctx.params["OpenIDConnectProviderArn"]) as (conn, found):
        providers.set_client_ids(conn, found.arn, [*found.client_ids, ctx.params["ClientID"]])


@operation("iam", "RemoveClientIDFromOpenIDConnectProvider",
           authorization=_declared("RemoveClientIDFromOpenIDConnectProvider"))
def remove_client_id_from_open_id_connect_provider(ctx: RequestContext, store: Store) -> None:
    """Removing a client id that is not there is no error, as in AWS."""
    with _provider(store, ctx.params["OpenIDConnectProviderArn"]) as (conn, found):
        providers.set_client_ids(conn, found.arn, [cid for cid in found.client_ids if cid != ctx.params["ClientID"]])


@operation("iam", "UpdateOpenIDConnectProviderThumbprint",
           authorization=_declared("UpdateOpenIDConnectProviderThumbprint"))
def update_open_id_connect_provider_thumbprint(ctx: RequestContext, store: Store) -> None:
    thumbprints = _thumbprints(ctx.params["ThumbprintList"])
    with _provider(store, ctx.params["OpenIDConnectProviderArn"]) as (conn, found):
        providers.set_thumbprints(conn, found.arn, thumbprints)


@operation("iam", "TagOpenIDConnectProvider", authorization=_declared("TagOpenIDConnectProvider"))
def tag_open_id_connect_provider(ctx: RequestContext, store: Store) -> None:
    new_tags = request_tags(ctx)
    with _provider(store, ctx.params["OpenIDConnectProviderArn"]) as (conn, found):
        tags.tag_resource(conn, found.account_id, providers.OIDC_KIND, found.arn, new_tags)


@operation("iam", "UntagOpenIDConnectProvider", authorization=_declared("UntagOpenIDConnectProvider"))
def untag_open_id_connect_provider(ctx: RequestContext, store: Store) -> None:
    with _provider(store, ctx.params["OpenIDConnectProviderArn"]) as (conn, found):
        tags.untag_resource(conn, providers.OIDC_KIND, found.arn, ctx.params.get("TagKeys") or [])


@operation("iam", "ListOpenIDConnectProviderTags", authorization=_declared("ListOpenIDConnectProviderTags"))
def list_open_id_connect_provider_tags(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with _provider(store, ctx.params["OpenIDConnectProviderArn"], read_only=True) as (conn, found):
        page = tags.list_tags(conn, providers.OIDC_KIND, found.arn, **page_args(ctx))
    return page_out(page, "Tags", [{"Key": tag.key, "Value": tag.value} for tag in page.items])


@operation("iam", "UpdateOpenIDConnectProvider", authorization=_declared("UpdateOpenIDConnectProvider"))
def update_open_id_connect_provider(ctx: RequestContext, store: Store) -> None:
    """The provider's IAM Identity Center context: Lamina has no Identity Center, so only the removals
    (which leave a provider without one as it is) succeed."""
    params = ctx.params
    with _provider(store, params["OpenIDConnectProviderArn"], read_only=True):
        if params.get("ContextProvider") or params.get("IdentityCenterInstanceArn"):
            raise invalid_input("IAM Identity Center is not available in this account.")
