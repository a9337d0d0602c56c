"""The answer: an effect, the statements that decided it, and AWS's sentence for a denial."""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from ._model import Effect


class Outcome(Enum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


class PolicyType(Enum):
    """The policy types of AWS's evaluation logic; the value is how AWS's errors name them."""

    IDENTITY = "identity-based policy"
    RESOURCE = "resource-based policy"
    BOUNDARY = "permissions boundary"
    SESSION = "session policy"
    SCP = "service control policy"
    RCP = "resource control policy"
    TRUST = "role trust policy"


class Reason(NamedTuple):
    """One statement that took part in the decision."""

    policy_id: str
    policy_type: PolicyType
    statement_index: int
    sid: str | None
    effect: Effect

    @property
    def statement(self) -> str:
        return self.sid if self.sid else f"Statement[{self.statement_index}]"

    def __str__(self) -> str:
        return f"{self.effect.value} {self.policy_type.value} {self.policy_id!r} {self.statement}"


class Decision(NamedTuple):
    """The result of ``evaluate``.

    ``reasons``: on Allow, the Allow statements that granted it; on ExplicitDeny, every Deny
    statement that matched; on ImplicitDeny, empty. ``denied_by`` names the policy type that
    denied or failed to allow (None on Allow). ``diagnostics`` are non-fatal notes, such as a
    condition value that could not be read as a date.
    """

    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    denied_by: PolicyType | None = None
    diagnostics: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW


def _article(policy_type: PolicyType) -> str:
    if policy_type is PolicyType.TRUST:
        return "the"
    return "an" if policy_type.value[0] in "aeiou" else "a"


def denial_message(principal_arn: str, action: str, resource: str | None, decision: Decision) -> str:
    """AWS's AccessDenied sentence for a denied decision.

    ``resource`` is what AWS names after ``on resource:`` (an ARN for Lambda and STS, ``user NAME``
    for IAM's users); ``None`` leaves that part out, as for actions AWS reports without one.
    """
    if decision.allowed or decision.denied_by is None:
        raise ValueError("only a denied decision has a denial message")
    head = f"User: {principal_arn} is not authorized to perform: {action}"
    if resource is not None:
        head += f" on resource: {resource}"
    kind = decision.denied_by
    if decision.outcome is Outcome.EXPLICIT_DENY:
        return f"{head} with an explicit deny in {_article(kind)} {kind.value}"
    return f"{head} because no {kind.value} allows the {action} action"
