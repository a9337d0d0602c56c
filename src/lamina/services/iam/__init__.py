"""IAM operations, one module per group (users, groups, roles, policies, ...).

``MODULES`` lists the modules whose operations Lamina serves; ``lamina.services.build_registry``
collects them. Adding a module means adding it here: nothing registers itself on import.
"""

from . import (
    access_keys,
    account_alias,
    account_details,
    account_summary,
    attachments,
    boundaries,
    change_password,
    credential_report,
    groups,
    inline_policies,
    instance_profiles,
    last_accessed,
    login_profiles,
    mfa_devices,
    oidc_providers,
    outbound_federation,
    policies,
    prerequisites,
    role_policy_tags,
    roles,
    saml_providers,
    server_certificates,
    service_credentials,
    service_linked_roles,
    simulator,
    sts_preferences,
    user_certificates,
    user_tags,
    users,
    virtual_mfa_devices,
)

MODULES = (users, groups, roles, policies, attachments, boundaries, inline_policies, role_policy_tags, user_tags,
           access_keys, login_profiles, account_details, simulator, service_linked_roles, instance_profiles,
           account_alias, account_summary, change_password, service_credentials, server_certificates,
           user_certificates, credential_report, last_accessed, prerequisites, virtual_mfa_devices, mfa_devices,
           sts_preferences, oidc_providers, saml_providers, outbound_federation)
"""The IAM handler modules, in the order their operations are collected."""

__all__ = ["MODULES"]
