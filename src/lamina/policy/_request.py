"""What the engine is asked: who (Principal), doing what (Request), under which policies (PolicySet).

All data is passed in; the engine never fetches anything (see docs/policy-engine.md for the
context keys a caller must supply).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._compile import Policy

ContextValue = str | bool | int | float | bytes | Sequence[str]


class PrincipalType(Enum):
    """``aws:PrincipalType`` values, plus Service for AWS service principals."""

    USER = "User"
    ASSUMED_ROLE = "AssumedRole"
    FEDERATED_USER = "FederatedUser"
    ROOT = "Account"
    SERVICE = "Service"
    ANONYMOUS = "Anonymous"
    WEB_IDENTITY = "WebIdentityUser"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller.

    ``arn`` is the ARN AWS names in errors: ``arn:aws:iam::ACCT:user/NAME``, the *session*
    ``arn:aws:sts::ACCT:assumed-role/ROLE/SESSION``, ``arn:aws:iam::ACCT:root``, or a service name
    (``sns.amazonaws.com``). ``role_arn`` is the role behind a session (``aws:PrincipalArn``),
    with its path. ``federated`` names the identity provider of a web-identity caller.
    """

    arn: str
    type: PrincipalType
    account: str | None = None
    role_arn: str | None = None
    federated: str | None = None
    canonical_user: str | None = None

    @classmethod
    def from_arn(cls, arn: str, role_arn: str | None = None) -> Principal:
        """The principal an ARN names: a user, a role session, a federated user, the root user,
        a service (``sns.amazonaws.com``) or ``anonymous``.

        A role session's role ARN is derived without a path unless ``role_arn`` is given.
        """
        if arn == "anonymous":
            return cls(arn, PrincipalType.ANONYMOUS)
        if arn.endswith(".amazonaws.com") and not arn.startswith("arn:"):
            return cls(arn, PrincipalType.SERVICE)
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[2] not in ("iam", "sts"):
            raise ValueError(f"not a principal ARN: {arn}")
        partition, service, account, resource = parts[1], parts[2], parts[4], parts[5]
        if service == "iam" and resource == "root":
            return cls(arn, PrincipalType.ROOT, account)
        if service == "iam" and resource.startswith("user/"):
            return cls(arn, PrincipalType.USER, account)
        if service == "sts" and resource.startswith("assumed-role/") and resource.count("/") >= 2:
            role_name = resource.split("/")[1]
            derived = f"arn:{partition}:iam::{account}:role/{role_name}"
            return cls(arn, PrincipalType.ASSUMED_ROLE, account, role_arn=role_arn or derived)
        if service == "sts" and resource.startswith("federated-user/"):
            return cls(arn, PrincipalType.FEDERATED_USER, account)
        raise ValueError(f"not a principal ARN: {arn}")

    @property
    def principal_arn(self) -> str:
        """``aws:PrincipalArn``: the role ARN for role sessions, else ``arn``."""
        return self.role_arn or self.arn

    @property
    def is_session(self) -> bool:
        return self.type in (PrincipalType.ASSUMED_ROLE, PrincipalType.FEDERATED_USER)


@dataclass(frozen=True, slots=True)
class Request:
    """One authorization question.

    ``context`` maps condition keys (any case) to values: a string, a bool, a number, or a list of
    strings for multivalued keys. ``resource_account`` defaults to the ARN's account segment;
    pass it for resources whose ARN has none (for example ``*``).
    """

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    resource_account: str | None = None

    @property
    def target_account(self) -> str | None:
        if self.resource_account is not None:
            return self.resource_account
        parts = self.resource.split(":", 5)
        if len(parts) == 6 and parts[4]:
            return parts[4]
        return self.principal.account


@dataclass(frozen=True, slots=True)
class PolicySet:
    """Every policy that applies to one request, by type.

    - ``identity``: the user's inline and managed policies and its groups', or the role's.
    - ``boundary``: the permissions boundary of the user or role, if it has one.
    - ``session``: policies passed when the session was made; ``None`` when none were passed.
    - ``scps`` / ``rcps``: one sequence of policies per level (organization root, each OU, the
      account); ``None`` when the account is not governed by them (no organization, management
      account, service-linked role).
    - ``resource``: the resource-based policy (a function policy) or, for ``sts:AssumeRole``, the
      role's trust policy (parsed as ``PolicyKind.TRUST``).
    """

    identity: Sequence[Policy] = ()
    boundary: Policy | None = None
    session: Sequence[Policy] | None = None
    scps: Sequence[Sequence[Policy]] | None = None
    rcps: Sequence[Sequence[Policy]] | None = None
    resource: Policy | None = None
