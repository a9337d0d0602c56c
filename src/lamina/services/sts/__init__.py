"""STS operations: GetCallerIdentity, AssumeRole, GetSessionToken, the federation operations
(AssumeRoleWithWebIdentity, AssumeRoleWithSAML, GetFederationToken) and the 2025 ones
(AssumeRoot, GetWebIdentityToken)."""

from . import (
    access_key_info,
    assume_role,
    assume_root,
    caller_identity,
    federation_token,
    outbound,
    saml,
    scoped,
    session_token,
    web_identity,
)

MODULES = (caller_identity, assume_role, session_token, access_key_info, scoped, web_identity, saml, federation_token,
           assume_root, outbound)
"""The STS handler modules (``lamina.services.build_registry`` collects them)."""

__all__ = ["MODULES"]
