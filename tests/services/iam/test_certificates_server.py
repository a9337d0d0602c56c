"""Server certificates, signing certificates and SSH public keys through boto3 against ``lamina serve``,
with the recorded AWS answer of GetServerCertificate (resource_providers' test_server_certificate)."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from pathlib import Path
from typing import Any

from certificate_support import NOT_AFTER, certificate, key_pem, rsa_key, ssh_ed25519, ssh_rsa
from snapshot_support import Snapshot, error_of

from lamina.pytest_plugin import LaminaServer


def _code(answer: dict[str, Any]) -> tuple[str, str, int]:
    return answer["Error"]["Code"], answer["Error"]["Message"], answer["ResponseMetadata"]["HTTPStatusCode"]


def test_recorded_server_certificate_answer(server: LaminaServer, iam: Any) -> None:
    snap = Snapshot("iam_credentials_answers.json", "resource_providers::test_server_certificate", server.account_id)
    key = rsa_key()
    body = certificate(key, "example.com")
    snap.case["certificate"]["ServerCertificate"]["CertificateBody"] = body.strip()  # our own certificate
    iam.upload_server_certificate(ServerCertificateName="server-certificate-rec", CertificateBody=body + "\n",
                                  PrivateKey=key_pem(key))
    got = iam.get_server_certificate(ServerCertificateName="server-certificate-rec")
    snap.match("certificate", got)
    assert got["ServerCertificate"]["ServerCertificateMetadata"]["Expiration"] == NOT_AFTER
    assert "PrivateKey" not in str(got)
    iam.delete_server_certificate(ServerCertificateName="server-certificate-rec")
    snap.match("get_server_certificate_error",
               error_of(iam.get_server_certificate, ServerCertificateName="server-certificate-rec"))


def test_server_certificate_lifecycle(server: LaminaServer, iam: Any) -> None:
    ca_key, key = rsa_key(), rsa_key()
    ca = certificate(ca_key, "Test CA")
    body = certificate(key, "www.example.com", issuer="Test CA", issuer_key=ca_key)
    meta = iam.upload_server_certificate(ServerCertificateName="web", Path="/cloudfront/", CertificateBody=body,
                                         PrivateKey=key_pem(key), CertificateChain=ca,
                                         Tags=[{"Key": "team", "Value": "web"}])
    assert meta["ServerCertificateMetadata"]["Arn"] == f"arn:aws:iam::{server.account_id}:server-certificate/" \
                                                       "cloudfront/web"
    assert meta["ServerCertificateMetadata"]["ServerCertificateId"].startswith("ASCA")
    assert meta["Tags"] == [{"Key": "team", "Value": "web"}]
    got = iam.get_server_certificate(ServerCertificateName="WEB")["ServerCertificate"]
    assert got["CertificateChain"] == ca.strip()
    assert _code(error_of(iam.upload_server_certificate, ServerCertificateName="Web", CertificateBody=body,
                          PrivateKey=key_pem(key))) == (
        "EntityAlreadyExists", "The Server Certificate with name Web already exists.", 409)
    listed = iam.list_server_certificates(PathPrefix="/cloudfront/")["ServerCertificateMetadataList"]
    assert [m["ServerCertificateName"] for m in listed] == ["web"]
    assert iam.list_server_certificates(PathPrefix="/elb/")["ServerCertificateMetadataList"] == []
    iam.update_server_certificate(ServerCertificateName="web", NewServerCertificateName="web2", NewPath="/elb/")
    assert iam.list_server_certificate_tags(ServerCertificateName="web2")["Tags"] == [{"Key": "team", "Value": "web"}]
    iam.tag_server_certificate(ServerCertificateName="web2", Tags=[{"Key": "env", "Value": "prod"}])
    iam.untag_server_certificate(ServerCertificateName="web2", TagKeys=["team"])
    assert iam.list_server_certificate_tags(ServerCertificateName="web2")["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert iam.get_server_certificate(ServerCertificateName="web2")["ServerCertificate"][
        "ServerCertificateMetadata"]["Path"] == "/elb/"
    iam.delete_server_certificate(ServerCertificateName="web2")
    assert _code(error_of(iam.delete_server_certificate, ServerCertificateName="web2"))[0] == "NoSuchEntity"


def test_server_certificate_validation(iam: Any) -> None:
    key, other = rsa_key(), rsa_key()
    body = certificate(key, "a.example.com")
    upload = iam.upload_server_certificate
    assert _code(error_of(upload, ServerCertificateName="bad", CertificateBody="not a certificate",
                          PrivateKey=key_pem(key))) == (
        "MalformedCertificate", "Unable to parse certificate. Please ensure the certificate is in PEM format.", 400)
    assert _code(error_of(upload, ServerCertificateName="bad", CertificateBody=body, PrivateKey="garbage"))[0] == \
        "MalformedCertificate"
    assert _code(error_of(upload, ServerCertificateName="bad", CertificateBody=body, PrivateKey=key_pem(other))) == (
        "KeyPairMismatch", "Public key certificate and private key doesn't match.", 400)
    unrelated = certificate(other, "Someone Else")
    assert "The index within the chain of the invalid certificate is" in _code(error_of(
        upload, ServerCertificateName="bad", CertificateBody=body, PrivateKey=key_pem(key),
        CertificateChain=unrelated))[1]
    assert iam.list_server_certificates()["ServerCertificateMetadataList"] == []


def test_server_certificate_pages(iam: Any) -> None:
    key = rsa_key()
    body = certificate(key, "p.example.com")
    for name in ("page-a", "page-b", "page-c"):
        iam.upload_server_certificate(ServerCertificateName=name, Path="/paged/", CertificateBody=body,
                                      PrivateKey=key_pem(key))
    first = iam.list_server_certificates(PathPrefix="/paged/", MaxItems=2)
    assert first["IsTruncated"] and len(first["ServerCertificateMetadataList"]) == 2
    rest = iam.list_server_certificates(PathPrefix="/paged/", MaxItems=2, Marker=first["Marker"])
    assert [m["ServerCertificateName"] for m in rest["ServerCertificateMetadataList"]] == ["page-c"]
    for name in ("page-a", "page-b", "page-c"):
        iam.delete_server_certificate(ServerCertificateName=name)


def test_signing_certificates(iam: Any) -> None:
    iam.create_user(UserName="signer")
    first = certificate(rsa_key(), "signer-1")
    uploaded = iam.upload_signing_certificate(UserName="signer", CertificateBody=first)["Certificate"]
    assert uploaded["UserName"] == "signer" and uploaded["Status"] == "Active"
    assert uploaded["CertificateBody"] == first.strip()
    assert _code(error_of(iam.upload_signing_certificate, UserName="signer", CertificateBody=first))[0] == \
        "DuplicateCertificate"
    assert _code(error_of(iam.upload_signing_certificate, UserName="signer", CertificateBody="nope"))[0] == \
        "MalformedCertificate"
    iam.upload_signing_certificate(UserName="signer", CertificateBody=certificate(rsa_key(), "signer-2"))
    assert _code(error_of(iam.upload_signing_certificate, UserName="signer",
                          CertificateBody=certificate(rsa_key(), "signer-3"))) == (
        "LimitExceeded", "Cannot exceed quota for CertificatesPerUser: 2", 409)
    cert_id = uploaded["CertificateId"]
    iam.update_signing_certificate(UserName="signer", CertificateId=cert_id, Status="Inactive")
    listed = iam.list_signing_certificates(UserName="signer")["Certificates"]
    statuses = {c["CertificateId"]: c["Status"] for c in listed}
    assert statuses[cert_id] == "Inactive" and len(statuses) == 2
    assert _code(error_of(iam.delete_user, UserName="signer"))[0] == "DeleteConflict"
    for cid in statuses:
        iam.delete_signing_certificate(UserName="signer", CertificateId=cid)
    assert _code(error_of(iam.delete_signing_certificate, UserName="signer", CertificateId=cert_id)) == (
        "NoSuchEntity", f"The Certificate with id {cert_id} cannot be found.", 404)
    iam.delete_user(UserName="signer")


def _keygen_md5(public_key: str, tmp: Path) -> str | None:
    """``ssh-keygen -l -E md5`` where OpenSSH is installed: the independent fingerprint."""
    (tmp / "key.pub").write_text(public_key + "\n")
    try:
        done = subprocess.run(["ssh-keygen", "-l", "-E", "md5", "-f", str(tmp / "key.pub")], capture_output=True,
                              text=True, check=False)
    except FileNotFoundError:
        return None
    return done.stdout.split()[1].removeprefix("MD5:") if done.returncode == 0 else None


def test_ssh_public_keys(iam: Any, tmp_path: Path) -> None:
    iam.create_user(UserName="git-user")
    body = ssh_rsa()
    key = iam.upload_ssh_public_key(UserName="git-user", SSHPublicKeyBody=body)["SSHPublicKey"]
    assert key["SSHPublicKeyId"].startswith("APKA") and key["Status"] == "Active"
    blob = base64.b64decode(body.split()[1])
    expected = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    assert key["Fingerprint"] == ":".join(expected[i:i + 2] for i in range(0, 32, 2))
    keygen = _keygen_md5(body, tmp_path)
    if keygen is not None:
        assert key["Fingerprint"] == keygen
    key_id = key["SSHPublicKeyId"]
    as_pem = iam.get_ssh_public_key(UserName="git-user", SSHPublicKeyId=key_id, Encoding="PEM")["SSHPublicKey"]
    assert as_pem["SSHPublicKeyBody"].startswith("-----BEGIN PUBLIC KEY-----")
    as_ssh = iam.get_ssh_public_key(UserName="git-user", SSHPublicKeyId=key_id, Encoding="SSH")["SSHPublicKey"]
    assert as_ssh["SSHPublicKeyBody"] == body
    assert _code(error_of(iam.upload_ssh_public_key, UserName="git-user", SSHPublicKeyBody=body))[0] == \
        "DuplicateSSHPublicKey"
    assert _code(error_of(iam.upload_ssh_public_key, UserName="git-user", SSHPublicKeyBody="ssh-rsa AAAAnotakey"))[
        0] == "UnrecognizedPublicKeyEncoding"
    assert _code(error_of(iam.upload_ssh_public_key, UserName="git-user", SSHPublicKeyBody=ssh_rsa(1024)))[0] == \
        "InvalidPublicKey"
    for _ in range(4):
        iam.upload_ssh_public_key(UserName="git-user", SSHPublicKeyBody=ssh_ed25519())
    assert _code(error_of(iam.upload_ssh_public_key, UserName="git-user", SSHPublicKeyBody=ssh_ed25519()))[0] == \
        "LimitExceeded"
    iam.update_ssh_public_key(UserName="git-user", SSHPublicKeyId=key_id, Status="Inactive")
    listed = iam.list_ssh_public_keys(UserName="git-user")["SSHPublicKeys"]
    assert len(listed) == 5 and {k["SSHPublicKeyId"]: k["Status"] for k in listed}[key_id] == "Inactive"
    assert _code(error_of(iam.delete_user, UserName="git-user")) == (
        "DeleteConflict", "Cannot delete entity, must remove referenced objects first.", 409)
    for listed_key in listed:
        iam.delete_ssh_public_key(UserName="git-user", SSHPublicKeyId=listed_key["SSHPublicKeyId"])
    assert _code(error_of(iam.get_ssh_public_key, UserName="git-user", SSHPublicKeyId=key_id, Encoding="SSH")) == (
        "NoSuchEntity", f"The Public Key with id {key_id} cannot be found.", 404)
    iam.delete_user(UserName="git-user")
