"""A function's configuration: AWS's defaults, its validation, and the ``FunctionConfiguration`` answer.

The store keeps each version's configuration as the members the caller can set, already in
their answered form (``Environment``, ``TracingConfig``, ``LoggingConfig``...); what follows from
the version itself (name, ARN, code digest and size, revision, LastModified, state) is added when
it is answered, so a published version, an alias target and $LATEST all render the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lamina.store.repositories import VersionRow

from .errors import InvalidParameterValueException

__all__ = [
    "CONFIG_MEMBERS",
    "apply_updates",
    "configuration",
    "listed_configuration",
    "new_configuration",
    "timestamp",
]

SUPPORTED_RUNTIMES = (
    "nodejs20.x", "python3.14", "provided.al2023", "python3.12", "python3.13", "nodejs24.x", "nodejs22.x", "java25",
    "python3.10", "python3.11", "java21", "ruby3.3", "ruby3.4", "ruby3.2", "python3.8", "python3.9", "java17",
    "nodejs16.x", "dotnet10", "dotnet8", "java11", "dotnet6", "nodejs18.x", "provided.al2", "java8.al2",
)
"""The runtimes AWS accepts for new functions, in the order its error message lists them."""
DEPRECATED_RUNTIMES = frozenset((
    "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x",
    "python2.7", "python3.6", "python3.7", "java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1",
    "dotnetcore3.1", "go1.x", "ruby2.5", "ruby2.7", "provided",
))
"""Runtimes of the model's enum that AWS has retired (its runtime deprecation table: creating and
updating functions blocked). AWS names them in their own sentence, recorded for eight of them
(TestRuntimeValidation::test_create_deprecated_function_runtime_with_validation_enabled)."""

MEMORY_MAX = 10240
TIMEOUT_MAX = 900
EPHEMERAL_MIN, EPHEMERAL_MAX = 512, 10240
ENVIRONMENT_LIMIT = 4096
"""Bytes of the variables as JSON (AWS measures ``{"KEY":"value",...}``)."""

CONFIG_MEMBERS = (
    "Runtime", "Role", "Handler", "Description", "Timeout", "MemorySize", "VpcConfig", "Environment",
    "DeadLetterConfig", "KMSKeyArn", "TracingConfig", "Layers", "FileSystemConfigs", "ImageConfig",
    "EphemeralStorage", "SnapStart", "LoggingConfig", "PackageType", "Architectures", "TenancyConfig",
    "CapacityProviderConfig", "DurableConfig", "RuntimeConfig", "AcceleratorConfig",
)
"""The members a caller sets (CreateFunction, UpdateFunctionConfiguration) that the store keeps."""
ANSWERED_AS = {"ImageConfig": "ImageConfigResponse"}
"""Request members that FunctionConfiguration answers under another name."""

_RUNTIME_VERSION = "arn:aws:lambda:{region}::runtime:{digest}"
_STATE_MEMBERS = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
                  "LastUpdateStatusReasonCode")


def new_configuration(params: Mapping[str, Any], name: str) -> dict[str, Any]:
    """CreateFunction's configuration: the request's members over AWS's defaults, validated."""
    config: dict[str, Any] = {
        "Description": "", "Timeout": 3, "MemorySize": 128, "TracingConfig": {"Mode": "PassThrough"},
        "EphemeralStorage": {"Size": 512}, "PackageType": "Zip", "Architectures": ["x86_64"],
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
    }
    config = apply_updates(config, params, name)
    if config["PackageType"] == "Zip" and not (config.get("Runtime") and config.get("Handler")):
        raise InvalidParameterValueException(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages.")
    return config


def apply_updates(config: Mapping[str, Any], params: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``config`` with the members ``params`` sets (UpdateFunctionConfiguration), validated."""
    updated = dict(config)
    for member in CONFIG_MEMBERS:
        if params.get(member) is not None:
            updated[ANSWERED_AS.get(member, member)] = _answered(member, params[member], name)
    validate(updated)
    return updated


def _answered(member: str, value: Any, name: str) -> Any:
    """A request member in the form AWS answers it."""
    if member == "VpcConfig":
        subnets, groups = list(value.get("SubnetIds") or []), list(value.get("SecurityGroupIds") or [])
        return {"SubnetIds": subnets, "SecurityGroupIds": groups,
                "Ipv6AllowedForDualStack": bool(value.get("Ipv6AllowedForDualStack", False)),
                "VpcId": "vpc-lamina" if subnets else ""}
    if member == "Layers":  # the sizes are the layer versions': ``function_layers.with_layers`` reads them
        return [{"Arn": str(arn), "CodeSize": 0} for arn in value]
    if member == "LoggingConfig":
        logging = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}", **value}
        if logging["LogFormat"] == "JSON":
            logging.setdefault("ApplicationLogLevel", "INFO")
            logging.setdefault("SystemLogLevel", "INFO")
        return logging
    if member == "SnapStart":
        return {"ApplyOn": value.get("ApplyOn", "None"), "OptimizationStatus": "Off"}
    if member == "Environment":
        return {"Variables": dict(value.get("Variables") or {})}
    if member == "ImageConfig":
        return {"ImageConfig": dict(value)}
    return value


def validate(config: Mapping[str, Any]) -> None:
    """The checks AWS makes beyond the model's: runtimes, sizes, the environment's 4 KB."""
    runtime = config.get("Runtime")
    if config.get("PackageType", "Zip") == "Zip" and runtime in DEPRECATED_RUNTIMES:
        raise InvalidParameterValueException(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            "functions. We recommend you use a supported runtime while creating or updating functions.")
    if config.get("PackageType", "Zip") == "Zip" and runtime is not None and runtime not in SUPPORTED_RUNTIMES:
        raise InvalidParameterValueException(
            f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(SUPPORTED_RUNTIMES)}] or be a valid ARN")
    _at_most("MemorySize", int(config["MemorySize"]), MEMORY_MAX)
    _at_most("Timeout", int(config["Timeout"]), TIMEOUT_MAX)
    size = int(config["EphemeralStorage"]["Size"])
    if not EPHEMERAL_MIN <= size <= EPHEMERAL_MAX:
        raise InvalidParameterValueException(
            f"'{size}' value failed to satisfy constraint: Member must have value between "
            f"{EPHEMERAL_MIN} and {EPHEMERAL_MAX}")
    _environment_fits(config.get("Environment"))


def _at_most(member: str, value: int, limit: int) -> None:
    if value > limit:
        raise InvalidParameterValueException(
            f"'{member}' value failed to satisfy constraint: Member must have value less than or equal to {limit}")


def _environment_fits(environment: Mapping[str, Any] | None) -> None:
    variables = (environment or {}).get("Variables") or {}
    measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
    if len(measured.encode()) > ENVIRONMENT_LIMIT:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment variables you "
            f"have provided exceeded the 4KB limit. String measured: {measured}")


def configuration(version: VersionRow, *, qualified: bool | None = None) -> dict[str, Any]:
    """The ``FunctionConfiguration`` of a version, as GetFunctionConfiguration answers it.

    The ARN carries the version when ``qualified`` (default: for every version but $LATEST)."""
    arn = f"arn:aws:lambda:{version.region}:{version.account_id}:function:{version.function_name}"
    if qualified if qualified is not None else not version.is_latest:
        arn = f"{arn}:{version.version}"
    answer: dict[str, Any] = {
        "FunctionName": version.function_name, "FunctionArn": arn, **version.config,
        "CodeSha256": version.code_sha256, "CodeSize": version.code_size, "Version": version.version,
        "RevisionId": version.revision_id, "LastModified": last_modified(version),
    }
    if "Runtime" in answer:
        answer["RuntimeVersionConfig"] = {"RuntimeVersionArn": runtime_version_arn(version)}
    status = version.status
    for member, value in zip(_STATE_MEMBERS, (status.state, status.state_reason, status.state_reason_code,
                                              status.last_update_status, status.last_update_status_reason,
                                              status.last_update_status_reason_code), strict=True):
        if value is not None:
            answer[member] = value
    return answer


def listed_configuration(version: VersionRow, *, all_versions: bool) -> dict[str, Any]:
    """ListFunctions' entry: no state and no runtime version; with FunctionVersion=ALL every ARN
    is qualified, $LATEST's too."""
    answer = configuration(version, qualified=all_versions)
    for member in (*_STATE_MEMBERS, "RuntimeVersionConfig"):
        answer.pop(member, None)
    return answer


def last_modified(version: VersionRow) -> str:
    """AWS's ``LastModified``: ``2024-05-01T12:00:00.000+0000``."""
    return timestamp(version.last_modified)


def timestamp(moment: datetime) -> str:
    """A time as Lambda writes it (``LastModified``, a layer's ``CreatedDate``): ``2024-05-01T12:00:00.000+0000``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def runtime_version_arn(version: VersionRow) -> str:
    """A stable runtime version ARN per runtime and architecture (AWS names the build of the runtime it
    runs, one per architecture: recorded in test_mixed_architecture)."""
    build = str(version.config.get("Runtime"))
    architecture = (version.config.get("Architectures") or ["x86_64"])[0]
    if architecture != "x86_64":
        build = f"{build}/{architecture}"
    digest = hashlib.sha256(build.encode()).hexdigest()
    return _RUNTIME_VERSION.format(region=version.region, digest=digest)
