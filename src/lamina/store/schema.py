"""The store's tables (SQLAlchemy Core), portable across SQLite and PostgreSQL.

Rules kept here: every row carries ``account_id`` (except the audit trail, which outlives an
account, and content-addressed Lambda code, which is the same bytes whoever uploaded it); names
AWS compares case-insensitively are unique on a stored ``name_lower`` column (portable, unlike
expression indexes); principals and policies are referenced by their unique id (AIDA…, AGPA…,
AROA…), so a rename touches one row and a re-created user never inherits its predecessor's keys
or tags. Lambda functions are keyed the same way (``function_id``), names case-sensitive.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

SCHEMA_VERSION = 11
"""1: the first tables. 2: ``sessions.source_id`` and ``named_principals``. 3: the Lambda tables.
4: Lambda layers. 5: the queue of Event invocations and linked code directories. 6: the
CloudWatch Logs tables. 7: instance profiles and service-linked role deletion tasks. 8: IAM's other
credentials (server and signing certificates, SSH keys, service-specific credentials), credential
reports, last-accessed jobs and account properties. 9: virtual MFA devices, STS preferences and
``sessions.mfa_authenticated_at``. 10: OIDC and SAML identity providers, outbound web identity
federation and ``sessions.context_keys``. 11: the root user's console password and
``login_profiles.password_last_used`` (see ``migrations.py``)."""

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the backend stores."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _account() -> Column[str]:
    return Column("account_id", String(12), ForeignKey("accounts.account_id"), nullable=False)


def _created() -> Column[datetime]:
    return Column("created_at", UtcDateTime(), nullable=False)


schema_version = Table("schema_version", metadata, Column("version", Integer, primary_key=True))

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("alias", String(63), unique=True),
    _created(),
)


def _named_columns(length: int) -> list[Column[Any]]:
    return [
        Column("name", String(length), nullable=False),
        Column("name_lower", String(length), nullable=False),
        Column("path", String(512), nullable=False),
    ]


users = Table(
    "users",
    metadata,
    Column("user_id", String(21), primary_key=True),
    _account(),
    *_named_columns(64),
    Column("permissions_boundary", String(2048)),
    _created(),
    UniqueConstraint("account_id", "name_lower"),
)

groups = Table(
    "groups",
    metadata,
    Column("group_id", String(21), primary_key=True),
    _account(),
    *_named_columns(128),
    _created(),
    UniqueConstraint("account_id", "name_lower"),
)

group_members = Table(
    "group_members",
    metadata,
    _account(),
    Column("group_id", String(21), ForeignKey("groups.group_id"), nullable=False),
    Column("user_id", String(21), ForeignKey("users.user_id"), nullable=False),
    PrimaryKeyConstraint("group_id", "user_id"),
    Index(None, "user_id"),
)

roles = Table(
    "roles",
    metadata,
    Column("role_id", String(21), primary_key=True),
    _account(),
    *_named_columns(64),
    Column("assume_role_policy", Text, nullable=False),
    Column("description", String(1000)),
    Column("max_session_duration", Integer, nullable=False),
    Column("permissions_boundary", String(2048)),
    _created(),
    UniqueConstraint("account_id", "name_lower"),
)

managed_policies = Table(
    "managed_policies",
    metadata,
    Column("policy_id", String(21), primary_key=True),
    _account(),
    *_named_columns(128),
    Column("arn", String(2048), nullable=False, unique=True),
    Column("description", String(1000)),
    Column("next_version", Integer, nullable=False),
    _created(),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("account_id", "name_lower"),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("policy_id", String(21), ForeignKey("managed_policies.policy_id"), nullable=False),
    Column("version_number", Integer, nullable=False),
    Column("document", Text, nullable=False),
    Column("is_default", Boolean, nullable=False),
    _created(),
    PrimaryKeyConstraint("policy_id", "version_number"),
)
# At most one default per policy (a partial unique index); the repository keeps it at exactly one.
Index(
    "uq_policy_versions_one_default",
    policy_versions.c.policy_id,
    unique=True,
    sqlite_where=policy_versions.c.is_default.is_(True),
    postgresql_where=policy_versions.c.is_default.is_(True),
)

_OWNER_KINDS = "owner_kind IN ('user', 'group', 'role')"

attachments = Table(
    "attachments",
    metadata,
    _account(),
    Column("owner_kind", String(8), nullable=False),
    Column("owner_id", String(21), nullable=False),
    Column("policy_arn", String(2048), nullable=False),
    _created(),
    PrimaryKeyConstraint("owner_kind", "owner_id", "policy_arn"),
    CheckConstraint(_OWNER_KINDS, name="owner_kind"),
    Index(None, "policy_arn"),
)

inline_policies = Table(
    "inline_policies",
    metadata,
    _account(),
    Column("owner_kind", String(8), nullable=False),
    Column("owner_id", String(21), nullable=False),
    Column("policy_name", String(128), nullable=False),
    Column("document", Text, nullable=False),
    PrimaryKeyConstraint("owner_kind", "owner_id", "policy_name"),
    CheckConstraint(_OWNER_KINDS, name="owner_kind"),
)

tags = Table(
    "tags",
    metadata,
    _account(),
    Column("resource_kind", String(16), nullable=False),
    Column("resource_id", String(2048), nullable=False),
    Column("key", String(128), nullable=False),
    Column("key_lower", String(128), nullable=False),
    Column("value", String(256), nullable=False),
    PrimaryKeyConstraint("resource_kind", "resource_id", "key_lower"),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("access_key_id", String(20), primary_key=True),
    _account(),
    Column("user_id", String(21), ForeignKey("users.user_id")),  # NULL: the account's root
    Column("secret", LargeBinary, nullable=False),  # SecretBox ciphertext, never plaintext
    Column("status", String(8), nullable=False),
    _created(),
    Column("last_used_at", UtcDateTime()),
    Column("last_used_service", String(64)),
    Column("last_used_region", String(32)),
    CheckConstraint("status IN ('Active', 'Inactive')", name="status"),
    Index(None, "account_id", "user_id"),
)

login_profiles = Table(
    "login_profiles",
    metadata,
    Column("user_id", String(21), ForeignKey("users.user_id"), primary_key=True),
    _account(),
    Column("password_hash", String(255), nullable=False),
    Column("password_reset_required", Boolean, nullable=False),
    _created(),
    Column("password_last_used", UtcDateTime()),  # the latest console sign-in (GetUser's PasswordLastUsed)
)

root_login_profiles = Table(
    "root_login_profiles",  # the root user's console password (``lamina accounts set-root-password``)
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.account_id"), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    _created(),
    Column("password_last_used", UtcDateTime()),  # the root user's latest console sign-in
)

account_password_policy = Table(
    "account_password_policy",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.account_id"), primary_key=True),
    Column("minimum_password_length", Integer, nullable=False),
    Column("require_symbols", Boolean, nullable=False),
    Column("require_numbers", Boolean, nullable=False),
    Column("require_uppercase", Boolean, nullable=False),
    Column("require_lowercase", Boolean, nullable=False),
    Column("allow_users_to_change_password", Boolean, nullable=False),
    Column("max_password_age", Integer),
    Column("password_reuse_prevention", Integer),
    Column("hard_expiry", Boolean, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("access_key_id", String(20), primary_key=True),  # ASIA…
    _account(),
    Column("secret", LargeBinary, nullable=False),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # assumed-role | federated-user | session-token
    Column("principal_arn", String(2048), nullable=False),
    Column("principal_id", String(128), nullable=False),
    Column("source_arn", String(2048), nullable=False),  # the role, user or root behind it
    Column("source_id", String(21), nullable=False),  # its unique id (AROA…, AIDA…; the account id for root)
    Column("session_name", String(64)),
    Column("source_identity", String(64)),
    Column("session_policies", Text, nullable=False),  # JSON list of policy documents
    Column("session_policy_arns", Text, nullable=False),  # JSON list of ARNs
    Column("tags", Text, nullable=False),  # JSON object
    Column("transitive_tag_keys", Text, nullable=False),  # JSON list
    _created(),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("mfa_authenticated_at", UtcDateTime()),  # when a TOTP code was verified for it (or its parent)
    # JSON object: condition keys a federated session carries into every decision (aws:FederatedProvider,
    # the identity provider's <issuer>:sub, :aud, saml:sub, ...)
    Column("context_keys", Text, nullable=False, server_default="{}"),
    Index(None, "expires_at"),
)

# Virtual MFA devices. The serial number is the device ARN (arn:aws:iam::ACCT:mfa/PATH/NAME); the
# TOTP seed is SecretBox ciphertext bound to it. ``last_step`` is the latest TOTP time step accepted
# (a code at or before it is refused: each code works once); ``drift`` the steps ResyncMFADevice found
# the device's clock off by.
mfa_devices = Table(
    "mfa_devices",
    metadata,
    Column("serial_number", String(256), primary_key=True),
    _account(),
    Column("name", String(226), nullable=False),
    Column("path", String(512), nullable=False),
    Column("seed", LargeBinary, nullable=False),
    Column("user_id", String(21), ForeignKey("users.user_id")),  # NULL: unassigned
    Column("enabled_at", UtcDateTime()),
    Column("last_step", BigInteger),
    Column("drift", Integer, nullable=False, default=0),
    _created(),
    Index(None, "account_id", "user_id"),
)

# Per-account STS settings (SetSecurityTokenServicePreferences); no row: AWS's default (v1Token).
sts_preferences = Table(
    "sts_preferences",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.account_id"), primary_key=True),
    Column("global_endpoint_token_version", String(8), nullable=False),
)

# IAM's identity providers, keyed by their ARN (``oidc-provider/HOST/PATH``, ``saml-provider/NAME``),
# which is all AWS names them by; their tags live in ``tags`` under kinds ``oidc-provider`` and
# ``saml-provider``.
oidc_providers = Table(
    "oidc_providers",
    metadata,
    Column("arn", String(2048), primary_key=True),
    _account(),
    Column("url", String(255), nullable=False),  # without https://, as the ARN and GetOpenIDConnectProvider show it
    Column("client_ids", Text, nullable=False),  # JSON list, in the order added
    Column("thumbprints", Text, nullable=False),  # JSON list
    _created(),
)

saml_providers = Table(
    "saml_providers",
    metadata,
    Column("arn", String(2048), primary_key=True),
    _account(),
    Column("name", String(128), nullable=False),
    Column("uuid", String(36), nullable=False),
    Column("metadata_document", Text, nullable=False),
    Column("valid_until", UtcDateTime(), nullable=False),
    _created(),
)

# Outbound web identity federation (IAM's Enable/DisableOutboundWebIdentityFederation): one row per
# account that ever enabled it; the issuer stays the same when it is enabled again.
outbound_web_identity = Table(
    "outbound_web_identity",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.account_id"), primary_key=True),
    Column("issuer_id", String(64), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("signing_keys", LargeBinary, nullable=False),  # SecretBox ciphertext of the JSON {alg: private PEM}
)

# The IAM users and roles a stored policy document names, by the unique id they had when it was
# written (AWS's own transformation of a principal ARN): ``owner`` is the document's holder, e.g.
# ("role-trust", AROA…) for a role's trust policy, or a Lambda function's resource policy later.
named_principals = Table(
    "named_principals",
    metadata,
    _account(),
    Column("owner_kind", String(16), nullable=False),
    Column("owner_id", String(2048), nullable=False),
    Column("principal_arn", String(2048), nullable=False),
    Column("principal_id", String(21), nullable=False),
    PrimaryKeyConstraint("owner_kind", "owner_id", "principal_arn"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(12), nullable=False),  # no FK: the trail outlives the account
    Column("time", UtcDateTime(), nullable=False),
    Column("principal_arn", String(2048)),
    Column("action", String(256), nullable=False),
    Column("resource", String(2048)),
    Column("source_ip", String(64)),
    Column("decision", String(16), nullable=False),
    Column("statements", Text, nullable=False),  # JSON list of deciding statements
    Index(None, "account_id", "event_id"),
)


# Lambda. Function code by SHA-256 (hex of the raw digest; Lambda's ``CodeSha256`` is its base64),
# shared by every version that has the same bytes; ``lambda_code.prune`` drops unreferenced blobs.
lambda_code = Table(
    "lambda_code",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("zip", LargeBinary, nullable=False),
    _created(),
)

# One row per function; names are case-sensitive (AWS: "The function name is case-sensitive"),
# so the unique key is the name as written. ``next_version`` only grows: version numbers are never
# reused, even after the highest one is deleted.
lambda_functions = Table(
    "lambda_functions",
    metadata,
    Column("function_id", String(36), primary_key=True),
    _account(),
    Column("region", String(32), nullable=False),
    Column("name", String(64), nullable=False),
    Column("next_version", Integer, nullable=False),
    Column("reserved_concurrency", Integer),  # NULL: no PutFunctionConcurrency
    _created(),
    UniqueConstraint("account_id", "region", "name"),
)

# $LATEST is version_number 0 (so it sorts first), published versions 1, 2, …; ``config`` is the
# handler's FunctionConfiguration mapping as JSON, uninterpreted; ``source_digest`` (published
# versions only) fingerprints the $LATEST they were copied from, to spot a publish with no change.
lambda_versions = Table(
    "lambda_versions",
    metadata,
    Column("function_id", String(36), ForeignKey("lambda_functions.function_id"), nullable=False),
    Column("version_number", Integer, nullable=False),
    _account(),
    Column("config", Text, nullable=False),
    Column("code_sha256", String(64), ForeignKey("lambda_code.sha256"), nullable=False),
    Column("code_size", Integer, nullable=False),
    Column("revision_id", String(36), nullable=False),
    Column("last_modified", UtcDateTime(), nullable=False),
    Column("state", String(16)),
    Column("state_reason", String(1024)),
    Column("state_reason_code", String(64)),
    Column("last_update_status", String(16)),
    Column("last_update_status_reason", String(1024)),
    Column("last_update_status_reason_code", String(64)),
    Column("source_digest", String(64)),
    PrimaryKeyConstraint("function_id", "version_number"),
    Index(None, "code_sha256"),
)

# An alias points at a version (0 = $LATEST) that must exist (the composite foreign key), plus
# the additional version weights of its routing config (JSON object, version → weight).
lambda_aliases = Table(
    "lambda_aliases",
    metadata,
    Column("function_id", String(36), nullable=False),
    Column("name", String(128), nullable=False),
    _account(),
    Column("version_number", Integer, nullable=False),
    Column("description", String(256), nullable=False),
    Column("routing", Text, nullable=False),
    Column("revision_id", String(36), nullable=False),
    PrimaryKeyConstraint("function_id", "name"),
    ForeignKeyConstraint(
        ["function_id", "version_number"], ["lambda_versions.function_id", "lambda_versions.version_number"]
    ),
)

# A resource-based policy per function (qualifier ''), published version ('1', …) or alias name.
lambda_policies = Table(
    "lambda_policies",
    metadata,
    Column("function_id", String(36), ForeignKey("lambda_functions.function_id"), nullable=False),
    Column("qualifier", String(128), nullable=False),
    _account(),
    Column("document", Text, nullable=False),
    Column("revision_id", String(36), nullable=False),
    PrimaryKeyConstraint("function_id", "qualifier"),
)

# A function URL per function (qualifier '', i.e. $LATEST) or alias; ``url_id`` is the host label.
lambda_url_configs = Table(
    "lambda_url_configs",
    metadata,
    Column("function_id", String(36), ForeignKey("lambda_functions.function_id"), nullable=False),
    Column("qualifier", String(128), nullable=False),
    _account(),
    Column("url_id", String(32), nullable=False, unique=True),
    Column("auth_type", String(16), nullable=False),
    Column("cors", Text),  # JSON object; NULL when none was given
    Column("invoke_mode", String(32), nullable=False),
    _created(),
    Column("last_modified", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("function_id", "qualifier"),
)


# Lambda layers. One row per layer name (case-sensitive, as function names); ``next_version`` only
# grows, so a version number is never reused, even after every version was deleted (AWS).
lambda_layers = Table(
    "lambda_layers",
    metadata,
    Column("layer_id", String(36), primary_key=True),
    _account(),
    Column("region", String(32), nullable=False),
    Column("name", String(140), nullable=False),
    Column("next_version", Integer, nullable=False),
    _created(),
    UniqueConstraint("account_id", "region", "name"),
)

# A layer version's content is a zip in ``lambda_code`` (by SHA-256, shared with functions);
# the compatible runtimes and architectures are JSON lists, NULL when the publish left them out.
# DeleteLayerVersion sets ``deleted_at`` and keeps the row: functions that use the version keep
# its content (AWS), and the runtime still finds it by ARN.
lambda_layer_versions = Table(
    "lambda_layer_versions",
    metadata,
    Column("layer_id", String(36), ForeignKey("lambda_layers.layer_id"), nullable=False),
    Column("version_number", Integer, nullable=False),
    _account(),
    Column("description", String(256), nullable=False),
    Column("compatible_runtimes", Text),
    Column("compatible_architectures", Text),
    Column("license_info", String(512)),
    Column("code_sha256", String(64), ForeignKey("lambda_code.sha256"), nullable=False),
    Column("code_size", Integer, nullable=False),
    _created(),
    Column("deleted_at", UtcDateTime()),
    PrimaryKeyConstraint("layer_id", "version_number"),
    Index(None, "code_sha256"),
)

# The resource-based policy of one layer version (AddLayerVersionPermission's statements).
lambda_layer_policies = Table(
    "lambda_layer_policies",
    metadata,
    Column("layer_id", String(36), nullable=False),
    Column("version_number", Integer, nullable=False),
    _account(),
    Column("document", Text, nullable=False),
    Column("revision_id", String(36), nullable=False),
    PrimaryKeyConstraint("layer_id", "version_number"),
    ForeignKeyConstraint(["layer_id", "version_number"],
                         ["lambda_layer_versions.layer_id", "lambda_layer_versions.version_number"]),
)

lambda_async_invocations = Table(
    "lambda_async_invocations",
    metadata,
    Column("request_id", String(36), primary_key=True),
    _account(),
    Column("region", String(32), nullable=False),
    Column("function_name", String(64), nullable=False),
    Column("qualifier", String(128), nullable=False),  # as invoked; '' for the unqualified function
    Column("payload", LargeBinary, nullable=False),
    Column("client_context", Text),
    Column("attempts", Integer, nullable=False),  # attempts made so far; AWS makes at most three
    Column("due_at", UtcDateTime(), nullable=False),  # not before: now, or after a retry's wait
    Column("claimed_until", UtcDateTime()),  # a node is running it until then; NULL when waiting
    _created(),
    Index("ix_lambda_async_invocations_due", "due_at"),
)
"""Event invocations waiting to run (``InvocationType=Event``): in the store, so they survive a
restart and several nodes can share them (a claim is a row update; PostgreSQL skips locked rows)."""

lambda_code_links = Table(
    "lambda_code_links",
    metadata,
    Column("function_id", String(36), ForeignKey("lambda_functions.function_id"), primary_key=True),
    _account(),
    Column("directory", Text, nullable=False),  # an absolute path on the node that runs the function
    _created(),
)
"""Lamina's own: a function whose $LATEST runs a local directory's current files (``lamina functions link``)."""

# CloudWatch Logs: the functions' logs. Names are case-sensitive; times of events are epoch
# milliseconds, as the API speaks them. A group's ``event_count`` and ``stored_bytes`` (an event
# counts its UTF-8 message plus 26 bytes, as AWS meters it) are kept on write so that the cap
# (``repositories.log_events``) is checked without a scan.
log_groups = Table(
    "log_groups",
    metadata,
    Column("group_id", Integer, primary_key=True, autoincrement=True),
    _account(),
    Column("region", String(32), nullable=False),
    Column("name", String(512), nullable=False),
    Column("retention_days", Integer),  # NULL: kept until the cap drops them
    Column("event_count", Integer, nullable=False),
    Column("stored_bytes", BigInteger, nullable=False),
    _created(),
    UniqueConstraint("account_id", "region", "name"),
)

log_streams = Table(
    "log_streams",
    metadata,
    Column("stream_id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", Integer, ForeignKey("log_groups.group_id"), nullable=False),
    Column("name", String(512), nullable=False),
    Column("first_event_ms", BigInteger),
    Column("last_event_ms", BigInteger),
    Column("last_ingestion_ms", BigInteger),
    _created(),
    UniqueConstraint("group_id", "name"),
)

# ``event_id`` is the ingestion order (what the cap drops first) and the API's ``eventId``; 64-bit on
# PostgreSQL (events come and go, ids only grow), SQLite's INTEGER PRIMARY KEY (its rowid) there.
log_events = Table(
    "log_events",
    metadata,
    Column("event_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("group_id", Integer, ForeignKey("log_groups.group_id"), nullable=False),
    Column("stream_id", Integer, ForeignKey("log_streams.stream_id"), nullable=False),
    Column("timestamp_ms", BigInteger, nullable=False),
    Column("ingestion_ms", BigInteger, nullable=False),
    Column("size", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Index(None, "group_id", "timestamp_ms", "event_id"),
    Index(None, "stream_id", "timestamp_ms", "event_id"),
)


# IAM instance profiles (AIPA…), names unique case-insensitively per account like roles; AWS lets
# a profile hold at most one role, which the repository enforces (LimitExceeded), not the schema.
instance_profiles = Table(
    "instance_profiles",
    metadata,
    Column("instance_profile_id", String(21), primary_key=True),
    _account(),
    *_named_columns(128),
    _created(),
    UniqueConstraint("account_id", "name_lower"),
)

instance_profile_roles = Table(
    "instance_profile_roles",
    metadata,
    _account(),
    Column("instance_profile_id", String(21), ForeignKey("instance_profiles.instance_profile_id"), nullable=False),
    Column("role_id", String(21), ForeignKey("roles.role_id"), nullable=False),
    PrimaryKeyConstraint("instance_profile_id", "role_id"),
    Index(None, "role_id"),
)

# DeleteServiceLinkedRole's tasks: ``status`` SUCCEEDED or FAILED (Lamina decides at once), and
# for a failure the reason and the resources that still use the role (JSON, AWS's RoleUsageList).
service_linked_role_deletions = Table(
    "service_linked_role_deletions",
    metadata,
    Column("task_id", String(1000), primary_key=True),
    _account(),
    Column("role_name", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    _created(),
    CheckConstraint("status IN ('SUCCEEDED', 'IN_PROGRESS', 'FAILED', 'NOT_STARTED')", name="status"),
)


# IAM's other credentials. Server certificates are account-wide and named (case-insensitive, like
# every IAM name); the others belong to a user (by its unique id, like access keys). A private key
# is SecretBox ciphertext bound to the certificate id; a service password is kept as its SHA-256
# only (it is random and high-entropy, shown once at creation or reset and never again).
server_certificates = Table(
    "server_certificates",
    metadata,
    Column("certificate_id", String(21), primary_key=True),  # ASCA…
    _account(),
    *_named_columns(128),
    Column("body", Text, nullable=False),
    Column("chain", Text),
    Column("private_key", LargeBinary, nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    _created(),
    UniqueConstraint("account_id", "name_lower"),
)

signing_certificates = Table(
    "signing_certificates",
    metadata,
    Column("certificate_id", String(128), primary_key=True),
    _account(),
    Column("user_id", String(21), ForeignKey("users.user_id")),  # NULL: the account's root
    Column("body", Text, nullable=False),
    Column("status", String(8), nullable=False),
    _created(),
    Index(None, "account_id", "user_id"),
)

ssh_public_keys = Table(
    "ssh_public_keys",
    metadata,
    Column("key_id", String(21), primary_key=True),  # APKA…
    _account(),
    Column("user_id", String(21), ForeignKey("users.user_id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(8), nullable=False),
    _created(),
    Index(None, "user_id"),
)

service_specific_credentials = Table(
    "service_specific_credentials",
    metadata,
    Column("credential_id", String(21), primary_key=True),  # ACCA…
    _account(),
    Column("user_id", String(21), ForeignKey("users.user_id"), nullable=False),
    Column("service_name", String(128), nullable=False),
    Column("service_user_name", String(200), nullable=False),
    Column("secret_digest", String(64), nullable=False),
    Column("status", String(8), nullable=False),
    Column("expires_at", UtcDateTime()),
    _created(),
    Index(None, "user_id"),
)

# The last credential report of each account (its CSV, as GetCredentialReport returns it) and the
# service-last-accessed jobs: both computed when asked for, kept so that Get* answers the same text.
credential_reports = Table(
    "credential_reports",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.account_id"), primary_key=True),
    Column("content", Text, nullable=False),
    _created(),
)

last_accessed_jobs = Table(
    "last_accessed_jobs",
    metadata,
    Column("job_id", String(36), primary_key=True),
    _account(),
    Column("kind", String(16), nullable=False),  # service | organizations
    Column("entity_arn", String(2048), nullable=False),
    Column("granularity", String(16), nullable=False),
    Column("result", Text, nullable=False),  # JSON: the services and their last access
    _created(),
    Column("completed_at", UtcDateTime(), nullable=False),
)

# GetAccountProperties/PutAccountProperties: ``Namespace/PropertyName`` to value, per account.
account_properties = Table(
    "account_properties",
    metadata,
    _account(),
    Column("name", String(50), nullable=False),
    Column("value", String(1024), nullable=False),
    PrimaryKeyConstraint("account_id", "name"),
)
