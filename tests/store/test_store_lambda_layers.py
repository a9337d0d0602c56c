"""Lambda layers in the store: versions numbered without reuse, content shared with function code,
filters and pages, deletion that keeps what functions use, layer version policies, the runtime's
read of a function's layers, and the step that brings a version 3 store up to version 4."""

from __future__ import annotations

from pathlib import Path

import pytest
from lambda_store_support import ACCOUNT, REGION, make_function
from sqlalchemy import Connection, text, update

from lamina.store import AlreadyExists, NotFound, PreconditionFailed, open_store
from lamina.store.repositories import accounts, lambda_code, lambda_functions, lambda_layer_policies, lambda_layers
from lamina.store.schema import SCHEMA_VERSION, schema_version

layers = lambda_layers
policies = lambda_layer_policies
ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer"


def publish(conn: Connection, name: str = "lib", data: bytes = b"layer-zip", **more: object) -> layers.LayerVersionRow:
    blob = lambda_code.put_code(conn, data)
    return layers.publish_layer_version(conn, ACCOUNT, REGION, name, blob.sha256, **more)  # type: ignore[arg-type]


def test_publish_and_get(conn: Connection) -> None:
    made = publish(conn, description="d", compatible_runtimes=["python3.12"], license_info="MIT")
    assert (made.version, made.arn, made.layer_arn) == (1, f"{ARN}:lib:1", f"{ARN}:lib")
    assert (made.description, made.compatible_runtimes, made.compatible_architectures) == ("d", ("python3.12",), None)
    assert (made.license_info, made.code_size) == ("MIT", 9)
    assert made.code_sha256 == lambda_code.get_code(conn, made.code_sha256_hex).code_sha256
    assert layers.get_layer_version(conn, ACCOUNT, REGION, "lib", 1) == made
    with pytest.raises(NotFound) as missing:
        layers.get_layer_version(conn, ACCOUNT, REGION, "lib", 2)
    assert (missing.value.kind, missing.value.name) == ("layer version", f"{ARN}:lib:2")


def test_version_numbers_are_never_reused(conn: Connection) -> None:
    assert [publish(conn).version for _ in range(2)] == [1, 2]
    assert layers.delete_layer_version(conn, ACCOUNT, REGION, "lib", 1)
    assert layers.delete_layer_version(conn, ACCOUNT, REGION, "lib", 2)
    assert not layers.delete_layer_version(conn, ACCOUNT, REGION, "lib", 2)  # idempotent
    assert not layers.delete_layer_version(conn, ACCOUNT, REGION, "nothing", 1)
    assert layers.list_layer_versions(conn, ACCOUNT, REGION, "lib").items == ()
    assert layers.list_layers(conn, ACCOUNT, REGION).items == ()
    assert publish(conn).version == 3


def test_listing_filters_and_pages(conn: Connection) -> None:
    publish(conn, "a", compatible_runtimes=["python3.12"], compatible_architectures=["x86_64"])
    publish(conn, "a", compatible_runtimes=["nodejs20.x"], compatible_architectures=["arm64"])
    publish(conn, "b", compatible_runtimes=["python3.12", "python3.13"])
    publish(conn, "c")
    newest = layers.list_layers(conn, ACCOUNT, REGION)
    assert [(v.layer_name, v.version) for v in newest.items] == [("a", 2), ("b", 1), ("c", 1)]
    python = layers.list_layers(conn, ACCOUNT, REGION, runtime="python3.12")
    assert [(v.layer_name, v.version) for v in python.items] == [("a", 1), ("b", 1)]
    x86 = layers.list_layers(conn, ACCOUNT, REGION, runtime="python3.12", architecture="x86_64")
    assert [(v.layer_name, v.version) for v in x86.items] == [("a", 1)]
    first = layers.list_layers(conn, ACCOUNT, REGION, max_items=2)
    assert first.marker is not None and len(first.items) == 2
    rest = layers.list_layers(conn, ACCOUNT, REGION, max_items=2, marker=first.marker)
    assert [v.layer_name for v in rest.items] == ["c"] and rest.marker is None
    versions = layers.list_layer_versions(conn, ACCOUNT, REGION, "a")
    assert [v.version for v in versions.items] == [2, 1]
    arm = layers.list_layer_versions(conn, ACCOUNT, REGION, "a", architecture="arm64")
    assert [v.version for v in arm.items] == [2]


def test_a_filter_value_is_matched_whole(conn: Connection) -> None:
    """``x86_64``'s underscore is not a LIKE wildcard, and ``python3.1`` is not ``python3.12``."""
    publish(conn, "a", compatible_runtimes=["python3.12"], compatible_architectures=["x86-64x"])
    assert layers.list_layers(conn, ACCOUNT, REGION, runtime="python3.1").items == ()
    assert layers.list_layers(conn, ACCOUNT, REGION, architecture="x86_64").items == ()


