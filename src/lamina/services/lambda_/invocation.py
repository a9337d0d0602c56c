"""What running a function takes: the version to run, its limits, its role's credentials, its answer.

Invoke (``invoke.py``) and the queue of Event invocations (``event_queue.py``) both come here:
the version a qualifier picks (an alias with ``AdditionalVersionWeights`` picks by weight, as
AWS routes), the concurrency limits checked before anything starts, the ``FunctionSpec`` the
runtime runs (code and layers loaded from the store only when an environment first needs them),
and the execution role's temporary credentials, minted as an STS session
``assumed-role/ROLE/FUNCTION`` so that what the function calls is authorized as that role.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lamina.arn import format_arn, parse_arn
from lamina.protocols import ServiceError
from lamina.runtime import CodeBundle, Credentials, FunctionSpec, InvocationResult
from lamina.services.registry import Deps
from lamina.store import NotFound, Store
from lamina.store.repositories import (
    LATEST,
    FunctionRow,
    VersionRow,
    lambda_aliases,
    lambda_code,
    lambda_code_links,
    lambda_functions,
    lambda_layers,
    roles,
    sessions,
    version_number,
)

from .concurrency import ACCOUNT_CONCURRENCY
from .errors import (
    InvalidParameterValueException,
    InvalidRuntimeException,
    ResourceNotFoundException,
    TooManyRequestsException,
)
from .execution_role import CANNOT_ASSUME
from .names import FunctionRef

__all__ = ["SESSION_SECONDS", "Target", "answer", "check_concurrency", "function_spec", "log_tail", "run", "target"]

SESSION_SECONDS = 3600
"""How long an environment's credentials last; the runtime retires an environment before then."""
TAIL_BYTES = 4096
"""``LogType=Tail``: "the last 4 KB of the execution log"."""
_ROLE_ARN = re.compile(r"arn:([^:]+):iam::(\d{12}):role/(?:.*/)?([^/]+)")


@dataclass(frozen=True)
class Target:
    """The version an invocation runs, and how the request named the function."""

    version: VersionRow
    function: FunctionRow
    invoked_arn: str  # the ARN the caller used: qualified exactly when it named a qualifier

    @property
    def executed_version(self) -> str:
        """``X-Amz-Executed-Version``: the version that ran (an alias's target, weights applied)."""
        return self.version.version


def not_found(ref: FunctionRef) -> ServiceError:
    """Invoke's 404 names the version it looked for: ``function:f:$LATEST`` when unqualified."""
    return ResourceNotFoundException(f"Function not found: {ref.with_qualifier(ref.qualifier or LATEST).qualified_arn}")


def target(store: Store, ref: FunctionRef) -> Target:
    """The version ``ref`` runs: $LATEST, a version, or an alias's version chosen by its weights.

    The rows come through the store's read cache (cleared by any write of this node, a second at
    most behind another node's), as GetFunction's view does: a warm invoke reads nothing. The
    weighted draw is made per call, so an alias still routes each invocation on its own."""
    qualifier = ref.qualifier or LATEST
    try:
        found = store.cached(("lambda-invoke-target", ref.account, ref.region, ref.name, qualifier),
                             lambda: _read_routes(store, ref, qualifier))
    except NotFound:
        raise not_found(ref) from None
    version = found.primary if not found.weights else found.versions[_weighted(found.primary.version, found.weights)]
    if version is None:
        raise not_found(ref)
    return Target(version, found.function, ref.qualified_arn)


@dataclass(frozen=True)
class _Routes:
    """What a qualifier can run: its version, or an alias's primary and weighted versions."""

    function: FunctionRow
    primary: VersionRow
    weights: dict[str, float]
    versions: dict[str, VersionRow | None]
    """Each weighted version's row (None when it no longer exists: chosen, it is not found)."""


