"""Amazon Resource Names: parse and format, with the partition taken from the region.

An ARN is ``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE``; the resource part may itself hold
colons (``function:my-function:PROD``) and slashes (``role/path/name``), so only the first five
colons split. Nothing here knows a service's resource grammar beyond that: services build their
resource parts and call :func:`format_arn`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_PARTITION", "Arn", "format_arn", "parse_arn", "partition_of"]

DEFAULT_PARTITION = "aws"
"""The partition of commercial regions and of ARNs that have no region (IAM, STS). Lamina's accounts
carry no partition of their own yet, so every IAM and STS ARN is in this one; this is the one place
that says so."""

_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-iso-", "aws-iso"), ("us-isob-", "aws-iso-b"),
               ("eu-isoe-", "aws-iso-e"), ("us-isof-", "aws-iso-f"), ("eusc-", "aws-eusc"))


@dataclass(frozen=True, slots=True)
class Arn:
    """The six parts of an ARN."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def partition_of(region: str) -> str:
    """The partition a region belongs to (:data:`DEFAULT_PARTITION` for commercial regions and for no region)."""
    for prefix, partition in _PARTITIONS:
        if region.startswith(prefix):
            return partition
    return DEFAULT_PARTITION


def format_arn(service: str, region: str, account: str, resource: str, partition: str | None = None) -> str:
    """``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE``; the partition follows the region unless given
    (a regionless ARN, IAM's or STS's, gets :data:`DEFAULT_PARTITION`)."""
    return f"arn:{partition or partition_of(region)}:{service}:{region}:{account}:{resource}"  # as str(Arn(...))


def parse_arn(text: str) -> Arn:
    """The parts of ``text``; ``ValueError`` unless it has the six parts, ``arn`` first, and a
    partition, service and resource that are not empty (region and account may be)."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2] or not parts[5]:
        raise ValueError(f"not an ARN: {text!r}")
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])
