"""Every TestIAMServiceSpecificCredentials case recorded against AWS, replayed through boto3 against
``lamina serve`` and compared field by field (tests/data/iam_credentials_answers.json)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from snapshot_support import Snapshot, error_of

from lamina.pytest_plugin import LaminaServer

FILE = "iam_credentials_answers.json"


def _case(server: LaminaServer, name: str) -> Snapshot:
    return Snapshot(FILE, name, server.account_id)


def _user(iam: Any, snap: Snapshot) -> str:
    name = f"user-{uuid.uuid4().hex[:8]}"
    snap.match("create-user-response", iam.create_user(UserName=name))
    return name


def _credential(iam: Any, snap: Snapshot, user: str) -> str:
    created = iam.create_service_specific_credential(UserName=user, ServiceName="codecommit.amazonaws.com")
    snap.match("create-service-specific-credential-response", created)
    return str(created["ServiceSpecificCredential"]["ServiceSpecificCredentialId"])


@pytest.mark.parametrize("service", ["codecommit.amazonaws.com", "cassandra.amazonaws.com"])
def test_lifecycle(server: LaminaServer, iam: Any, service: str) -> None:
    snap = _case(server, f"test_service_specific_credential_lifecycle[{service}]")
    user = _user(iam, snap)
    created = iam.create_service_specific_credential(UserName=user, ServiceName=service)
    snap.match("create-service-specific-credential-response", created)
    cred = created["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    listed = iam.list_service_specific_credentials(UserName=user, ServiceName=service)
    snap.match("list-service-specific-credentials-response-before-update", listed)
    snap.match("update-service-specific-credential-response",
               iam.update_service_specific_credential(UserName=user, ServiceSpecificCredentialId=cred,
                                                      Status="Inactive"))
    snap.match("list-service-specific-credentials-response-after-update",
               iam.list_service_specific_credentials(UserName=user, ServiceName=service))
    snap.match("reset-service-specific-credential-response",
               iam.reset_service_specific_credential(UserName=user, ServiceSpecificCredentialId=cred))
    snap.match("delete-service-specific-credentials-response",
               iam.delete_service_specific_credential(ServiceSpecificCredentialId=cred, UserName=user))
    snap.all_matched()


def test_invalid_user(server: LaminaServer, iam: Any) -> None:
    snap = _case(server, "test_create_service_specific_credential_invalid_user")
    create = iam.create_service_specific_credential
    snap.match("invalid-user-name-exception",
               error_of(create, UserName="non-existent-user", ServiceName="codecommit.amazonaws.com"))
    snap.match("invalid-user-and-service-exception",
               error_of(create, UserName="non-existent-user", ServiceName="nonexistentservice.amazonaws.com"))
    snap.all_matched()


def test_invalid_service(server: LaminaServer, iam: Any) -> None:
    snap = _case(server, "test_create_service_specific_credential_invalid_service")
    user = _user(iam, snap)
    create = iam.create_service_specific_credential
    snap.match("invalid-service-exception", error_of(create, UserName=user,
                                                     ServiceName="nonexistentservice.amazonaws.com"))
    snap.match("invalid-service-completely-malformed-exception",
               error_of(create, UserName=user, ServiceName="o3on3n3onosneo"))
    snap.match("invalid-service-existing-but-unsupported-exception",
               error_of(create, UserName=user, ServiceName="lambda.amazonaws.com"))
    snap.all_matched()


def test_list_different_service(server: LaminaServer, iam: Any) -> None:
    snap = _case(server, "test_list_service_specific_credential_different_service")
    user = _user(iam, snap)
    snap.match("list-service-specific-credentials-invalid-service",
               error_of(iam.list_service_specific_credentials, UserName=user,
                        ServiceName="nonexistentservice.amazonaws.com"))
    _credential(iam, snap, user)
    snap.match("list-service-specific-credentials-response-wrong-service",
               iam.list_service_specific_credentials(UserName=user, ServiceName="cassandra.amazonaws.com"))
    snap.all_matched()


def test_delete_user_with_credential(server: LaminaServer, iam: Any) -> None:
    snap = _case(server, "test_delete_user_after_service_credential_created")
    user = _user(iam, snap)
    _credential(iam, snap, user)
    snap.match("delete-user-existing-credential", error_of(iam.delete_user, UserName=user))
    snap.all_matched()


def test_id_match_user_mismatch(server: LaminaServer, iam: Any) -> None:
    snap = _case(server, "test_id_match_user_mismatch")
    user = _user(iam, snap)
    cred = _credential(iam, snap, user)
    wrong = {"UserName": "wrong-user-name", "ServiceSpecificCredentialId": cred}
    snap.match("update-wrong-user-name", error_of(iam.update_service_specific_credential, **wrong, Status="Inactive"))
    snap.match("reset-wrong-user-name", error_of(iam.reset_service_specific_credential, **wrong))
    snap.match("delete-wrong-user-name", error_of(iam.delete_service_specific_credential, **wrong))
    snap.all_matched()


@pytest.mark.parametrize("wrong_id", ["totally-wrong-credential-id-with-hyphens", "satisfiesregexbutstillinvalid"])
def test_user_match_id_mismatch(server: LaminaServer, iam: Any, wrong_id: str) -> None:
    snap = _case(server, f"test_user_match_id_mismatch[{wrong_id}]")
    user = _user(iam, snap)
    _credential(iam, snap, user)
    wrong = {"UserName": user, "ServiceSpecificCredentialId": wrong_id}
    snap.match("update-wrong-id", error_of(iam.update_service_specific_credential, **wrong, Status="Inactive"))
    snap.match("reset-wrong-id", error_of(iam.reset_service_specific_credential, **wrong))
    snap.match("delete-wrong-id", error_of(iam.delete_service_specific_credential, **wrong))
    snap.all_matched()


def test_invalid_update_parameters(server: LaminaServer, iam: Any) -> None:
    snap = _case(server, "test_invalid_update_parameters")
    user = _user(iam, snap)
    cred = _credential(iam, snap, user)
    snap.match("update-invalid-status", error_of(iam.update_service_specific_credential,
                                                 ServiceSpecificCredentialId=cred, Status="Invalid"))
    snap.all_matched()


def test_password_is_shown_only_at_creation_and_reset(server: LaminaServer, iam: Any) -> None:
    iam.create_user(UserName="carol-ssc")
    created = iam.create_service_specific_credential(UserName="carol-ssc", ServiceName="codecommit.amazonaws.com")
    cred = created["ServiceSpecificCredential"]
    assert len(cred["ServicePassword"]) == 44 and cred["ServiceSpecificCredentialId"].startswith("ACCA")
    listed = iam.list_service_specific_credentials(UserName="carol-ssc")["ServiceSpecificCredentials"]
    assert "ServicePassword" not in listed[0]
    reset = iam.reset_service_specific_credential(UserName="carol-ssc",
                                                  ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"])
    assert reset["ServiceSpecificCredential"]["ServicePassword"] != cred["ServicePassword"]
    iam.create_service_specific_credential(UserName="carol-ssc", ServiceName="codecommit.amazonaws.com")
    third = error_of(iam.create_service_specific_credential, UserName="carol-ssc",
                     ServiceName="codecommit.amazonaws.com")
    assert third["Error"]["Code"] == "LimitExceeded"
    every = iam.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"]
    assert {c["UserName"] for c in every} >= {"carol-ssc"}