def _read_routes(store: Store, ref: FunctionRef, qualifier: str) -> _Routes:
    with store.transaction(read_only=True) as conn:
        function = lambda_functions.get_function(conn, ref.account, ref.region, ref.name)
        if version_number(qualifier) is not None:
            return _Routes(function, lambda_functions.get_version(conn, ref.account, ref.region, ref.name, qualifier),
                           {}, {})
        alias = lambda_aliases.get_alias(conn, ref.account, ref.region, ref.name, qualifier)
        primary = lambda_functions.get_version(conn, ref.account, ref.region, ref.name, alias.function_version)
        versions: dict[str, VersionRow | None] = {primary.version: primary}
        for candidate in alias.routing:
            try:
                versions[candidate] = lambda_functions.get_version(conn, ref.account, ref.region, ref.name, candidate)
            except NotFound:
                versions[candidate] = None
    return _Routes(function, primary, dict(alias.routing), versions)


def _weighted(primary: str, weights: dict[str, float]) -> str:
    """AWS's weighted alias: each additional version gets its weight's share, the rest the primary."""
    draw = random.random()
    for candidate, weight in sorted(weights.items()):
        if draw < weight:
            return candidate
        draw -= weight
    return primary


def check_concurrency(deps: Deps, chosen: Target) -> None:
    """AWS's throttles: a function at its reserved concurrency (0 stops every call), or an account
    whose unreserved pool is in use. ``TooManyRequestsException`` (429) with AWS's ``Reason``."""
    invoker = deps.invoker
    if invoker is None:
        return
    reserved = chosen.function.reserved_concurrency
    if reserved is not None:
        if invoker.busy(_unqualified(chosen)) >= reserved:
            raise TooManyRequestsException("Rate Exceeded.", Reason="ReservedFunctionConcurrentInvocationLimitExceeded")
    elif invoker.busy() >= ACCOUNT_CONCURRENCY:
        raise TooManyRequestsException("Rate Exceeded.", Reason="ConcurrentInvocationLimitExceeded")


def _unqualified(chosen: Target) -> str:
    version = chosen.version
    return format_arn("lambda", version.region, version.account_id, f"function:{version.function_name}",
                      parse_arn(chosen.invoked_arn).partition)


def function_spec(deps: Deps, chosen: Target) -> FunctionSpec:
    """What the runtime needs to start (or reuse) an environment for this version.

    Built once per revision of the version (the store's read cache): a warm invoke only checks
    whether $LATEST is linked to a directory, which must then exist on this node."""
    version = chosen.version
    key = ("lambda-function-spec", version.function_id, version.version, version.revision_id)
    spec = deps.store.cached(key, lambda: _spec(deps.store, chosen))
    directory = _linked_directory(deps.store, version) if version.is_latest else None
    if directory is None:
        return spec
    if not Path(directory).is_dir():
        name = version.function_name
        raise InvalidParameterValueException(
            f"The directory {directory} linked to function {name} does not exist on this node; link it again or "
            f"run `lamina functions unlink {name}` to run the deployed code.")
    return dataclasses.replace(spec, code_dir=directory)


