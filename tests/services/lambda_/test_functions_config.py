"""Function configuration and code, without a server: defaults, answered forms, checks, code URLs."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest

from lamina.services.lambda_.errors import InvalidParameterValueException
from lamina.services.lambda_.function_code import check_zip, code_location, location_valid, zip_from
from lamina.services.lambda_.function_config import (
    apply_updates,
    configuration,
    listed_configuration,
    new_configuration,
)
from lamina.settings import Settings
from lamina.store import SecretBox
from lamina.store.repositories._lambda import Status, VersionRow

ZIP = b"PK\x05\x06" + b"\0" * 18
"""The smallest zip: an empty archive."""


def version(config: dict[str, Any], number: str = "$LATEST", status: Status | None = None) -> VersionRow:
    done = status or Status("Active", last_update_status="Successful")
    return VersionRow("fid", "123456789012", "us-east-1", "f", number, config, "00" * 32, 22, "rev",
                      datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), done)


BASE = {"Runtime": "python3.12", "Role": "r", "Handler": "h.h"}


def test_defaults_are_awss() -> None:
    config = new_configuration({"Runtime": "python3.12", "Role": "r", "Handler": "h.h"}, "f")
    assert config["Timeout"] == 3 and config["MemorySize"] == 128 and config["EphemeralStorage"] == {"Size": 512}
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/f"}
    assert "Environment" not in config and config["Description"] == ""


def test_answered_forms() -> None:
    config = new_configuration({**BASE, "VpcConfig": {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
                                "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:l:1"],
                                "LoggingConfig": {"LogFormat": "JSON"}, "SnapStart": {"ApplyOn": "PublishedVersions"},
                                "ImageConfig": {"Command": ["x"]}}, "f")
    assert config["VpcConfig"]["VpcId"] and config["VpcConfig"]["Ipv6AllowedForDualStack"] is False
    assert config["Layers"] == [{"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:l:1", "CodeSize": 0}]
    assert config["LoggingConfig"]["ApplicationLogLevel"] == "INFO"
    assert config["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}
    assert config["ImageConfigResponse"] == {"ImageConfig": {"Command": ["x"]}} and "ImageConfig" not in config


def test_updates_keep_what_they_do_not_name() -> None:
    first = new_configuration({**BASE, "Environment": {"Variables": {"A": "1"}}}, "f")
    second = apply_updates(first, {"Timeout": 30}, "f")
    assert second["Environment"] == {"Variables": {"A": "1"}} and second["Timeout"] == 30
    assert first["Timeout"] == 3


@pytest.mark.parametrize(("params", "fragment"), [
    ({"EphemeralStorage": {"Size": 10241}}, "between 512 and 10240"),
    ({"MemorySize": 20000}, "less than or equal to 10240"),
    ({"Runtime": "nodejs12.x"}, "The runtime parameter of nodejs12.x is no longer supported"),
    ({"Runtime": "nodejs99.x"}, "Value nodejs99.x at 'runtime'"),
])
def test_checks_beyond_the_model(params: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidParameterValueException) as raised:
        new_configuration({**BASE, **params}, "f")
    assert fragment in raised.value.message


@pytest.mark.parametrize("missing", ["Runtime", "Handler"])
def test_a_zip_function_needs_runtime_and_handler(missing: str) -> None:
    with pytest.raises(InvalidParameterValueException, match="Runtime and Handler are mandatory parameters"):
        new_configuration({key: value for key, value in BASE.items() if key != missing}, "f")


def test_configuration_adds_what_the_version_knows() -> None:
    answer = configuration(version({"Runtime": "python3.12"}))
    assert answer["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:f"
    assert answer["LastModified"] == "2026-01-02T03:04:05.000+0000"
    assert answer["CodeSha256"] == "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    assert (answer["State"], answer["LastUpdateStatus"]) == ("Active", "Successful") and "StateReason" not in answer
    assert configuration(version({}, "3"))["FunctionArn"].endswith(":function:f:3")
    listed = listed_configuration(version({"Runtime": "python3.12"}), all_versions=True)
    assert listed["FunctionArn"].endswith(":f:$LATEST") and "State" not in listed
    assert "RuntimeVersionConfig" not in listed


def test_code_comes_as_a_zip_only() -> None:
    assert zip_from({"ZipFile": ZIP}) == ZIP
    for code in ({"S3Bucket": "b", "S3Key": "k"}, {"ImageUri": "i"}, {}):
        with pytest.raises(InvalidParameterValueException):
            zip_from(code)
    with pytest.raises(InvalidParameterValueException):
        zip_from({"ZipFile": ZIP}, "Image")


def test_unzipped_size_is_read_from_the_directory() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a", b"\0" * 1000)
    assert check_zip(buffer.getvalue()) == buffer.getvalue()
    with pytest.raises(InvalidParameterValueException, match="Could not unzip"):
        check_zip(b"nope")


def test_code_location_is_signed_and_expires() -> None:
    box, other = SecretBox.ephemeral(), SecretBox.ephemeral()
    digest = "ab" * 32
    url = code_location(Settings(), box, digest, now=1000.0)
    assert url.startswith(f"http://127.0.0.1:4599/_lamina/code/{digest}?X-Amz-Expires=1600&X-Amz-Signature=")
    signature = url.split("X-Amz-Signature=")[1]
    assert location_valid(box, digest, 1600, signature, now=1500.0)
    assert not location_valid(box, digest, 1600, signature, now=1601.0)
    assert not location_valid(box, "cd" * 32, 1600, signature, now=1500.0)
    assert not location_valid(box, digest, 1700, signature, now=1500.0)
    assert not location_valid(other, digest, 1600, signature, now=1500.0)
    assert not location_valid(box, digest, 1600, "garbage!", now=1500.0)
