"""The layer walk-through of docs/lambda.md through the AWS CLI: publish a layer from a zip
(``fileb://``), list it, share it with another account, build a function on it, delete it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import aws, needs_cli, ok
from functions_support import LAMBDA_TRUST, zipped
from layers_support import LAYER_ZIP

from lamina.pytest_plugin import LaminaServer, start_server

pytestmark = needs_cli


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("layers-cli") / "data")
    yield started
    started.stop()


def test_layer_walk_through(server: LaminaServer, tmp_path: Path) -> None:
    (tmp_path / "layer.zip").write_bytes(LAYER_ZIP)
    (tmp_path / "function.zip").write_bytes(zipped())
    (tmp_path / "trust-policy.json").write_text(json.dumps(LAMBDA_TRUST))
    published = ok(server, "lambda", "publish-layer-version", "--layer-name", "my-layer", "--description",
                     "shared code", "--zip-file", "fileb://layer.zip", "--compatible-runtimes", "python3.12",
                     "python3.13", "--compatible-architectures", "x86_64", cwd=tmp_path)
    arn = f"arn:aws:lambda:us-east-1:{server.account_id}:layer:my-layer:1"
    assert (published["LayerVersionArn"], published["Version"]) == (arn, 1)

    listed = ok(server, "lambda", "list-layers", "--compatible-runtime", "python3.12")
    assert [(layer["LayerName"], layer["LatestMatchingVersion"]["LayerVersionArn"])
            for layer in listed["Layers"]] == [("my-layer", arn)]
    versions = ok(server, "lambda", "list-layer-versions", "--layer-name", "my-layer")
    assert [v["Version"] for v in versions["LayerVersions"]] == [1]

    granted = ok(server, "lambda", "add-layer-version-permission", "--layer-name", "my-layer", "--version-number",
                  "1", "--statement-id", "xaccount", "--action", "lambda:GetLayerVersion", "--principal",
                  "210987654321")
    assert json.loads(granted["Statement"])["Principal"] == {"AWS": "arn:aws:iam::210987654321:root"}
    policy = ok(server, "lambda", "get-layer-version-policy", "--layer-name", "my-layer", "--version-number", "1")
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == ["xaccount"]

    role = ok(server, "iam", "create-role", "--role-name", "lambda-ex", "--assume-role-policy-document",
               "file://trust-policy.json", cwd=tmp_path)
    created = ok(server, "lambda", "create-function", "--function-name", "my-function", "--runtime", "python3.12",
                  "--handler", "index.handler", "--role", role["Role"]["Arn"],
                  "--zip-file", "fileb://function.zip", "--layers", arn, cwd=tmp_path)
    assert created["Layers"] == [{"Arn": arn, "CodeSize": len(LAYER_ZIP)}]

    assert ok(server, "lambda", "get-layer-version-by-arn", "--arn", arn)["Description"] == "shared code"
    ok(server, "lambda", "delete-layer-version", "--layer-name", "my-layer", "--version-number", "1")
    assert ok(server, "lambda", "list-layers")["Layers"] == []
    missing = aws(server, "lambda", "get-layer-version", "--layer-name", "my-layer", "--version-number", "1")
    assert "(ResourceNotFoundException)" in missing.stderr
