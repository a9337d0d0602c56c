"""Lambda layers and their versions: content by SHA-256 (``lambda_code``), numbers never reused.

A layer is addressed as AWS does, by (account, region, name), and its rows hang off a unique
``layer_id``. PublishLayerVersion takes ``next_version`` under a lock on the layer row, so
numbers only grow, even after every version is deleted (AWS answers version 3 after 1 and 2
were deleted). DeleteLayerVersion marks the version deleted and drops its policy: it no longer
lists or reads, but a function that uses it keeps its content, as AWS's do, so the runtime still
finds it by ARN (``contents_of``) and ``lambda_code.prune`` never takes its zip.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, func, select

from lamina.arn import format_arn

from .. import dialect, ids
from ..errors import NotFound
from ..schema import lambda_layer_policies, lambda_layer_versions, lambda_layers
from . import lambda_code, named_principals
from ._common import DEFAULT_MAX_ITEMS, Page, now, paginate
from ._lambda import VersionRow, sha256_base64

POLICY_OWNER = "layer-policy"
"""The ``named_principals`` owner kind of a layer version's policy (id: ``layer_id:version``)."""


@dataclass(frozen=True)
class LayerRow:
    layer_id: str
    account_id: str
    region: str
    name: str
    next_version: int

    @property
    def arn(self) -> str:
        return layer_arn(self.account_id, self.region, self.name)


@dataclass(frozen=True)
class LayerVersionRow:
    """One published version of a layer (``deleted`` only as ``contents_of`` reads it)."""

    layer_id: str
    account_id: str
    region: str
    layer_name: str
    version: int
    description: str
    compatible_runtimes: tuple[str, ...] | None  # None: the publish did not say
    compatible_architectures: tuple[str, ...] | None
    license_info: str | None
    code_sha256_hex: str
    code_size: int
    created_at: datetime
    deleted: bool = False

    @property
    def layer_arn(self) -> str:
        return layer_arn(self.account_id, self.region, self.layer_name)

    @property
    def arn(self) -> str:
        """The layer version ARN, ``arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION``."""
        return f"{self.layer_arn}:{self.version}"

    @property
    def code_sha256(self) -> str:
        """Lambda's ``CodeSha256``: the base64 of the raw digest."""
        return sha256_base64(self.code_sha256_hex)


def layer_arn(account_id: str, region: str, name: str) -> str:
    return format_arn("lambda", region, account_id, f"layer:{name}")


def policy_owner_id(layer_id: str, version: int) -> str:
    """The ``named_principals`` owner id of one layer version's policy."""
    return f"{layer_id}:{version}"


def _json_list(value: Sequence[str] | None) -> str | None:
    return None if value is None else json.dumps(list(value))


