"""IAM's errors in AWS's words, built once here (never assembled in handlers).

The store raises typed errors (``AlreadyExists``, ``NotFound``, ...) that say what happened;
``from_store`` turns them into the ``ServiceError`` IAM answers, with AWS's code, status and text.
"""

from __future__ import annotations

from lamina.protocols import ServiceError
from lamina.store import AlreadyExists, DeleteConflict, InvalidMarker, LimitExceeded, NotFound, StoreError

# How IAM names each kind of entity in its messages ("The user with name X cannot be found.").
_KIND_WORDS = {"user": "user", "group": "group", "role": "role", "policy": "policy", "login_profile": "user",
               "access_key": "access key"}


# IAM's DeleteConflict sentences, by (entity kind, what still depends on it).
_DELETE_CONFLICTS = {
    ("user", "login_profile"): "Cannot delete entity, must delete login profile first.",
    ("user", "access_keys"): "Cannot delete entity, must delete access keys first.",
    ("user", "mfa_devices"): "Cannot delete entity, must delete MFA device first.",
    ("mfa_device", "user"): "MFA VirtualDevice in use. Must deactivate first.",
    ("user", "inline_policies"): "Cannot delete entity, must delete policies first.",
    ("user", "attached_policies"): "Cannot delete entity, must detach all policies first.",
    ("user", "groups"): "Cannot delete entity, must remove user from all groups first.",
    # AWS's answer recorded for a service-specific credential; signing certificates and SSH keys alike
    ("user", "service_credentials"): "Cannot delete entity, must remove referenced objects first.",
    ("user", "signing_certificates"): "Cannot delete entity, must remove referenced objects first.",
    ("user", "ssh_public_keys"): "Cannot delete entity, must remove referenced objects first.",
    ("group", "members"): "Cannot delete entity, must remove users from group first.",
    ("group", "inline_policies"): "Cannot delete entity, must delete policies first.",
    ("group", "attached_policies"): "Cannot delete entity, must detach all policies first.",
    ("role", "inline_policies"): "Cannot delete entity, must delete policies first.",
    ("role", "attached_policies"): "Cannot delete entity, must detach all policies first.",
    ("role", "instance_profiles"): "Cannot delete entity, must remove roles from instance profile first.",
    ("instance profile", "roles"): "Cannot delete entity, must remove roles from instance profile first.",
    ("policy", "attachments"): "Cannot delete a policy attached to entities.",
    ("policy", "versions"): "This policy has more than one version. Before you delete a policy, you must delete "
                            "the policy's non-default versions.",
    ("policy version", "default_version"): "Cannot delete the default version of a policy.",
}


def no_such_entity(message: str) -> ServiceError:
    return ServiceError("NoSuchEntity", message, 404, True)


def entity_already_exists(message: str) -> ServiceError:
    return ServiceError("EntityAlreadyExists", message, 409, True)


def limit_exceeded(message: str) -> ServiceError:
    return ServiceError("LimitExceeded", message, 409, True)


def delete_conflict(message: str) -> ServiceError:
    return ServiceError("DeleteConflict", message, 409, True)


def invalid_input(message: str) -> ServiceError:
    return ServiceError("InvalidInput", message, 400, True)


def malformed_policy_document(message: str) -> ServiceError:
    return ServiceError("MalformedPolicyDocument", message, 400, True)


def invalid_arn() -> ServiceError:
    """What IAM answers for a policy ARN it cannot parse (the two spaces are AWS's)."""
    return ServiceError("ValidationError", "Invalid ARN:  Could not be parsed!", 400, True)


def policy_not_attachable(kind: str = "Role") -> ServiceError:
    """An AWS service role policy (``/aws-service-role/``) attached to anything but a service-linked role
    (``kind``: Role, User or Group; AWS's sentence is recorded for roles)."""
    return ServiceError("PolicyNotAttachable", f"Cannot attach a Service Role Policy to a Customer {kind}.", 400,
                        True)


def not_found(kind: str, name: str) -> ServiceError:
    """``NoSuchEntity`` as IAM words it for each kind of entity."""
    kind = kind.replace(" ", "_")  # the store says "login profile", "access key"
    if kind == "password_policy":
        return no_such_entity(f"The Password Policy with domain name {name} cannot be found.")
    if kind == "policy":
        return no_such_entity(f"Policy {name} was not found.")
    if kind == "login_profile":
        return no_such_entity(f"Login Profile for User {name} cannot be found.")
    if kind == "access_key":
        return no_such_entity(f"The Access Key with id {name} cannot be found.")
    if kind == "instance_profile":
        return no_such_entity(f"Instance Profile {name} cannot be found.")
    if kind == "account_alias":
        return no_such_entity(f"The account alias {name} cannot be found.")
    if kind == "deletion_task":
        return no_such_entity(f"Deletion task {name} cannot be found.")
    if kind == "mfa_device":
        return no_such_entity(f"VirtualMFADevice with serial number {name} doesn't exist.")
    return no_such_entity(f"The {_KIND_WORDS.get(kind, kind)} with name {name} cannot be found.")


def already_exists(kind: str, name: str) -> ServiceError:
    """``EntityAlreadyExists`` as IAM words it ("User with name alice already exists.")."""
    kind = kind.replace(" ", "_")
    if kind == "policy":
        return entity_already_exists(f"A policy called {name} already exists. Duplicate names are not allowed.")
    if kind == "login_profile":
        return entity_already_exists(f"Login Profile for user {name} already exists.")
    if kind == "instance_profile":
        return entity_already_exists(f"Instance Profile {name} already exists.")
    if kind == "account_alias":
        return entity_already_exists(f"The account alias {name} already exists.")
    if kind == "mfa_device":
        return entity_already_exists("MFADevice entity at the same path and name already exists.")
    return entity_already_exists(f"{_KIND_WORDS.get(kind, kind).capitalize()} with name {name} already exists.")


def quota_exceeded(quota: str, limit: int) -> ServiceError:
    """``LimitExceeded`` ("Cannot exceed quota for AccessKeysPerUser: 2")."""
    return limit_exceeded(f"Cannot exceed quota for {quota}: {limit}")


def from_store(error: StoreError) -> ServiceError:
    """The AWS error for a store error; handlers call this instead of wording their own."""
    if isinstance(error, NotFound):
        return not_found(error.kind, error.name)
    if isinstance(error, AlreadyExists):
        return already_exists(error.kind, error.name)
    if isinstance(error, LimitExceeded):
        return quota_exceeded(error.quota, error.limit)
    if isinstance(error, InvalidMarker):
        return invalid_input("Invalid Marker.")
    if isinstance(error, DeleteConflict):
        return delete_conflict(_DELETE_CONFLICTS.get((error.kind, error.blocker),
                                                     f"Cannot delete entity, must delete {error.blocker} first."))
    return ServiceError("ServiceFailure", "The request processing has failed because of an unknown error.", 500, False)


def invalid_authentication_code() -> ServiceError:
    """``InvalidAuthenticationCode`` (403): EnableMFADevice's or ResyncMFADevice's codes do not prove the device."""
    return ServiceError("InvalidAuthenticationCode", "Authentication code for device is not valid.", 403, True)


def password_policy_violation(message: str) -> ServiceError:
    """``PasswordPolicyViolation`` (400): a new password breaks the account's password policy."""
    return ServiceError("PasswordPolicyViolation", message, 400, True)


def unmodifiable_entity(message: str) -> ServiceError:
    """``UnmodifiableEntity`` (400): a service-linked role changed through the plain role operations."""
    return ServiceError("UnmodifiableEntity", message, 400, True)
