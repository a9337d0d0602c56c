"""The ARNs of Lambda's resources other than functions, built from a request in every form AWS takes.

A layer is named by name or by ARN (``LayerName``) with a ``VersionNumber``; an event source
mapping by its ``UUID``; a code signing config, a durable execution, a tagged resource or a
resource policy's resource by an ARN parameter; a capacity provider by name or ARN. The region is
the request's and the account the caller's unless the ARN says otherwise (functions: ``names``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lamina.arn import format_arn
from lamina.context import RequestContext
from lamina.store import Store

__all__ = [
    "arn_param",
    "capacity_provider_arn",
    "event_source_mapping_arn",
    "layer_arn",
    "layer_version_arn",
]

Resources = Callable[[RequestContext, Store], Sequence[str]]


def _in_region(ctx: RequestContext, resource: str) -> str:
    return format_arn("lambda", ctx.region or "us-east-1", ctx.require_caller().account_id, resource)


def _named(ctx: RequestContext, value: str, kind: str) -> str:
    """``value`` when it is already an ARN, else this account's ``kind:value`` in the request's region."""
    return value if value.startswith("arn:") else _in_region(ctx, f"{kind}:{value}")


def layer_arn(ctx: RequestContext, store: Store) -> Sequence[str]:
    """``layer:NAME`` (PublishLayerVersion)."""
    return [_named(ctx, str(ctx.params["LayerName"]), "layer")]


def layer_version_arn(ctx: RequestContext, store: Store) -> Sequence[str]:
    """``layer:NAME:VERSION`` from ``LayerName`` (a name or a layer ARN) and ``VersionNumber``."""
    return [f"{layer_arn(ctx, store)[0]}:{ctx.params['VersionNumber']}"]


def event_source_mapping_arn(ctx: RequestContext, store: Store) -> Sequence[str]:
    return [_in_region(ctx, f"event-source-mapping:{ctx.params['UUID']}")]


def capacity_provider_arn(ctx: RequestContext, store: Store) -> Sequence[str]:
    return [_named(ctx, str(ctx.params["CapacityProviderName"]), "capacity-provider")]


def arn_param(member: str) -> Resources:
    """The resource is the ARN the request passes in ``member`` (``CodeSigningConfigArn``, ``Resource``...)."""

    def resources(ctx: RequestContext, store: Store) -> Sequence[str]:
        return [str(ctx.params[member])]

    return resources