def _spec(store: Store, chosen: Target) -> FunctionSpec:
    version, config = chosen.version, chosen.version.config
    if config.get("PackageType", "Zip") != "Zip":
        raise InvalidRuntimeException("Lamina runs functions packaged as .zip archives; container images "
                                      "(PackageType Image) cannot run here.")
    name, sha = version.function_name, version.code_sha256_hex
    return FunctionSpec(
        function_arn=_unqualified(chosen), function_name=name, version=version.version,
        runtime=config.get("Runtime"), handler=config.get("Handler"),
        code=CodeBundle(sha, lambda: _read_code(store, sha)),
        layers=_layers(store, version),
        memory_size=int(config.get("MemorySize", 128)), timeout=int(config.get("Timeout", 3)),
        environment=dict((config.get("Environment") or {}).get("Variables") or {}),
        region=version.region, account_id=version.account_id, revision_id=version.revision_id,
        credentials=lambda: role_credentials(store, str(config.get("Role", "")), name),
        log_group=str((config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{name}"),
        ephemeral_storage=int((config.get("EphemeralStorage") or {}).get("Size", 512)),
    )


def _linked_directory(store: Store, version: VersionRow) -> str | None:
    """The directory ``lamina functions link`` gave $LATEST (read through the store's read cache)."""
    def read() -> str | None:
        with store.transaction(read_only=True) as conn:
            return lambda_code_links.get_link(conn, version.function_id)

    return store.cached(("lambda-code-link", version.function_id), read)


def _layers(store: Store, version: VersionRow) -> tuple[CodeBundle, ...]:
    """The version's layers in order, each loaded only when an environment first unpacks it
    (deleted layer versions included: a function keeps the layers it was given, as on AWS)."""
    if not version.config.get("Layers"):
        return ()
    with store.transaction(read_only=True) as conn:
        rows = lambda_layers.layers_of(conn, version)
    return tuple(CodeBundle(row.code_sha256_hex, functools.partial(_read_code, store, row.code_sha256_hex))
                 for row in rows)


def _read_code(store: Store, sha256_hex: str) -> bytes:
    with store.transaction(read_only=True) as conn:
        return lambda_code.read_code(conn, sha256_hex)


def role_credentials(store: Store, role_arn: str, function_name: str) -> Credentials:
    """A new session of the execution role named for the function, as Lambda assumes it.

    The role is read again each time (an environment starts): a role deleted since the function
    was created, or no longer trusting Lambda, cannot be assumed, and the invocation fails with
    the sentence CreateFunction uses."""
    match = _ROLE_ARN.fullmatch(role_arn)
    if match is None:
        raise InvalidParameterValueException(CANNOT_ASSUME)
    partition, account, role_name = match.groups()
    with store.transaction() as conn:
        try:
            role = roles.get_role(conn, account, role_name)
        except NotFound:
            raise InvalidParameterValueException(CANNOT_ASSUME) from None
        spec = sessions.SessionSpec(
            account_id=account, kind="assumed-role",
            principal_arn=format_arn("sts", "", account, f"assumed-role/{role.name}/{function_name}", partition),
            principal_id=f"{role.role_id}:{function_name}", source_arn=role.arn, source_id=role.role_id,
            expires_at=datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=SESSION_SECONDS),
            session_name=function_name,
        )
        issued = sessions.create_session(conn, store.secret_box, spec)
    return Credentials(issued.session.access_key_id, issued.secret_access_key, issued.session_token,
                       spec.expires_at)


async def run(deps: Deps, spec: FunctionSpec, payload: bytes, *, request_id: str, invoked_arn: str,
              client_context: str | None = None) -> InvocationResult:
    """One run through the runtime, its log handed to the function's log group as it ends."""
    if deps.invoker is None:
        raise InvalidRuntimeException("This Lamina node runs no functions.")
    result = await deps.invoker.invoke(spec, payload, request_id=request_id, invoked_arn=invoked_arn,
                                       client_context=client_context)
    if deps.logs is not None:
        deps.logs.record(spec.account_id, spec.region, spec.log_group_name, result.log_stream, result.log,
                         datetime.now(UTC))
    return result


def log_tail(log: str) -> str:
    """``X-Amz-Log-Result``: the base64 of the log's last 4 KB."""
    return base64.b64encode(log.encode()[-TAIL_BYTES:]).decode()


def answer(result: InvocationResult, chosen: Target, *, tail: bool) -> dict[str, Any]:
    """Invoke's answer for a run that finished: 200, the payload, and the headers AWS sets."""
    found: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": chosen.executed_version, "Payload": result.payload}
    if result.function_error:
        found["FunctionError"] = result.function_error
    if tail:
        found["LogResult"] = log_tail(result.log)
    return found
