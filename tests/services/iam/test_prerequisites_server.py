"""The IAM operations that need what Lamina does not have (Organizations, delegation partners, role
templates) answer AWS-shaped errors, never 404/500/501; account properties are kept; and the
credential operations are authorized through the gate with their catalog declaration."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from snapshot_support import error_of

from lamina.pytest_plugin import LaminaServer


def _code(answer: dict[str, Any]) -> tuple[str, int]:
    return answer["Error"]["Code"], answer["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize("operation", ["list_organizations_features", "enable_organizations_root_sessions",
                                       "disable_organizations_root_sessions",
                                       "enable_organizations_root_credentials_management",
                                       "disable_organizations_root_credentials_management"])
def test_root_access_needs_an_organization(iam: Any, operation: str) -> None:
    assert _code(error_of(getattr(iam, operation))) == ("OrganizationNotFoundException", 400)


def test_organizations_access_report_fails_as_a_job(iam: Any) -> None:
    job = iam.generate_organizations_access_report(EntityPath="o-a1b2c3d4e5/r-f6g7h8i9j0example")["JobId"]
    report = iam.get_organizations_access_report(JobId=job)
    assert report["JobStatus"] == "FAILED"
    assert report["ErrorDetails"]["Code"] == "AWSOrganizationsNotInUseException"
    assert _code(error_of(iam.get_organizations_access_report, JobId="1" * 36)) == ("NoSuchEntity", 404)


def test_delegation_requests_and_role_templates(iam: Any, server: LaminaServer) -> None:
    assert iam.list_delegation_requests()["DelegationRequests"] == []
    assert _code(error_of(iam.create_delegation_request, Description="d", RequestMessage="m",
                          RequestorWorkflowId="workflow-1", NotificationChannel="arn:aws:sns:us-east-1:123456789012:t",
                          SessionDuration=3600, Permissions={"PolicyTemplateArn": "arn:aws:iam::aws:policy/x"})) == (
        "InvalidInput", 400)
    for name in ("get_delegation_request", "accept_delegation_request", "reject_delegation_request",
                 "associate_delegation_request", "update_delegation_request", "send_delegation_token"):
        assert _code(error_of(getattr(iam, name), DelegationRequestId="dr-0123456789abcdef")) == ("NoSuchEntity", 404)
    template = "arn:aws:iam::aws:role-template/Example"
    assert _code(error_of(iam.get_role_template_version, TemplateArn=template)) == ("NoSuchEntity", 404)
    assert _code(error_of(iam.acquire_role, TemplateArn=template)) == ("NoSuchEntity", 404)
    assert _code(error_of(iam.get_human_readable_summary,
                          EntityArn=f"arn:aws:iam::{server.account_id}:delegation-request/dr-1")) == ("NoSuchEntity",
                                                                                                      404)


def test_account_properties(iam: Any) -> None:
    assert iam.get_account_properties()["Properties"] == {}
    iam.put_account_properties(Properties={"RoleManager/Enabled": "true", "RoleManager/Mode": "strict"})
    assert iam.get_account_properties()["Properties"] == {"RoleManager/Enabled": "true", "RoleManager/Mode": "strict"}
    assert _code(error_of(iam.put_account_properties, Properties={"A/x": "1", "B/y": "2"})) == ("InvalidInput", 400)


def test_credential_operations_go_through_the_gate(server: LaminaServer, iam: Any) -> None:
    """A user allowed service credentials for CodeCommit only (``iam:ServiceSpecificCredentialServiceName``)."""
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:CreateServiceSpecificCredential", "Resource": "*",
         "Condition": {"StringEquals": {"iam:ServiceSpecificCredentialServiceName": "codecommit.amazonaws.com"}}}]}
    iam.create_user(UserName="limited")
    iam.put_user_policy(UserName="limited", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="limited")["AccessKey"]
    limited = server.client("iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    for _ in range(30):
        try:
            limited.create_service_specific_credential(UserName="limited", ServiceName="codecommit.amazonaws.com")
            break
        except Exception:
            time.sleep(0.2)
    denied = error_of(limited.create_service_specific_credential, UserName="limited",
                      ServiceName="cassandra.amazonaws.com")
    assert _code(denied) == ("AccessDenied", 403)
    assert "iam:CreateServiceSpecificCredential" in denied["Error"]["Message"]
    assert _code(error_of(limited.list_server_certificates)) == ("AccessDenied", 403)
    assert _code(error_of(limited.generate_credential_report)) == ("AccessDenied", 403)
    assert _code(error_of(limited.list_organizations_features)) == ("AccessDenied", 403)
    assert _code(error_of(limited.get_account_properties)) == ("AccessDenied", 403)
