"""AWS managed policies (``arn:aws:iam::aws:policy/...``), every one AWS publishes, read from moto's data.

Why not store rows: AWS owns these policies in every account, nobody can change them, and the authorization gate
needs their documents on every request that involves one.

Why moto: it is the maintained package on PyPI that ships AWS's managed policies (well over a thousand: name,
path, default version id, creation and update dates and the default version's document), refreshed from AWS
(``make aws_managed_policies`` in its repository) and released every few weeks. Lamina reads the data file
``moto/iam/aws_managed_policies.py`` as text and never imports moto: upgrading moto (``pip install -U moto``)
updates the policies; nothing in Lamina is regenerated.

What moto does not ship, and how Lamina fills it: the policy id (AWS's ``ANPA...`` ids are not published) is
derived from the name, stable across upgrades; the description is AWS's for the few policies listed in
``lamina/data/managed_policy_descriptions.json`` and absent for the others.

Everything is loaded once, on the first call that needs it (about 5 MB of JSON), then looked up by name.
Each policy exists in every partition: ``arn:aws-cn:iam::aws:policy/...`` names the same policy as
``arn:aws:iam::aws:policy/...``. This module imports nothing of Lamina.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["AWS_POLICY_PREFIX", "PARTITIONS", "ManagedPolicy", "all_policies", "document", "get", "is_aws_managed",
           "parse_source", "source"]

AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy/"
SOURCE_PACKAGE = "moto"
_SOURCE_FILE = ("iam", "aws_managed_policies.py")
_ASSIGNMENT = "aws_managed_policies_data = "
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
"""AWS's partitions: each has the same managed policies under its own ARNs."""
_ARN = re.compile(rf"^arn:(?P<partition>{'|'.join(map(re.escape, PARTITIONS))}):iam::aws:policy"
                  r"(?P<path>/(?:[^/]+/)*)(?P<name>[^/]+)$")


@dataclass(frozen=True)
class ManagedPolicy:
    """One AWS managed policy; ``document`` is its default version's document as JSON text."""

    name: str
    arn: str
    path: str
    policy_id: str
    default_version_id: str
    description: str | None
    create_date: datetime
    update_date: datetime
    _document: dict[str, Any] = field(repr=False, compare=False)

    @cached_property
    def document(self) -> str:
        """Serialised on first use: a listing of all policies never pays for a thousand documents."""
        return json.dumps(self._document, indent=4)


def is_aws_managed(arn: str) -> bool:
    """Whether ``arn`` is in AWS's namespace of managed policies (in any partition), known or not."""
    return _ARN.match(arn) is not None


def _policy_id(name: str) -> str:
    digest = base64.b32encode(hashlib.sha256(f"aws-managed-policy/{name}".encode()).digest()).decode()
    return "ANPA" + digest[:17]


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _source_path() -> Path:
    """Where the installed moto keeps the data, found without importing moto (its import is heavy)."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"AWS managed policies come from the {SOURCE_PACKAGE!r} package, which is not installed")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*_SOURCE_FILE)


def parse_source(text: str) -> dict[str, dict[str, Any]]:
    """The policies by name from the text of moto's data module (one JSON object in a string literal)."""
    start = text.index(_ASSIGNMENT) + len(_ASSIGNMENT)
    quote = text[start:start + 3]
    body = text[start + 3:text.rindex(quote)]
    found: dict[str, dict[str, Any]] = json.loads(body)
    return found


@cache
def _raw() -> dict[str, dict[str, Any]]:
    path = _source_path()
    try:
        return parse_source(path.read_text("utf-8"))
    except (OSError, ValueError) as error:  # a moto release that moved or reshaped the file
        raise RuntimeError(f"cannot read AWS managed policies from {path} ({source()}): {error}; "
                           "see docs/iam.md, 'AWS managed policies'") from error


@cache
def _descriptions() -> dict[str, str]:
    found: dict[str, str] = json.loads(
        (resources.files("lamina") / "data" / "managed_policy_descriptions.json").read_text("utf-8"))
    return found


@cache
def _policy(partition: str, name: str) -> ManagedPolicy | None:
    """Built once per (partition, name) that exists; at most ``len(PARTITIONS)`` times the policies."""
    data = _raw().get(name)
    if data is None:
        return None
    return ManagedPolicy(
        name=name, arn=f"arn:{partition}:iam::aws:policy{data['Path']}{name}", path=data["Path"],
        policy_id=_policy_id(name), default_version_id=data["DefaultVersionId"],
        description=_descriptions().get(name), create_date=_date(data["CreateDate"]),
        update_date=_date(data["UpdateDate"]), _document=data["Document"])


def get(arn: str) -> ManagedPolicy | None:
    """The AWS managed policy with this ARN (in any partition), or None; ARNs are case-sensitive, as in AWS,
    and the path must be the policy's own."""
    found = _ARN.match(arn)
    if found is None or found["name"] not in _raw():  # unknown names are not cached: callers choose them
        return None
    policy = _policy(found["partition"], found["name"])
    return policy if policy is not None and policy.path == found["path"] else None


def document(arn: str) -> str | None:
    """The default version's document of an AWS managed policy, or None when ``arn`` names none."""
    found = get(arn)
    return found.document if found else None


@cache
def all_policies(partition: str = "aws") -> tuple[ManagedPolicy, ...]:
    """Every AWS managed policy, by name (case-insensitive), with ARNs in ``partition``."""
    found = (_policy(partition, name) for name in sorted(_raw(), key=str.lower))
    return tuple(policy for policy in found if policy is not None)


def source() -> str:
    """The package and version the policies come from (``moto 5.2.5``), for ``docs`` and diagnostics."""
    return f"{SOURCE_PACKAGE} {importlib.metadata.version(SOURCE_PACKAGE)}"
