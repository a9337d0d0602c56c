"""The errors of IAM's other credentials (certificates, SSH keys, service-specific credentials,
reports) in AWS's words, and a transaction that turns their store errors into them.

Kept apart from ``errors`` so that the kinds only these operations know ("server_certificate",
"ssh_public_key", ...) are worded in one place; everything else falls through to ``from_store``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from lamina.protocols import ServiceError
from lamina.store import AlreadyExists, Connection, LimitExceeded, NotFound, Store, StoreError

from . import _common
from .errors import entity_already_exists, from_store, no_such_entity

_NOT_FOUND = {
    "server_certificate": "The Server Certificate with name {} cannot be found.",
    "signing_certificate": "The Certificate with id {} cannot be found.",
    "ssh_public_key": "The Public Key with id {} cannot be found.",
    "service_specific_credential": "No such credential {} exists",
}

_LIMITS = {
    "ServiceSpecificCredentialsPerUserPerService": "Cannot exceed quota for {}: {}",
}


def _error(error: StoreError) -> ServiceError:
    if isinstance(error, NotFound) and error.kind in _NOT_FOUND:
        return no_such_entity(_NOT_FOUND[error.kind].format(error.name))
    if isinstance(error, AlreadyExists) and error.kind == "server_certificate":
        return entity_already_exists(f"The Server Certificate with name {error.name} already exists.")
    if isinstance(error, LimitExceeded) and error.quota in _LIMITS:
        return ServiceError("LimitExceeded", _LIMITS[error.quota].format(error.quota, error.limit), 409, True)
    return from_store(error)


def transaction(store: Store, *, read_only: bool = False) -> AbstractContextManager[Connection]:
    """A store transaction whose errors leave in AWS's words for these credentials."""
    return _common.transaction(store, read_only=read_only, errors=_error)


def malformed_certificate(message: str) -> ServiceError:
    return ServiceError("MalformedCertificate", message, 400, True)


def key_pair_mismatch() -> ServiceError:
    return ServiceError("KeyPairMismatch", "Public key certificate and private key doesn't match.", 400, True)


def duplicate_certificate() -> ServiceError:
    return ServiceError("DuplicateCertificate", "The same certificate is already associated with an IAM user in "
                        "the account.", 409, True)


def invalid_certificate(message: str) -> ServiceError:
    return ServiceError("InvalidCertificate", message, 400, True)


def unrecognized_public_key_encoding() -> ServiceError:
    return ServiceError("UnrecognizedPublicKeyEncoding", "The public key encoding format is unsupported or "
                        "unrecognized.", 400, True)


def invalid_public_key(message: str) -> ServiceError:
    return ServiceError("InvalidPublicKey", message, 400, True)


def duplicate_ssh_public_key() -> ServiceError:
    return ServiceError("DuplicateSSHPublicKey", "The SSH public key specified is already associated with this "
                        "user.", 400, True)


def no_such_service(service: str) -> ServiceError:
    return no_such_entity(f"No such service {service} is supported for Service Specific Credentials")


def report_not_present() -> ServiceError:
    return ServiceError("ReportNotPresent", "Credential report does not exist. Use GenerateCredentialReport to "
                        "generate a credential report.", 410, True)


def report_expired() -> ServiceError:
    return ServiceError("ReportExpired", "The credential report has expired. Use GenerateCredentialReport to "
                        "generate a new credential report.", 410, True)
