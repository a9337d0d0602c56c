"""Account aliases, GetAccountSummary and ChangePassword through boto3 against a real server, and the
alias lookup the console signs in with."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.pytest_plugin import LaminaServer
from lamina.store import NotFound, open_store
from lamina.store.repositories import account_aliases, accounts

PASSWORD = "Old-Passw0rd!"


def _error(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: Any = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_account_alias_lifecycle(server: LaminaServer) -> None:
    iam = server.client("iam")
    assert iam.list_account_aliases()["AccountAliases"] == []
    iam.create_account_alias(AccountAlias="my-team")
    iam.create_account_alias(AccountAlias="my-team")  # the same alias again: nothing changes
    assert iam.list_account_aliases()["AccountAliases"] == ["my-team"]
    iam.create_account_alias(AccountAlias="renamed")  # one alias per account: the new one replaces it
    assert iam.list_account_aliases() | {"ResponseMetadata": None} == {
        "AccountAliases": ["renamed"], "IsTruncated": False, "ResponseMetadata": None}
    with pytest.raises(ClientError) as raised:
        iam.delete_account_alias(AccountAlias="my-team")
    assert _error(raised) == ("NoSuchEntity", "The account alias my-team cannot be found.", 404)
    for bad in ("Upper", "a--b", "-ab", "ab-"):
        with pytest.raises(ClientError) as raised:
            iam.create_account_alias(AccountAlias=bad)
        assert _error(raised)[0] == "ValidationError"
    iam.delete_account_alias(AccountAlias="renamed")
    assert iam.list_account_aliases()["AccountAliases"] == []


def test_aliases_are_unique_across_accounts_and_resolve() -> None:
    store = open_store("sqlite://")
    with store.transaction() as conn:
        first, second = accounts.create_account(conn).account_id, accounts.create_account(conn).account_id
        accounts.set_account_alias(conn, first, "shared")
        assert account_aliases.resolve_alias(conn, "shared") == first
        assert account_aliases.alias_of(conn, second) is None
        with pytest.raises(NotFound):
            account_aliases.resolve_alias(conn, "nobody")
    from lamina.services.iam.errors import from_store
    from lamina.store import AlreadyExists

    with pytest.raises(AlreadyExists) as raised, store.transaction() as conn:
        accounts.set_account_alias(conn, second, "shared")
    error = from_store(raised.value)
    assert (error.code, error.message) == ("EntityAlreadyExists", "The account alias shared already exists.")


def test_account_summary_counts_and_quotas(server: LaminaServer) -> None:
    iam = server.client("iam")
    before = iam.get_account_summary()["SummaryMap"]
    model = iam.meta.service_model.shape_for("summaryMapType").key.enum
    assert set(before) == set(model)
    assert before["UsersQuota"] == 5000 and before["RolesQuota"] == 1000 and before["PoliciesQuota"] == 1500
    assert before["AttachedPoliciesPerRoleQuota"] == 10 and before["VersionsPerPolicyQuota"] == 5
    iam.create_user(UserName="counted")
    iam.create_group(GroupName="counted")
    iam.create_instance_profile(InstanceProfileName="counted")
    policy = iam.create_policy(PolicyName="counted", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    iam.attach_user_policy(UserName="counted", PolicyArn=policy["Policy"]["Arn"])
    iam.create_virtual_mfa_device(VirtualMFADeviceName="counted")
    iam.create_open_id_connect_provider(Url="https://issuer.counted.example", ClientIDList=["sts.amazonaws.com"])
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    after = iam.get_account_summary()["SummaryMap"]
    for key in ("Users", "Groups", "InstanceProfiles", "Policies", "PolicyVersionsInUse", "MFADevices", "Providers"):
        assert after[key] == before[key] + 1, key
    assert after["MFADevicesInUse"] == before["MFADevicesInUse"]  # created, not enabled for a user
    assert after["AccountAccessKeysPresent"] == 1  # the server's root key
    assert (before["GlobalEndpointTokenVersion"], after["GlobalEndpointTokenVersion"]) == (1, 2)


def _user_with_password(server: LaminaServer, name: str, **profile: Any) -> Any:
    iam = server.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="own-password", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:ChangePassword",
                                                                             "iam:GetLoginProfile"],
                                                "Resource": f"arn:aws:iam::{server.account_id}:user/{name}"}]}))
    iam.create_login_profile(UserName=name, Password=PASSWORD, **profile)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])


def test_change_password(server: LaminaServer) -> None:
    iam = server.client("iam")
    own = _user_with_password(server, "changer", PasswordResetRequired=True)
    with pytest.raises(ClientError) as raised:
        own.change_password(OldPassword="wrong-Passw0rd!", NewPassword="New-Passw0rd!")
    assert _error(raised)[0] == "AccessDenied"
    with pytest.raises(ClientError) as raised:
        own.change_password(OldPassword=PASSWORD, NewPassword="short")
    assert _error(raised) == ("PasswordPolicyViolation", "Password does not conform to the account password policy.",
                              400)
    own.change_password(OldPassword=PASSWORD, NewPassword="New-Passw0rd!")
    assert iam.get_login_profile(UserName="changer")["LoginProfile"]["PasswordResetRequired"] is False
    with pytest.raises(ClientError) as raised:  # the old one no longer matches
        own.change_password(OldPassword=PASSWORD, NewPassword="Newer-Passw0rd!")
    assert _error(raised)[0] == "AccessDenied"

    iam.update_account_password_policy(MinimumPasswordLength=20, RequireSymbols=True)
    try:
        with pytest.raises(ClientError) as raised:
            own.change_password(OldPassword="New-Passw0rd!", NewPassword="Newer-Passw0rd!")
        assert _error(raised) == ("PasswordPolicyViolation", "Password should have a minimum length of 20", 400)
        own.change_password(OldPassword="New-Passw0rd!", NewPassword="A-much-longer-Passw0rd!")
    finally:
        iam.delete_account_password_policy()


def test_change_password_refusals(server: LaminaServer) -> None:
    with pytest.raises(ClientError) as raised:
        server.client("iam").change_password(OldPassword=PASSWORD, NewPassword="New-Passw0rd!")
    assert _error(raised) == ("InvalidUserType", "Only IAM Users can change their own password.", 400)
    iam = server.client("iam")
    iam.create_user(UserName="no-profile")
    iam.put_user_policy(UserName="no-profile", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ChangePassword", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="no-profile")["AccessKey"]
    bare = server.client("iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    with pytest.raises(ClientError) as raised:
        bare.change_password(OldPassword=PASSWORD, NewPassword="New-Passw0rd!")
    assert _error(raised) == ("NoSuchEntity", "Login Profile for User no-profile cannot be found.", 404)
    iam.create_user(UserName="unpermitted")
    key = iam.create_access_key(UserName="unpermitted")["AccessKey"]
    denied = server.client("iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    with pytest.raises(ClientError) as raised:
        denied.change_password(OldPassword=PASSWORD, NewPassword="New-Passw0rd!")
    code, message, _ = _error(raised)
    assert code == "AccessDenied" and "iam:ChangePassword" in message
    assert f"arn:aws:iam::{server.account_id}:user/unpermitted" in message


def test_allow_users_to_change_password_needs_no_identity_policy(server: LaminaServer) -> None:
    iam = server.client("iam")
    iam.create_user(UserName="self-service")
    iam.create_login_profile(UserName="self-service", Password=PASSWORD)
    key = iam.create_access_key(UserName="self-service")["AccessKey"]
    own = server.client("iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    iam.update_account_password_policy(AllowUsersToChangePassword=False)
    try:
        with pytest.raises(ClientError) as raised:
            own.change_password(OldPassword=PASSWORD, NewPassword="New-Passw0rd!")
        assert _error(raised)[0] == "AccessDenied"
        iam.update_account_password_policy(AllowUsersToChangePassword=True)
        own.change_password(OldPassword=PASSWORD, NewPassword="New-Passw0rd!")
        with pytest.raises(ClientError) as raised:  # only their own password: nothing else is granted
            own.get_login_profile(UserName="self-service")
        assert _error(raised)[0] == "AccessDenied"
        iam.put_user_policy(UserName="self-service", PolicyName="deny", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:ChangePassword",
                                                    "Resource": "*"}]}))
        with pytest.raises(ClientError) as raised:  # an explicit deny still wins
            own.change_password(OldPassword="New-Passw0rd!", NewPassword="Newer-Passw0rd!")
        assert _error(raised)[0] == "AccessDenied"
    finally:
        iam.delete_account_password_policy()
