"""The layers a function names (CreateFunction, UpdateFunctionConfiguration ``Layers``).

AWS checks them before it changes anything: at most five, all in the function's region, one
version per layer, each an existing layer version, and the caller allowed
``lambda:GetLayerVersion`` on each: a secondary check through the one gate, where another
account's layer is decided by that layer version's policy (``declarations.layer_policy``). The
configuration then shows each as ``{"Arn", "CodeSize"}``, in the order given, which is the order
the runtime extracts them under ``/opt`` (``lambda_layers.contents_of``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import Deps
from lamina.store import NotFound
from lamina.store.repositories import lambda_layers

from .declarations import layer_policy
from .errors import InvalidParameterValueException
from .execution_role import lambda_error

__all__ = ["MAX_LAYERS", "with_layers"]

MAX_LAYERS = 5
GET_LAYER_VERSION = "lambda:GetLayerVersion"


def with_layers(ctx: RequestContext, deps: Deps, config: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``config`` with the request's ``Layers`` checked and shown as AWS shows them (none: the
    key goes); unchanged when the request names no ``Layers``."""
    updated = dict(config)
    arns = ctx.params.get("Layers")
    if arns is None:
        return updated
    arns = [str(arn) for arn in arns]
    _check_shape(arns, region)
    for arn in arns:
        try:
            deps.gate.check(ctx, GET_LAYER_VERSION, arn, resource_policy=layer_policy(deps.store, arn))
        except ServiceError as error:
            raise lambda_error(error) from None
    sizes = _code_sizes(deps, arns)
    if arns:
        updated["Layers"] = [{"Arn": arn, "CodeSize": size} for arn, size in zip(arns, sizes, strict=True)]
    else:
        updated.pop("Layers", None)
    return updated


def _check_shape(arns: Sequence[str], region: str) -> None:
    """The checks on the list itself, in AWS's words."""
    if len(arns) > MAX_LAYERS:
        raise InvalidParameterValueException(f"Cannot reference more than {MAX_LAYERS} layers.")
    seen: dict[str, str] = {}
    for arn in arns:
        parsed = lambda_layers.parse_version_arn(arn)
        if parsed is not None and parsed[1] != region:
            raise InvalidParameterValueException(f"Layers are not in the same region as the function. Layers are "
                                                 f"expected to be in region {region}.")
        layer = arn.rsplit(":", 1)[0]
        if layer in seen:
            raise InvalidParameterValueException(
                "Two different versions of the same layer are not allowed to be referenced in the same function. "
                f"{seen[layer]} and {arn} are versions of the same layer.")
        seen[layer] = arn


def _code_sizes(deps: Deps, arns: Sequence[str]) -> list[int]:
    sizes: list[int] = []
    with deps.store.transaction(read_only=True) as conn:
        for arn in arns:
            parsed = lambda_layers.parse_version_arn(arn)
            try:
                if parsed is None:
                    raise NotFound("layer version", arn)
                sizes.append(lambda_layers.get_layer_version(conn, *parsed).code_size)
            except NotFound:
                raise InvalidParameterValueException(f"Layer version {arn} does not exist.") from None
    return sizes
