"""GetAccountSummary: the account's IAM usage and quotas in AWS's ``SummaryMap`` keys.

Counts come from the store; quotas are AWS's defaults (Lamina enforces those it knows where the
entities are created). The root user never has a password, an MFA device or signing certificates in
Lamina, so ``AccountPasswordPresent``, ``AccountMFAEnabled`` and ``AccountSigningCertificatesPresent``
are 0.
"""

from __future__ import annotations

from typing import Any

from lamina.context import RequestContext
from lamina.services.registry import Authorization, operation
from lamina.store import Store
from lamina.store.repositories import account_summary, mfa_devices, sts_preferences

from ._common import account_of, transaction

QUOTAS = {
    "UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500,
    "InstanceProfilesQuota": 1000, "ServerCertificatesQuota": 20, "UserPolicySizeQuota": 2048,
    "GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240, "PolicySizeQuota": 6144,
    "AssumeRolePolicySizeQuota": 2048, "GroupsPerUserQuota": 10, "SigningCertificatesPerUserQuota": 2,
    "AccessKeysPerUserQuota": 2, "AttachedPoliciesPerGroupQuota": 10, "AttachedPoliciesPerRoleQuota": 10,
    "AttachedPoliciesPerUserQuota": 10, "PolicyVersionsInUseQuota": 10000, "VersionsPerPolicyQuota": 5,
}
"""AWS's default IAM quotas, by their SummaryMap key."""


@operation("iam", "GetAccountSummary", authorization=Authorization(actions=("iam:GetAccountSummary",)))
def get_account_summary(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        counts = account_summary.entity_counts(conn, account_of(ctx))
        devices, devices_in_use = mfa_devices.device_counts(conn, account_of(ctx))
        token_version = sts_preferences.global_endpoint_token_version(conn, account_of(ctx))
    summary: dict[str, int] = {
        "Users": counts["Users"], "Groups": counts["Groups"], "Roles": counts["Roles"],
        "Policies": counts["Policies"], "InstanceProfiles": counts["InstanceProfiles"],
        "PolicyVersionsInUse": counts["PolicyVersionsInUse"],
        "AccountAccessKeysPresent": 1 if counts["RootAccessKeys"] else 0,
        "ServerCertificates": counts["ServerCertificates"], "MFADevices": devices, "MFADevicesInUse": devices_in_use,
        "AccountMFAEnabled": 0, "AccountPasswordPresent": 0, "AccountSigningCertificatesPresent": 0,
        "Providers": counts["Providers"], "GlobalEndpointTokenVersion": 2 if token_version == "v2Token" else 1,
        **QUOTAS,
    }
    return {"SummaryMap": summary}
