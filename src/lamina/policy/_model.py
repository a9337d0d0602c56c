"""Typed, parsed policy documents: what ``parse_policy`` produces and the evaluator reads.

These are plain immutable values; matchers compiled from them live in ``_compile``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class PolicyKind(Enum):
    """Which grammar a document follows (IAM checks each differently)."""

    IDENTITY = "identity"  # user/group/role policies, boundaries, session policies, SCPs, RCPs' grammar minus Principal
    RESOURCE = "resource"  # resource-based policies (Lambda function policies): Principal required
    TRUST = "trust"  # role trust policies: Principal required, no Resource


class Effect(Enum):
    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True, slots=True)
class PrincipalBlock:
    """A ``Principal``/``NotPrincipal`` element, normalised to a map of kind -> values.

    ``"*"`` is stored as ``{"AWS": ("*",)}``, as AWS treats both forms the same.
    """

    entries: tuple[tuple[str, tuple[str, ...]], ...]

    def values(self, kind: str) -> tuple[str, ...]:
        for name, vals in self.entries:
            if name == kind:
                return vals
        return ()


@dataclass(frozen=True, slots=True)
class ConditionClause:
    """One ``operator: {key: values}`` pair of a Condition block, split into its parts.

    ``operator`` is the text as written (``ForAnyValue:StringLikeIfExists``); ``base`` the bare
    operator (``StringLike``); ``qualifier`` is ``ForAllValues``, ``ForAnyValue`` or ``""``.
    """

    operator: str
    base: str
    qualifier: str
    if_exists: bool
    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement. Exactly one of each pair (``actions``/``not_actions``, ...) is set, or neither."""

    index: int
    sid: str | None
    effect: Effect
    principal: PrincipalBlock | None = None
    not_principal: PrincipalBlock | None = None
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    conditions: tuple[ConditionClause, ...] = ()

    @property
    def label(self) -> str:
        """How a person names this statement: its Sid, else its position."""
        return self.sid if self.sid else f"Statement[{self.index}]"


@dataclass(frozen=True, slots=True)
class Document:
    """A whole parsed document. ``variables`` is False for 2008-10-17 or a missing Version."""

    kind: PolicyKind
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]
    source: dict[str, Any] = field(compare=False, hash=False, repr=False)

    @property
    def variables(self) -> bool:
        return self.version == "2012-10-17"
