"""``sts:GetCallerIdentity``: who signed this request.

AWS answers it for every authenticated caller, even one whose policies deny everything, so it
is declared never authorized. For the root user AWS returns the account id as ``UserId``.
"""

from __future__ import annotations

from lamina.context import RequestContext
from lamina.services.registry import NEVER_AUTHORIZED, operation
from lamina.store import Store


@operation("sts", "GetCallerIdentity", authorization=NEVER_AUTHORIZED)
def get_caller_identity(ctx: RequestContext, store: Store) -> dict[str, str]:
    """UserId, Account and Arn of the caller, straight from the authenticated identity."""
    caller = ctx.require_caller()
    return {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}
