"""``sts:AssumeRoot``: root sessions in member accounts of an organization (AWS, November 2024).

AWS answers it only for an organization's management account (or delegated administrator) with
centralized root access enabled, for a member account of that organization. Lamina has no AWS
Organizations, so no account is ever such a member: once the gate has allowed ``sts:AssumeRoot``
on ``arn:aws:iam::TARGET:root``, the answer is AWS's AccessDenied, never a 404 or a 500.
"""

from __future__ import annotations

from typing import Any

from lamina.authorization import access_denied
from lamina.context import RequestContext
from lamina.services.iam.declarations import derived_authorization
from lamina.services.registry import operation
from lamina.store import Store


@operation("sts", "AssumeRoot", authorization=derived_authorization("sts", "AssumeRoot"))
def assume_root(ctx: RequestContext, store: Store) -> dict[str, Any]:
    target = str(ctx.params["TargetPrincipal"])
    raise access_denied(f"The account {target} is not a member account of an organization with centralized root "
                        "access enabled (Lamina has no AWS Organizations).")
