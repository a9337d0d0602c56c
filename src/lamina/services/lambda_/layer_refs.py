"""Layer versions as requests name them, what Lambda accepts for them, and how it shows them.

A layer is named by name or by layer ARN (``LayerName``), a version by ``VersionNumber`` (at
least 1: AWS's own InvalidParameterValueException, not the model's) or by a layer version ARN.
The compatible runtimes a layer may declare are every identifier AWS's layer API knows, retired
ones included (its recorded answers take ``python3.7`` and ``go1.x``), which is a different list
from the runtimes a new function may use (``function_config.SUPPORTED_RUNTIMES``) and from
botocore's enum; each is kept here as AWS answers with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.protocols.errors import validation_error
from lamina.settings import Settings
from lamina.store import Store
from lamina.store.crypto import SecretBox
from lamina.store.repositories import lambda_layers
from lamina.store.repositories.lambda_layers import LayerVersionRow

from .errors import InvalidParameterValueException, ResourceNotFoundException
from .function_code import code_location
from .function_config import SUPPORTED_RUNTIMES, timestamp
from .resource_arns import layer_arn

__all__ = ["LAYER_RUNTIMES", "LayerRef", "check_compatibility", "check_runtime_filter", "layer_ref", "layer_version",
           "layer_version_answer", "listed_layer_version", "no_such_version", "not_found"]

LAYER_RUNTIMES = (
    "ruby3.5", "ruby2.6", "dotnetcore1.0", "python3.7", "nodejs8.10", "nasa", "ruby2.7", "python2.7-greengrass",
    "dotnetcore2.0", "python3.8", "java21", "dotnet6", "dotnetcore2.1", "python3.9", "java11", "nodejs6.10",
    "provided", "dotnetcore3.1", "dotnet8", "java25", "java17", "nodejs", "nodejs4.3", "java8.al2", "go1.x",
    "dotnet10", "nodejs20.x", "go1.9", "byol", "nodejs10.x", "provided.al2023", "nodejs22.x", "python3.10", "java8",
    "nodejs12.x", "python3.11", "nodejs24.x", "nodejs8.x", "python3.12", "nodejs14.x", "nodejs8.9", "nodejs26.x",
    "python3.13", "python3.14", "nodejs16.x", "python3.15", "provided.al2", "nodejs4.3-edge", "nodejs18.x",
    "ruby3.2", "python3.4", "ruby3.3", "ruby3.4", "ruby2.5", "python3.6", "python2.7",
)
"""The runtime identifiers of Lambda's layer API, in the order AWS lists them in ListLayers'
ValidationException (recorded 2026-01-12)."""
ARCHITECTURES = ("x86_64", "arm64")
"""The model's Architecture enum, in its order (AWS's message lists it so)."""
NOT_FOUND = "The resource you requested does not exist."


@dataclass(frozen=True, slots=True)
class LayerRef:
    """A layer in an account and region (the caller's, unless a layer ARN names others)."""

    account: str
    region: str
    name: str

    def version_arn(self, version: int) -> str:
        return f"{lambda_layers.layer_arn(self.account, self.region, self.name)}:{version}"


def layer_ref(ctx: RequestContext, store: Store) -> LayerRef:
    """The layer ``LayerName`` names, as the declarations build its ARN."""
    parts = layer_arn(ctx, store)[0].split(":")
    return LayerRef(parts[4], parts[3], parts[6])


def layer_version(ctx: RequestContext) -> int:
    """``VersionNumber``; AWS's InvalidParameterValueException below 1."""
    number = int(ctx.params["VersionNumber"])
    if number < 1:
        raise InvalidParameterValueException("Layer Version Cannot be less than 1")
    return number


def not_found() -> ServiceError:
    """GetLayerVersion(ByArn)'s 404 (AWS names nothing)."""
    return ResourceNotFoundException(NOT_FOUND)


def no_such_version(arn: str) -> ServiceError:
    """The permission operations' 404, naming the layer version ARN."""
    return ResourceNotFoundException(f"Layer version {arn} does not exist.")


def check_compatibility(runtimes: Iterable[str] | None, architectures: Iterable[str] | None) -> None:
    """PublishLayerVersion's ``CompatibleRuntimes`` and ``CompatibleArchitectures``, in one
    ValidationException as AWS answers them: its runtime sentence lists the runtimes functions may
    use, while it accepts every identifier of ``LAYER_RUNTIMES``. (The model's Architecture enum is
    left to this check for this operation: ``model_patches.json``.)"""
    problems: list[str] = []
    given = list(runtimes or ())
    if any(runtime not in LAYER_RUNTIMES for runtime in given):
        problems.append(f"Value '[{', '.join(given)}]' at 'compatibleRuntimes' failed to satisfy constraint: Member "
                        f"must satisfy enum value set: [{', '.join(SUPPORTED_RUNTIMES)}]")
    chosen = list(architectures or ())
    if any(architecture not in ARCHITECTURES for architecture in chosen):
        problems.append(f"Value '[{', '.join(chosen)}]' at 'compatibleArchitectures' failed to satisfy constraint: "
                        f"Member must satisfy constraint: [Member must satisfy enum value set: "
                        f"[{', '.join(ARCHITECTURES)}], Member must not be null]")
    if problems:
        raise validation_error(problems, "ValidationException")


def check_runtime_filter(runtime: str | None) -> None:
    """ListLayers' and ListLayerVersions' ``CompatibleRuntime``."""
    if runtime is not None and runtime not in LAYER_RUNTIMES:
        raise validation_error([
            f"Value '{runtime}' at 'compatibleRuntime' failed to satisfy constraint: Member must satisfy enum value "
            f"set: [{', '.join(LAYER_RUNTIMES)}]"], "ValidationException")


def listed_layer_version(row: LayerVersionRow) -> dict[str, Any]:
    """A ``LayerVersionsListItem``: the compatibility lists and licence only when the publish gave them."""
    answer: dict[str, Any] = {"LayerVersionArn": row.arn, "Version": row.version, "Description": row.description,
                              "CreatedDate": timestamp(row.created_at)}
    if row.compatible_runtimes is not None:
        answer["CompatibleRuntimes"] = list(row.compatible_runtimes)
    if row.license_info is not None:
        answer["LicenseInfo"] = row.license_info
    if row.compatible_architectures is not None:
        answer["CompatibleArchitectures"] = list(row.compatible_architectures)
    return answer


def layer_version_answer(row: LayerVersionRow, settings: Settings, box: SecretBox) -> dict[str, Any]:
    """PublishLayerVersion's and GetLayerVersion's answer; ``Content.Location`` is a signed URL on
    Lamina itself, the one GetFunction's ``Code.Location`` uses."""
    content = {"Location": code_location(settings, box, row.code_sha256_hex), "CodeSha256": row.code_sha256,
               "CodeSize": row.code_size}
    return {"Content": content, "LayerArn": row.layer_arn, **listed_layer_version(row)}
