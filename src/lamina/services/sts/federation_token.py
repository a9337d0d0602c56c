"""``sts:GetFederationToken``: a federated user (``arn:aws:sts::ACCT:federated-user/NAME``).

Only long-term credentials may call it (an IAM user's access key, or the root's), as AWS says.
The federated user's permissions are the intersection of its maker's identity policies (and
boundary) with the session policies passed here (``Policy``, ``PolicyArns``); with none passed
it has no permissions at all, except where a resource-based policy names the federated user
itself (``lamina.authorization.policies.for_federated_session``). A root-made federated user
starts from the root's full access. Durations: 15 minutes to 36 hours (default 12), one hour
at most for the root, silently capped as AWS does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from lamina.arn import format_arn
from lamina.authorization import access_denied
from lamina.context import RequestContext
from lamina.services.iam.declarations import derived_authorization
from lamina.services.registry import Authorization, operation
from lamina.store import Store, now
from lamina.store.repositories import sessions

from .assume_role import _packed_size, _session_policy, _session_tags, credentials

DEFAULT_DURATION = 43200
ROOT_LIMIT = 3600


def _tag_session(ctx: RequestContext) -> Sequence[str]:
    """Passing session tags is ``sts:TagSession`` too."""
    return ("sts:TagSession",) if ctx.params.get("Tags") else ()


_DERIVED = derived_authorization("sts", "GetFederationToken")
GET_FEDERATION_TOKEN = Authorization(actions=_DERIVED.actions, more_actions=_tag_session,
                                     resources=_DERIVED.resources, context=_DERIVED.context)


@operation("sts", "GetFederationToken", authorization=GET_FEDERATION_TOKEN)
def get_federation_token(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """A federated user session named ``Name``, standing for the calling user (or root)."""
    caller, params = ctx.require_caller(), ctx.params
    if caller.temporary:
        raise access_denied("Cannot call GetFederationToken with session credentials")
    name = str(params["Name"])
    requested = params.get("DurationSeconds")
    duration = DEFAULT_DURATION if requested is None else int(requested)
    if caller.principal_type == "Root":
        duration = min(duration, ROOT_LIMIT)
    policy = _session_policy(params.get("Policy"))
    policy_arns = tuple(str(item["arn"]) for item in params.get("PolicyArns") or ())
    tags, _ = _session_tags(ctx, None)
    arn = format_arn("sts", "", caller.account_id, f"federated-user/{name}")
    spec = sessions.SessionSpec(
        account_id=caller.account_id, kind="federated-user", principal_arn=arn,
        principal_id=f"{caller.account_id}:{name}", source_arn=caller.arn,
        source_id=caller.unique_id or caller.account_id, expires_at=now() + timedelta(seconds=duration),
        session_name=name, session_policies=(policy,) if policy else (), session_policy_arns=policy_arns, tags=tags)
    packed = _packed_size(policy, policy_arns, tags) if (policy or policy_arns or tags) else 0
    with store.transaction() as conn:
        issued = sessions.create_session(conn, store.secret_box, spec)
    return {"Credentials": credentials(issued),
            "FederatedUser": {"FederatedUserId": spec.principal_id, "Arn": arn},
            "PackedPolicySize": packed}
