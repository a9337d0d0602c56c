"""The credential families through the AWS CLI (v1, ``.cli-venv``) against ``lamina serve``: what a
user types, and the JSON or the error line the CLI prints."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from certificate_support import certificate, key_pem, rsa_key, ssh_rsa

from lamina.pytest_plugin import LaminaServer

REPO = Path(__file__).resolve().parents[3]
AWS = os.environ.get("LAMINA_AWS_CLI") or str(REPO / ".cli-venv" / "bin" / "aws")
if not Path(AWS).exists():
    AWS = shutil.which("aws") or AWS
pytestmark = pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by `make test` (.cli-venv)")
_ERROR = re.compile(r"An error occurred \((?P<code>[^)]+)\) when calling the \w+ operation: (?P<message>.*)")


def _run(server: LaminaServer, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": server.access_key_id, "AWS_SECRET_ACCESS_KEY": server.secret_access_key,
           "AWS_DEFAULT_REGION": server.region, "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    env.pop("AWS_SESSION_TOKEN", None)
    return subprocess.run([AWS, "--endpoint-url", server.endpoint_url, "--output", "json", *args], capture_output=True,
                          text=True, env=env, check=False, cwd=cwd)


def ok(server: LaminaServer, *args: str, cwd: Path | None = None) -> Any:
    done = _run(server, *args, cwd=cwd)
    assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else {}


def fails(server: LaminaServer, *args: str, cwd: Path | None = None) -> tuple[str, str]:
    done = _run(server, *args, cwd=cwd)
    found = _ERROR.search(done.stderr)
    assert found is not None and done.returncode == 255, (done.returncode, done.stderr)
    return found["code"], found["message"].strip()


def test_server_certificate_commands(server: LaminaServer, tmp_path: Path) -> None:
    key = rsa_key()
    (tmp_path / "cert.pem").write_text(certificate(key, "cli.example.com"))
    (tmp_path / "key.pem").write_text(key_pem(key))
    uploaded = ok(server, "iam", "upload-server-certificate", "--server-certificate-name", "cli-cert",
                  "--certificate-body", "file://cert.pem", "--private-key", "file://key.pem", cwd=tmp_path)
    assert uploaded["ServerCertificateMetadata"]["ServerCertificateName"] == "cli-cert"
    got = ok(server, "iam", "get-server-certificate", "--server-certificate-name", "cli-cert")
    assert got["ServerCertificate"]["Tags"] == [] and "PrivateKey" not in got["ServerCertificate"]
    listed = ok(server, "iam", "list-server-certificates")["ServerCertificateMetadataList"]
    assert [m["ServerCertificateName"] for m in listed] == ["cli-cert"]
    ok(server, "iam", "delete-server-certificate", "--server-certificate-name", "cli-cert")
    assert fails(server, "iam", "get-server-certificate", "--server-certificate-name", "cli-cert") == (
        "NoSuchEntity", "The Server Certificate with name cli-cert cannot be found.")


def test_signing_certificate_and_ssh_key_commands(server: LaminaServer, tmp_path: Path) -> None:
    ok(server, "iam", "create-user", "--user-name", "cli-dev")
    (tmp_path / "signing.pem").write_text(certificate(rsa_key(), "cli-dev"))
    cert = ok(server, "iam", "upload-signing-certificate", "--user-name", "cli-dev", "--certificate-body",
              "file://signing.pem", cwd=tmp_path)["Certificate"]
    ok(server, "iam", "update-signing-certificate", "--user-name", "cli-dev", "--certificate-id", cert["CertificateId"],
       "--status", "Inactive")
    listed = ok(server, "iam", "list-signing-certificates", "--user-name", "cli-dev")["Certificates"]
    assert [(c["CertificateId"], c["Status"]) for c in listed] == [(cert["CertificateId"], "Inactive")]
    ok(server, "iam", "delete-signing-certificate", "--user-name", "cli-dev", "--certificate-id", cert["CertificateId"])
    (tmp_path / "id_rsa.pub").write_text(ssh_rsa())
    key = ok(server, "iam", "upload-ssh-public-key", "--user-name", "cli-dev", "--ssh-public-key-body",
             "file://id_rsa.pub", cwd=tmp_path)["SSHPublicKey"]
    got = ok(server, "iam", "get-ssh-public-key", "--user-name", "cli-dev", "--ssh-public-key-id",
             key["SSHPublicKeyId"], "--encoding", "PEM")["SSHPublicKey"]
    assert got["SSHPublicKeyBody"].startswith("-----BEGIN PUBLIC KEY-----")
    ok(server, "iam", "update-ssh-public-key", "--user-name", "cli-dev", "--ssh-public-key-id", key["SSHPublicKeyId"],
       "--status", "Inactive")
    assert ok(server, "iam", "list-ssh-public-keys", "--user-name", "cli-dev")["SSHPublicKeys"][0]["Status"] == \
        "Inactive"
    ok(server, "iam", "delete-ssh-public-key", "--user-name", "cli-dev", "--ssh-public-key-id", key["SSHPublicKeyId"])
    assert ok(server, "iam", "list-ssh-public-keys", "--user-name", "cli-dev")["SSHPublicKeys"] == []


def test_service_specific_credential_commands(server: LaminaServer) -> None:
    ok(server, "iam", "create-user", "--user-name", "cli-git")
    created = ok(server, "iam", "create-service-specific-credential", "--user-name", "cli-git", "--service-name",
                 "codecommit.amazonaws.com")["ServiceSpecificCredential"]
    assert created["ServiceUserName"] == f"cli-git-at-{server.account_id}" and created["ServicePassword"]
    cred = created["ServiceSpecificCredentialId"]
    ok(server, "iam", "update-service-specific-credential", "--user-name", "cli-git",
       "--service-specific-credential-id", cred, "--status", "Inactive")
    reset = ok(server, "iam", "reset-service-specific-credential", "--user-name", "cli-git",
               "--service-specific-credential-id", cred)["ServiceSpecificCredential"]
    assert reset["ServicePassword"] != created["ServicePassword"] and reset["Status"] == "Inactive"
    listed = ok(server, "iam", "list-service-specific-credentials", "--user-name", "cli-git")
    assert [c["ServiceSpecificCredentialId"] for c in listed["ServiceSpecificCredentials"]] == [cred]
    assert fails(server, "iam", "delete-user", "--user-name", "cli-git") == (
        "DeleteConflict", "Cannot delete entity, must remove referenced objects first.")
    ok(server, "iam", "delete-service-specific-credential", "--user-name", "cli-git",
       "--service-specific-credential-id", cred)
    assert fails(server, "iam", "create-service-specific-credential", "--user-name", "cli-git", "--service-name",
                 "lambda.amazonaws.com") == (
        "NoSuchEntity", "No such service lambda.amazonaws.com is supported for Service Specific Credentials")


def test_report_commands(server: LaminaServer) -> None:
    assert fails(server, "iam", "get-credential-report")[0] == "ReportNotPresent"
    assert ok(server, "iam", "generate-credential-report")["State"] == "STARTED"
    assert ok(server, "iam", "generate-credential-report")["State"] == "COMPLETE"
    report = ok(server, "iam", "get-credential-report")
    assert report["ReportFormat"] == "text/csv"
    assert base64.b64decode(report["Content"]).decode().splitlines()[0].startswith("user,arn,user_creation_time,")
    ok(server, "iam", "create-user", "--user-name", "cli-report")
    arn = f"arn:aws:iam::{server.account_id}:user/cli-report"
    job = ok(server, "iam", "generate-service-last-accessed-details", "--arn", arn)["JobId"]
    details = ok(server, "iam", "get-service-last-accessed-details", "--job-id", job)
    assert details["JobStatus"] == "COMPLETED" and details["ServicesLastAccessed"] == []
    granted = ok(server, "iam", "list-policies-granting-service-access", "--arn", arn, "--service-namespaces", "iam")
    assert granted["PoliciesGrantingServiceAccess"] == [{"ServiceNamespace": "iam", "Policies": []}]
    assert fails(server, "iam", "list-organizations-features")[0] == "OrganizationNotFoundException"


def test_get_access_key_info_command(server: LaminaServer) -> None:
    assert ok(server, "sts", "get-access-key-info", "--access-key-id", server.access_key_id) == {
        "Account": server.account_id}
