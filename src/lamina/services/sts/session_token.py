"""``sts:GetSessionToken``: temporary credentials standing for the long-term caller itself.

Users and the root get an ``ASIA`` session that acts as they do (same policies, no session
policy), bound to the caller's unique id (the account id for root). AWS refuses it to callers
already on temporary credentials, and caps the root's session at one hour whatever was asked
(silently, as AWS documents). With ``SerialNumber`` + ``TokenCode`` of the user's enabled MFA
device the session is MFA-authenticated (``mfa.py``): ``aws:MultiFactorAuthPresent`` true in all
its requests. No policy decides it: "No permissions are required for a user to get a session token
... You cannot use policies to control authentication operations" (AWS's IAM guide), so even an
explicit Deny of ``sts:GetSessionToken`` leaves it callable.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lamina.authorization import access_denied
from lamina.context import RequestContext
from lamina.services.registry import NEVER_AUTHORIZED, operation
from lamina.store import Store, now
from lamina.store.repositories import sessions

from . import mfa
from .assume_role import credentials

DEFAULT_DURATION = 43200
ROOT_LIMIT = 3600


@operation("sts", "GetSessionToken", authorization=NEVER_AUTHORIZED)
def get_session_token(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """A session of the caller (user or root) lasting ``DurationSeconds`` (default 12 hours)."""
    caller = ctx.require_caller()
    if caller.temporary:
        raise access_denied("Cannot call GetSessionToken with session credentials")
    requested = ctx.params.get("DurationSeconds")
    duration = DEFAULT_DURATION if requested is None else int(requested)
    if caller.principal_type == "Root":
        duration = min(duration, ROOT_LIMIT)
    with store.transaction() as conn:
        spec = sessions.SessionSpec(
            account_id=caller.account_id, kind="session-token", principal_arn=caller.arn, principal_id=caller.user_id,
            source_arn=caller.arn, source_id=caller.unique_id or caller.account_id,
            expires_at=now() + timedelta(seconds=duration), session_name=caller.user_name,
            mfa_authenticated_at=mfa.use_code(conn, store, ctx),
        )
        issued = sessions.create_session(conn, store.secret_box, spec)
    return {"Credentials": credentials(issued)}
