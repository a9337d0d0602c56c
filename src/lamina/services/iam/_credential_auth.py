"""How the credential operations are declared to the gate: the catalog's action, resource type
and condition keys (``declarations.derived_authorization``), with a user's or certificate's ARN
carrying its stored path.

Why a module: every operation of the certificate, SSH key and service-credential modules acts on
one user or one server certificate, and must name it to the gate with the ARN AWS evaluates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from lamina.context import RequestContext
from lamina.services.registry import Authorization
from lamina.store import NotFound, Store
from lamina.store.repositories import server_certificates

from ._common import account_of, iam_arn
from .declarations import derived_authorization
from .users import user_label, user_resource


def on_user(operation: str) -> Authorization:
    """The catalog's declaration of ``iam:<operation>`` on the named (or the caller's own) user."""
    return dataclasses.replace(derived_authorization("iam", operation), resources=user_resource, label=user_label)


def certificate_arn(store: Store, account: str, name: str, path: str | None = None) -> str:
    """A server certificate's ARN with its stored path (``/`` when it does not exist yet)."""
    if path is None:
        try:
            with store.transaction(read_only=True) as conn:
                path = server_certificates.get(conn, account, name).path
        except NotFound:
            path = "/"
    return iam_arn(account, "server-certificate", path, name)


def _certificate_resources(ctx: RequestContext, store: Store) -> Sequence[str]:
    account, name = account_of(ctx), ctx.params["ServerCertificateName"]
    current = certificate_arn(store, account, name, ctx.params.get("Path"))
    new_name, new_path = ctx.params.get("NewServerCertificateName"), ctx.params.get("NewPath")
    if new_name is None and new_path is None:
        return [current]
    target = iam_arn(account, "server-certificate", new_path or current.split(":server-certificate", 1)[1]
                     .removesuffix(name), new_name or name)
    return [current] if target == current else [current, target]


def on_certificate(operation: str) -> Authorization:
    """The catalog's declaration of ``iam:<operation>`` on the named server certificate (both the
    old and the new ARN for a rename or move, as for users)."""
    return dataclasses.replace(derived_authorization("iam", operation), resources=_certificate_resources)
