"""The credential report and service last accessed data through boto3 against ``lamina serve``."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

import pyotp
from snapshot_support import error_of

from lamina.pytest_plugin import LaminaServer

COLUMNS = ["user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
           "password_next_rotation", "mfa_active", "access_key_1_active", "access_key_1_last_rotated",
           "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
           "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
           "access_key_2_last_used_region", "access_key_2_last_used_service", "cert_1_active", "cert_1_last_rotated",
           "cert_2_active", "cert_2_last_rotated"]
ALLOW_ALL_IAM = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"],
                                                          "Resource": "*"}]}


def _rows(iam: Any) -> dict[str, dict[str, str]]:
    content = iam.get_credential_report()["Content"].decode()
    reader = csv.DictReader(io.StringIO(content))
    assert reader.fieldnames == COLUMNS
    return {row["user"]: row for row in reader}


def test_credential_report(server: LaminaServer, iam: Any) -> None:
    assert error_of(iam.get_credential_report)["Error"]["Code"] == "ReportNotPresent"
    iam.create_user(UserName="report-alice")
    iam.create_login_profile(UserName="report-alice", Password="Sup3r-secret-pw!")
    key = iam.create_access_key(UserName="report-alice")["AccessKey"]
    iam.update_access_key(UserName="report-alice", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    iam.create_user(UserName="report-bob")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="report-bob")["VirtualMFADevice"]
    otp = pyotp.TOTP(device["Base32StringSeed"].decode())
    step = int(time.time()) // 30
    iam.enable_mfa_device(UserName="report-bob", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=otp.at((step - 1) * 30), AuthenticationCode2=otp.at(step * 30))
    first = iam.generate_credential_report()
    assert first["State"] == "STARTED" and first["Description"]
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    got = iam.get_credential_report()
    assert got["ReportFormat"] == "text/csv"
    rows = _rows(iam)
    root = rows["<root_account>"]
    assert root["arn"] == f"arn:aws:iam::{server.account_id}:root"
    assert (root["password_enabled"], root["password_last_changed"], root["password_next_rotation"]) == \
        ("not_supported", "not_supported", "not_supported")
    assert root["access_key_1_active"] == "true"  # the server's own root key
    alice = rows["report-alice"]
    assert alice["arn"] == f"arn:aws:iam::{server.account_id}:user/report-alice"
    assert (alice["password_enabled"], alice["mfa_active"], alice["access_key_1_active"]) == ("true", "false", "false")
    assert alice["user_creation_time"].endswith("+00:00") and alice["access_key_1_last_rotated"].endswith("+00:00")
    assert (alice["access_key_2_active"], alice["access_key_2_last_rotated"], alice["cert_1_active"]) == \
        ("false", "N/A", "false")
    bob = rows["report-bob"]
    assert (bob["password_enabled"], bob["password_last_used"], bob["password_last_changed"]) == ("false", "N/A", "N/A")
    assert bob["mfa_active"] == "true"  # its virtual MFA device is enabled
    assert list(rows)[:1] == ["<root_account>"]


def _wait_for(generate: Any, get: Any, ready: Any) -> dict[str, Any]:
    """Generate and read reports until ``ready`` holds (the audit trail is written in batches)."""
    deadline = time.monotonic() + 20
    while True:
        answer: dict[str, Any] = get(JobId=generate()["JobId"])
        if ready(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_service_last_accessed_for_a_user(server: LaminaServer, iam: Any) -> None:
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="read-iam", PolicyDocument=json.dumps(ALLOW_ALL_IAM))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    reader = server.client("iam", aws_access_key_id=key["AccessKeyId"],
                           aws_secret_access_key=key["SecretAccessKey"])
    user_arn = f"arn:aws:iam::{server.account_id}:user/reader"
    for _ in range(30):  # a new key may take a moment to be seen
        try:
            reader.list_users()
            break
        except Exception:
            time.sleep(0.2)

    def iam_row(answer: dict[str, Any]) -> dict[str, Any]:
        return next(s for s in answer["ServicesLastAccessed"] if s["ServiceNamespace"] == "iam")

    answer = _wait_for(lambda: iam.generate_service_last_accessed_details(Arn=user_arn, Granularity="ACTION_LEVEL"),
                       iam.get_service_last_accessed_details, lambda a: "LastAuthenticated" in iam_row(a))
    assert answer["JobStatus"] == "COMPLETED" and answer["JobType"] == "ACTION_LEVEL"
    assert [s["ServiceNamespace"] for s in answer["ServicesLastAccessed"]] == ["iam"]
    row = iam_row(answer)
    assert row["ServiceName"].startswith("AWS Identity and Access Management")
    assert (row["LastAuthenticatedEntity"], row["TotalAuthenticatedEntities"]) == (user_arn, 1)
    assert "ListUsers" in [a["ActionName"] for a in row["TrackedActionsLastAccessed"]]
    job = iam.generate_service_last_accessed_details(Arn=user_arn)["JobId"]
    entities = iam.get_service_last_accessed_details_with_entities(JobId=job, ServiceNamespace="iam")
    assert [(e["EntityInfo"]["Name"], e["EntityInfo"]["Type"], "LastAuthenticated" in e)
            for e in entities["EntityDetailsList"]] == [("reader", "USER", True)]
    granted = iam.list_policies_granting_service_access(Arn=user_arn, ServiceNamespaces=["iam", "lambda"])
    assert granted["PoliciesGrantingServiceAccess"] == [
        {"ServiceNamespace": "iam", "Policies": [{"PolicyName": "read-iam", "PolicyType": "INLINE",
                                                  "EntityType": "USER", "EntityName": "reader"}]},
        {"ServiceNamespace": "lambda", "Policies": []}]


def test_service_last_accessed_for_a_customer_policy_and_a_role(server: LaminaServer, iam: Any) -> None:
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="everything", PolicyDocument=json.dumps(everything))["Policy"]["Arn"]
    iam.create_role(RoleName="admin-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": f"arn:aws:iam::{server.account_id}:root"}}]}))
    iam.attach_role_policy(RoleName="admin-role", PolicyArn=arn)
    answer = iam.get_service_last_accessed_details(JobId=iam.generate_service_last_accessed_details(Arn=arn)["JobId"],
                                                   MaxItems=10)
    assert answer["IsTruncated"] and len(answer["ServicesLastAccessed"]) == 10  # every service: "*"
    rest = iam.get_service_last_accessed_details(JobId=iam.generate_service_last_accessed_details(Arn=arn)["JobId"],
                                                 Marker=answer["Marker"], MaxItems=1000)
    namespaces = [s["ServiceNamespace"] for s in answer["ServicesLastAccessed"] + rest["ServicesLastAccessed"]]
    assert {"iam", "lambda", "s3", "sts"} <= set(namespaces) and namespaces == sorted(namespaces)
    role_arn = f"arn:aws:iam::{server.account_id}:role/admin-role"
    iam.create_user(UserName="assumer")
    iam.put_user_policy(UserName="assumer", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="assumer")["AccessKey"]
    sts = server.client("sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="s1")["Credentials"]
    server.client("lambda", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"]).list_functions()

    def lambda_row(got: dict[str, Any]) -> dict[str, Any]:
        return next(s for s in got["ServicesLastAccessed"] if s["ServiceNamespace"] == "lambda")

    got = _wait_for(lambda: iam.generate_service_last_accessed_details(Arn=role_arn),
                    lambda **kw: iam.get_service_last_accessed_details(MaxItems=1000, **kw),
                    lambda a: "LastAuthenticated" in lambda_row(a))
    assert lambda_row(got)["LastAuthenticatedEntity"] == role_arn


def test_service_last_accessed_errors(server: LaminaServer, iam: Any) -> None:
    missing = error_of(iam.generate_service_last_accessed_details,
                       Arn=f"arn:aws:iam::{server.account_id}:user/nobody-here")
    assert (missing["Error"]["Code"], missing["ResponseMetadata"]["HTTPStatusCode"]) == ("NoSuchEntity", 404)
    unknown = error_of(iam.get_service_last_accessed_details, JobId="00000000-0000-0000-0000-000000000000")
    assert unknown["Error"]["Code"] == "NoSuchEntity"
    bad = error_of(iam.generate_service_last_accessed_details, Arn="arn:aws:s3:::some-bucket-name")
    assert bad["Error"]["Code"] == "InvalidInput"
