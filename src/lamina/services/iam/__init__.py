"""IAM operations, one module per group (users, groups, roles, policies, ...).

``MODULES`` lists the modules whose operations Lamina serves; ``lamina.services.build_registry``
collects them. Adding a module means adding it here: nothing registers itself on import.
"""

from . import (
    access_keys,
    account_details,
    attachments,
    boundaries,
    groups,
    inline_policies,
    login_profiles,
    oidc_providers,
    outbound_federation,
    policies,
    role_policy_tags,
    roles,
    saml_providers,
    simulator,
    user_tags,
    users,
)

MODULES = (users, groups, roles, policies, attachments, boundaries, inline_policies, role_policy_tags, user_tags,
           access_keys, login_profiles, account_details, simulator, oidc_providers, saml_providers,
           outbound_federation)
"""The IAM handler modules, in the order their operations are collected."""

__all__ = ["MODULES"]
