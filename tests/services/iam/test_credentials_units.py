"""In-process checks of the credential modules' pure parts and handlers: certificate and key parsing,
fingerprints, the credential report's rows, the services a policy allows, AccessKeyInfo decoding."""

from __future__ import annotations

import csv
import io
import json

import pytest
from certificate_support import NOT_AFTER, certificate, key_pem, rsa_key, ssh_ed25519
from identity_support import ACCT, call, fails, new_store

from lamina.protocols import ServiceError
from lamina.services.iam._entity_policies import allowed_namespaces
from lamina.services.iam.credential_report import COLUMNS
from lamina.services.iam.server_certificates import validated_expiration
from lamina.services.iam.user_certificates import fingerprint
from lamina.services.sts.access_key_info import encoded_account


def test_expiration_is_the_certificates_not_after() -> None:
    key = rsa_key()
    assert validated_expiration(certificate(key, "x"), key_pem(key), None) == NOT_AFTER


def test_chain_must_start_with_the_issuer() -> None:
    ca_key, key, other = rsa_key(), rsa_key(), rsa_key()
    body = certificate(key, "leaf", issuer="CA", issuer_key=ca_key)
    assert validated_expiration(body, key_pem(key), certificate(ca_key, "CA")) == NOT_AFTER
    with pytest.raises(ServiceError) as raised:
        validated_expiration(body, key_pem(key), certificate(other, "Other") + certificate(ca_key, "CA"))
    assert raised.value.code == "MalformedCertificate" and raised.value.message.endswith("is: -1")


def test_fingerprint_is_colon_separated_md5() -> None:
    printed = fingerprint(ssh_ed25519())
    assert len(printed) == 47 and printed.count(":") == 15


def test_encoded_account_of_a_published_example() -> None:
    assert encoded_account("ASIAY34FZKBOKMUTVV7A") == "609629065308"


@pytest.mark.parametrize(("actions", "expected"), [
    (["iam:GetUser", "lambda:Invoke*"], {"iam", "lambda"}),
    (["sts:*"], {"sts"}),
    (["nosuchservice:Thing"], set()),
])
def test_allowed_namespaces(actions: list[str], expected: set[str]) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions,
                                                                   "Resource": "*"}]})
    assert allowed_namespaces([document]) == expected


def test_deny_and_wildcards() -> None:
    deny = json.dumps({"Statement": {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}})
    assert allowed_namespaces([deny]) == set()
    everything = json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    assert {"iam", "s3", "lambda"} <= allowed_namespaces([everything])
    assert len(allowed_namespaces([json.dumps({"Statement": [{"Effect": "Allow", "NotAction": "iam:*",
                                                               "Resource": "*"}]})])) > 100


def test_credential_report_in_process() -> None:
    store = new_store()
    fails(store, "GetCredentialReport", "ReportNotPresent")
    call(store, "CreateUser", UserName="zed")
    call(store, "CreateAccessKey", UserName="zed")
    assert call(store, "GenerateCredentialReport")["State"] == "STARTED"
    content = call(store, "GetCredentialReport")["Content"].decode()
    rows = list(csv.reader(io.StringIO(content)))
    assert tuple(rows[0]) == COLUMNS
    assert rows[1][:2] == ["<root_account>", f"arn:aws:iam::{ACCT}:root"]
    zed = dict(zip(COLUMNS, rows[2], strict=True))
    assert (zed["user"], zed["access_key_1_active"], zed["access_key_1_last_used_date"]) == ("zed", "true", "N/A")


def test_service_credential_secret_is_not_stored_in_clear() -> None:
    store = new_store()
    call(store, "CreateUser", UserName="git")
    created = call(store, "CreateServiceSpecificCredential", UserName="git",
                   ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    with store.transaction(read_only=True) as conn:
        dumped = "\n".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM service_specific_credentials"))
    assert created["ServicePassword"] not in dumped


def test_server_certificate_private_key_is_encrypted_at_rest() -> None:
    store = new_store()
    key = rsa_key()
    pem = key_pem(key)
    call(store, "UploadServerCertificate", ServerCertificateName="c", CertificateBody=certificate(key, "c"),
         PrivateKey=pem)
    with store.transaction(read_only=True) as conn:
        blob = conn.exec_driver_sql("SELECT private_key FROM server_certificates").scalar_one()
    assert b"PRIVATE KEY" not in bytes(blob)


def test_bedrock_api_keys_use_alias_and_secret() -> None:
    store = new_store()
    call(store, "CreateUser", UserName="ml")
    created = call(store, "CreateServiceSpecificCredential", UserName="ml", ServiceName="bedrock.amazonaws.com",
                   CredentialAgeDays=30)["ServiceSpecificCredential"]
    assert created["ServiceCredentialAlias"].endswith(f"-at-{ACCT}")
    assert created["ServiceCredentialSecret"].startswith("ABSK") and "ExpirationDate" in created
    assert "ServicePassword" not in created
