"""Reading condition values for each operator family: numbers, dates, booleans, bytes, IPs.

Every reader returns None for text it cannot read; the caller records a diagnostic and the value
never matches (evaluation never raises).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_EPOCH = re.compile(r"[+-]?\d+(\.\d+)?")

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def policy_text(value: object) -> str:
    """A JSON condition value as the text IAM compares (JSON ``true`` is ``"true"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@lru_cache(maxsize=4096)
def read_number(text: str) -> Decimal | None:
    """An integer or a decimal, as AWS's numeric operators take them; never an infinity or NaN
    (``inf``, ``1e999999``), which would compare as more or less than every number."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    number = Decimal(text)
    return number if number.is_finite() else None


@lru_cache(maxsize=4096)
def read_date(text: str) -> float | None:
    """Seconds since the epoch from ISO 8601 (W3C profile) or from epoch seconds (finite ones:
    400 digits of seconds overflow a float to infinity, which is no instant)."""
    text = text.strip()
    if _EPOCH.fullmatch(text):
        seconds = float(text)
        return seconds if math.isfinite(seconds) else None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def read_bool(text: str) -> str | None:
    lowered = text.strip().lower()
    return lowered if lowered in ("true", "false") else None


def read_binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


@lru_cache(maxsize=4096)
def read_network(text: str) -> IpNetwork | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def read_address(text: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None
