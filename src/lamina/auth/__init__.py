"""Authentication: who signed a request. Today: AWS Signature Version 4 verification (``sigv4``).

    request = SignedRequest(method, raw_path, raw_query, header_pairs, body)
    try:
        signer = verify(request, store.secret_for_access_key, datetime.now(UTC))
    except AuthError as error:
        ...  # error.code / error.rest_json_code, error.message, error.status

Pure functions, no I/O: the server passes the raw request, a secret lookup and the clock.
See docs/auth.md.
"""

from .sigv4 import (
    REST_JSON_CODES,
    AuthError,
    CredentialScope,
    SignatureParts,
    SignedRequest,
    VerifiedSignature,
    canonical_request,
    claimed_access_key,
    parse_authorization,
    parse_presigned,
    signature,
    signing_key,
    string_to_sign,
    verify,
)

__all__ = [
    "REST_JSON_CODES",
    "AuthError",
    "CredentialScope",
    "SignatureParts",
    "SignedRequest",
    "VerifiedSignature",
    "canonical_request",
    "claimed_access_key",
    "parse_authorization",
    "parse_presigned",
    "signature",
    "signing_key",
    "string_to_sign",
    "verify",
]
