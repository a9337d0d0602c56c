"""The global condition keys the gate supplies for every request (docs/policy-engine.md lists them).

Only keys AWS would have are present: ``aws:username`` for IAM users only,
``aws:MultiFactorAuthPresent`` and ``aws:TokenIssueTime`` for temporary credentials only (long-term
keys never carry MFA, so AWS leaves the key out rather than saying false), and
``aws:MultiFactorAuthAge`` only for a session STS issued after verifying a TOTP code.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from lamina.auth.credentials import Caller
from lamina.policy import ContextValue

_PRINCIPAL_TYPES = {"Root": "Account", "IAMUser": "User", "AssumedRole": "AssumedRole",
                    "FederatedUser": "FederatedUser"}


def principal_arn(caller: Caller) -> str:
    """``aws:PrincipalArn``: the role's ARN for a role session, else the caller's ARN."""
    return caller.role_arn or caller.arn


def global_keys(caller: Caller, *, source_ip: str | None, region: str | None, secure: bool,
                principal_tags: tuple[tuple[str, str], ...], at: datetime | None = None) -> dict[str, ContextValue]:
    """The request context every decision starts from."""
    epoch = int((at or datetime.now(UTC)).timestamp())
    return keys_at(epoch, caller, source_ip, region, secure, principal_tags)


def keys_at(epoch: int, caller: Caller, source_ip: str | None, region: str | None, secure: bool,
            principal_tags: tuple[tuple[str, str], ...]) -> dict[str, ContextValue]:
    """``global_keys`` at the whole second ``epoch``: a pure function of its arguments."""
    current_time, epoch_time = _clock(epoch)
    keys: dict[str, ContextValue] = {
        "aws:PrincipalArn": principal_arn(caller),
        "aws:PrincipalAccount": caller.account_id,
        "aws:PrincipalType": _PRINCIPAL_TYPES.get(caller.principal_type, caller.principal_type),
        "aws:userid": caller.user_id,
        "aws:CurrentTime": current_time,
        "aws:EpochTime": epoch_time,
        "aws:SecureTransport": "true" if secure else "false",
        "aws:RequestedRegion": region or "us-east-1",
        "aws:ViaAWSService": "false",
        "aws:PrincipalIsAWSService": "false",
    }
    if caller.user_name is not None:
        keys["aws:username"] = caller.user_name
    if source_ip:
        keys["aws:SourceIp"] = source_ip
    if caller.temporary:
        keys["aws:MultiFactorAuthPresent"] = "true" if caller.mfa_present else "false"
        if caller.mfa_present and caller.mfa_authenticated_at is not None:
            keys["aws:MultiFactorAuthAge"] = str(max(0, epoch - int(caller.mfa_authenticated_at.timestamp())))
        if caller.token_issued_at:
            keys["aws:TokenIssueTime"] = caller.token_issued_at
    for key, value in principal_tags:
        keys[f"aws:PrincipalTag/{key}"] = value
    for key, found in caller.context_keys:  # a federated session's provider keys
        keys[key] = found if isinstance(found, str) else list(found)
    return keys


@functools.lru_cache(maxsize=4)
def _clock(epoch_second: int) -> tuple[str, str]:
    """``aws:CurrentTime`` and ``aws:EpochTime`` of a second: both are whole seconds, so every
    request within one second shares them (formatting the date costs more than the lookup)."""
    return datetime.fromtimestamp(epoch_second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), str(epoch_second)

