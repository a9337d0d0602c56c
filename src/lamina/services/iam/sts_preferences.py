"""SetSecurityTokenServicePreferences: which token version STS's global endpoint issues.

Lamina has one endpoint and its session tokens are valid in every region, so the setting changes
no token; it is kept per account because GetAccountSummary reports it (``GlobalEndpointTokenVersion``)
and tools read it back.
"""

from __future__ import annotations

from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import Store
from lamina.store.repositories import sts_preferences

from ._common import account_of, transaction
from .declarations import derived_authorization


@operation("iam", "SetSecurityTokenServicePreferences",
           authorization=derived_authorization("iam", "SetSecurityTokenServicePreferences"))
def set_security_token_service_preferences(ctx: RequestContext, store: Store) -> None:
    """Stores ``v1Token`` or ``v2Token`` (the model's enum; anything else never gets here)."""
    with transaction(store) as conn:
        sts_preferences.set_global_endpoint_token_version(conn, account_of(ctx),
                                                          str(ctx.params["GlobalEndpointTokenVersion"]))