def _tuple(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(json.loads(value))


def _version(row: Row[Any]) -> LayerVersionRow:
    return LayerVersionRow(
        row.layer_id, row.account_id, row.region, row.name, row.version_number, row.description,
        _tuple(row.compatible_runtimes), _tuple(row.compatible_architectures), row.license_info, row.code_sha256,
        row.code_size, row.created_at, row.deleted_at is not None)


def _versions() -> Select[Any]:
    own = [c for c in lambda_layer_versions.c if c.name not in ("layer_id", "account_id", "created_at")]
    return select(lambda_layers.c.layer_id, lambda_layers.c.account_id, lambda_layers.c.region, lambda_layers.c.name,
                  lambda_layer_versions.c.created_at, *own).join(
        lambda_layer_versions, lambda_layer_versions.c.layer_id == lambda_layers.c.layer_id)


def find_layer(conn: Connection, account_id: str, region: str, name: str, *, lock: bool = False) -> LayerRow:
    """The layer ``name`` (case-sensitive); with ``lock`` its row stays locked until commit."""
    query = select(lambda_layers).where(lambda_layers.c.account_id == account_id, lambda_layers.c.region == region,
                                        lambda_layers.c.name == name)
    row = conn.execute(query.with_for_update(key_share=True) if lock else query).first()
    if row is None:
        raise NotFound("layer", layer_arn(account_id, region, name))
    return LayerRow(row.layer_id, row.account_id, row.region, row.name, row.next_version)


def publish_layer_version(
    conn: Connection,
    account_id: str,
    region: str,
    name: str,
    code_sha256_hex: str,
    *,
    description: str = "",
    compatible_runtimes: Sequence[str] | None = None,
    compatible_architectures: Sequence[str] | None = None,
    license_info: str | None = None,
) -> LayerVersionRow:
    """A new version of ``name`` (the layer is created with its first version) holding the stored
    code ``code_sha256_hex``; NotFound(``code``) when that code is not stored."""
    dialect.insert_or_ignore(conn, lambda_layers, {  # the first publish creates the layer; a racing one waits
        "layer_id": ids.layer_id(), "account_id": account_id, "region": region, "name": name, "next_version": 1,
        "created_at": now()})
    layer = find_layer(conn, account_id, region, name, lock=True)
    code = lambda_code.get_code(conn, code_sha256_hex, lock=True)
    conn.execute(lambda_layer_versions.insert().values(
        layer_id=layer.layer_id, version_number=layer.next_version, account_id=account_id, description=description,
        compatible_runtimes=_json_list(compatible_runtimes),
        compatible_architectures=_json_list(compatible_architectures), license_info=license_info,
        code_sha256=code.sha256, code_size=code.size, created_at=now()))
    conn.execute(lambda_layers.update().where(lambda_layers.c.layer_id == layer.layer_id)
                 .values(next_version=layer.next_version + 1))
    return get_layer_version(conn, account_id, region, name, layer.next_version)


def get_layer_version(conn: Connection, account_id: str, region: str, name: str, version: int) -> LayerVersionRow:
    """A version that has not been deleted; NotFound(``layer version``, its ARN) otherwise."""
    row = conn.execute(_versions().where(
        lambda_layers.c.account_id == account_id, lambda_layers.c.region == region, lambda_layers.c.name == name,
        lambda_layer_versions.c.version_number == version, lambda_layer_versions.c.deleted_at.is_(None))).first()
    if row is None:
        raise NotFound("layer version", f"{layer_arn(account_id, region, name)}:{version}")
    return _version(row)


def _matching(query: Select[Any], runtime: str | None, architecture: str | None) -> Select[Any]:
    """Live versions whose compatible runtimes (architectures) include ``runtime`` (``architecture``)."""
    versions = lambda_layer_versions.c
    query = query.where(versions.deleted_at.is_(None))
    if runtime is not None:
        query = query.where(versions.compatible_runtimes.contains(json.dumps(runtime), autoescape=True))
    if architecture is not None:
        query = query.where(versions.compatible_architectures.contains(json.dumps(architecture), autoescape=True))
    return query


def list_layer_versions(
    conn: Connection, account_id: str, region: str, name: str, *, runtime: str | None = None,
    architecture: str | None = None, marker: str | None = None, max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[LayerVersionRow]:
    """The live versions of ``name``, newest first, that match the filters (none for no such layer)."""
    query = _matching(_versions(), runtime, architecture).where(
        lambda_layers.c.account_id == account_id, lambda_layers.c.region == region, lambda_layers.c.name == name)
    return paginate(conn, query, lambda_layer_versions.c.version_number, _version, marker=marker,
                    max_items=max_items, descending=True)


def list_layers(
    conn: Connection, account_id: str, region: str, *, runtime: str | None = None, architecture: str | None = None,
    marker: str | None = None, max_items: int = DEFAULT_MAX_ITEMS,
) -> Page[LayerVersionRow]:
    """Each layer's latest version that matches the filters, by layer name; layers with none are left out."""
    newest = _matching(select(func.max(lambda_layer_versions.c.version_number)), runtime, architecture).where(
        lambda_layer_versions.c.layer_id == lambda_layers.c.layer_id).correlate(lambda_layers).scalar_subquery()
    query = _versions().where(lambda_layers.c.account_id == account_id, lambda_layers.c.region == region,
                              lambda_layer_versions.c.version_number == newest)
    return paginate(conn, query, lambda_layers.c.name, _version, marker=marker, max_items=max_items)


def delete_layer_version(conn: Connection, account_id: str, region: str, name: str, version: int) -> bool:
    """Mark the version deleted and drop its policy; False when there was no such live version."""
    try:
        layer = find_layer(conn, account_id, region, name, lock=True)
    except NotFound:
        return False
    by_key = and_(lambda_layer_versions.c.layer_id == layer.layer_id,
                  lambda_layer_versions.c.version_number == version, lambda_layer_versions.c.deleted_at.is_(None))
    deleted = conn.execute(lambda_layer_versions.update().where(by_key).values(deleted_at=now())).rowcount
    if deleted:
        named_principals.forget(conn, POLICY_OWNER, policy_owner_id(layer.layer_id, version))
        conn.execute(lambda_layer_policies.delete().where(lambda_layer_policies.c.layer_id == layer.layer_id,
                                                          lambda_layer_policies.c.version_number == version))
    return bool(deleted)


def parse_version_arn(arn: str) -> tuple[str, str, str, int] | None:
    """(account, region, name, version) of ``arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION``."""
    parts = arn.split(":")
    if len(parts) != 8 or parts[0] != "arn" or parts[2] != "lambda" or parts[5] != "layer":
        return None
    if not (parts[7].isascii() and parts[7].isdigit()):
        return None
    return parts[4], parts[3], parts[6], int(parts[7])


def contents_of(conn: Connection, arns: Sequence[str]) -> list[LayerVersionRow]:
    """The layer versions ``arns`` name, in that order, deleted ones included (a function that
    uses a version keeps it, as on AWS): what the runtime extracts under ``/opt``, each row's
    ``code_sha256_hex`` read with ``lambda_code.read_code``. NotFound(``layer version``, ARN) for
    an ARN that never named a published version."""
    found: list[LayerVersionRow] = []
    for arn in arns:
        parsed = parse_version_arn(arn)
        row = None if parsed is None else conn.execute(_versions().where(
            lambda_layers.c.account_id == parsed[0], lambda_layers.c.region == parsed[1],
            lambda_layers.c.name == parsed[2], lambda_layer_versions.c.version_number == parsed[3])).first()
        if row is None:
            raise NotFound("layer version", arn)
        found.append(_version(row))
    return found


def layers_of(conn: Connection, version: VersionRow) -> list[LayerVersionRow]:
    """The layer versions a function version uses (its configuration's ``Layers``), in order:
    ``contents_of`` for the ARNs the handlers stored there."""
    return contents_of(conn, [str(layer["Arn"]) for layer in version.config.get("Layers") or ()])
