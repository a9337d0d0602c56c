"""IAM's switch for outbound web identity federation (AWS, 2025): Enable, Disable, GetInfo.

Enabling makes (once) the account's issuer and signing keys, which ``sts:GetWebIdentityToken``
signs with and the server publishes (``lamina.services.sts.outbound``); disabling stops minting
but keeps them, so the issuer stays the same when it is enabled again.
"""

from __future__ import annotations

from typing import Any

from lamina.context import RequestContext
from lamina.protocols import error_type
from lamina.services.registry import Deps, operation
from lamina.services.sts.outbound import issuer_url, new_signing_keys
from lamina.store.repositories import identity_providers

from ._common import account_of, transaction
from .declarations import derived_authorization


def _declared(name: str) -> Any:
    return derived_authorization("iam", name)


@operation("iam", "EnableOutboundWebIdentityFederation",
           authorization=_declared("EnableOutboundWebIdentityFederation"), needs="deps")
def enable_outbound_web_identity_federation(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    account, box = account_of(ctx), deps.store.secret_box
    with transaction(deps.store) as conn:
        found = identity_providers.get_outbound(conn, box, account)
        if found is not None and found.enabled:
            raise error_type("iam", "FeatureEnabledException")(
                "Outbound web identity federation is already enabled for this account.")
        found = identity_providers.set_outbound(conn, box, account, True, new_signing_keys)
    return {"IssuerIdentifier": issuer_url(deps.settings.endpoint, found.issuer_id)}


@operation("iam", "DisableOutboundWebIdentityFederation",
           authorization=_declared("DisableOutboundWebIdentityFederation"), needs="deps")
def disable_outbound_web_identity_federation(ctx: RequestContext, deps: Deps) -> None:
    account, box = account_of(ctx), deps.store.secret_box
    with transaction(deps.store) as conn:
        found = identity_providers.get_outbound(conn, box, account)
        if found is None or not found.enabled:
            raise _disabled()
        identity_providers.set_outbound(conn, box, account, False, new_signing_keys)


@operation("iam", "GetOutboundWebIdentityFederationInfo",
           authorization=_declared("GetOutboundWebIdentityFederationInfo"), needs="deps")
def get_outbound_web_identity_federation_info(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    with transaction(deps.store, read_only=True) as conn:
        found = identity_providers.get_outbound(conn, deps.store.secret_box, account_of(ctx))
    if found is None or not found.enabled:
        raise _disabled()
    return {"IssuerIdentifier": issuer_url(deps.settings.endpoint, found.issuer_id), "JwtVendingEnabled": True}


def _disabled() -> Exception:
    return error_type("iam", "FeatureDisabledException")("Outbound web identity federation is disabled for this "
                                                         "account.")