def test_layer_content_is_shared_and_outlives_deletion(conn: Connection) -> None:
    """A deleted version's zip stays for the functions that use it: ``contents_of`` and prune."""
    one = publish(conn, "a", data=b"same")
    two = publish(conn, "b", data=b"same")
    assert one.code_sha256_hex == two.code_sha256_hex
    layers.delete_layer_version(conn, ACCOUNT, REGION, "a", 1)
    assert lambda_code.prune(conn) == []
    found = layers.contents_of(conn, [two.arn, one.arn])
    assert [(row.arn, row.deleted) for row in found] == [(two.arn, False), (one.arn, True)]
    assert lambda_code.read_code(conn, found[1].code_sha256_hex) == b"same"
    with pytest.raises(NotFound):
        layers.contents_of(conn, [f"{ARN}:a:9"])
    with pytest.raises(NotFound):
        layers.contents_of(conn, ["not-an-arn"])


def test_policy_statements(conn: Connection) -> None:
    publish(conn)
    with pytest.raises(NotFound) as none:
        policies.get_policy(conn, ACCOUNT, REGION, "lib", 1)
    assert none.value.kind == "layer version policy"
    statement = {"Sid": "s1", "Effect": "Allow", "Principal": "*", "Action": "lambda:GetLayerVersion",
                 "Resource": f"{ARN}:lib:1"}
    with pytest.raises(PreconditionFailed):  # no policy yet: no revision can match
        policies.add_statement(conn, ACCOUNT, REGION, "lib", 1, statement, expected_revision_id="r")
    first = policies.add_statement(conn, ACCOUNT, REGION, "lib", 1, statement)
    with pytest.raises(AlreadyExists):
        policies.add_statement(conn, ACCOUNT, REGION, "lib", 1, statement)
    with pytest.raises(PreconditionFailed):
        policies.add_statement(conn, ACCOUNT, REGION, "lib", 1, {**statement, "Sid": "s2"}, expected_revision_id="r")
    second = policies.add_statement(conn, ACCOUNT, REGION, "lib", 1, {**statement, "Sid": "s2"},
                                    expected_revision_id=first.revision_id)
    assert [s["Sid"] for s in policies.get_policy(conn, ACCOUNT, REGION, "lib", 1).statements()] == ["s1", "s2"]
    with pytest.raises(NotFound) as no_statement:
        policies.remove_statement(conn, ACCOUNT, REGION, "lib", 1, "nope")
    assert no_statement.value.kind == "policy statement"
    left = policies.remove_statement(conn, ACCOUNT, REGION, "lib", 1, "s2", expected_revision_id=second.revision_id)
    assert left is not None and left.revision_id != second.revision_id
    assert policies.remove_statement(conn, ACCOUNT, REGION, "lib", 1, "s1") is None
    with pytest.raises(NotFound):
        policies.get_policy(conn, ACCOUNT, REGION, "lib", 1)


def test_deleting_a_version_drops_its_policy(conn: Connection) -> None:
    publish(conn)
    policies.add_statement(conn, ACCOUNT, REGION, "lib", 1, {"Sid": "s", "Effect": "Allow", "Principal": "*"})
    layers.delete_layer_version(conn, ACCOUNT, REGION, "lib", 1)
    with pytest.raises(NotFound) as gone:
        policies.get_policy(conn, ACCOUNT, REGION, "lib", 1)
    assert gone.value.kind == "layer version"
    with pytest.raises(NotFound):
        policies.add_statement(conn, ACCOUNT, REGION, "lib", 1, {"Sid": "s"})


def test_a_version_3_store_gets_the_layer_tables(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.transaction() as conn:
        for table in ("lambda_layer_policies", "lambda_layer_versions", "lambda_layers"):  # what version 3 had not
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(update(schema_version).values(version=3))
    store.close()
    store = open_store(tmp_path)
    with store.transaction() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
        accounts.create_account(conn, ACCOUNT)
        assert publish(conn).version == 1
    store.close()


def test_account_usage_counts_live_layer_code(conn: Connection) -> None:
    """AWS's TotalCodeSize is the storage "used for function and layer code"."""
    before = lambda_functions.account_usage(conn, ACCOUNT, REGION).total_code_size
    publish(conn, data=b"12345")
    publish(conn, data=b"123")
    assert lambda_functions.account_usage(conn, ACCOUNT, REGION).total_code_size == before + 8
    layers.delete_layer_version(conn, ACCOUNT, REGION, "lib", 1)
    assert lambda_functions.account_usage(conn, ACCOUNT, REGION).total_code_size == before + 3


def test_a_function_versions_layers_in_order(conn: Connection) -> None:
    """What the runtime reads: the layers of a function version, as its configuration lists them."""
    first, second = publish(conn, "a", data=b"first"), publish(conn, "b", data=b"second")
    layered = make_function(conn, "layered", Layers=[{"Arn": second.arn, "CodeSize": 6}, {"Arn": first.arn,
                                                                                          "CodeSize": 5}])
    found = layers.layers_of(conn, layered)
    assert [lambda_code.read_code(conn, row.code_sha256_hex) for row in found] == [b"second", b"first"]
    assert layers.layers_of(conn, make_function(conn, "plain")) == []
