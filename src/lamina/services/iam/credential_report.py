"""The credential report: GenerateCredentialReport and GetCredentialReport.

One CSV row per user, the root first as ``<root_account>``, in AWS's columns and value forms:
``true``/``false``, ISO 8601 times with ``+00:00``, ``N/A`` where a credential is absent,
``not_supported`` for what the root has no such thing as, ``no_information`` for a password
never used to sign in to the console since Lamina has kept count. The report is
built when generated and kept four hours, as AWS keeps it: Get answers the same text until then,
``ReportExpired`` after, ``ReportNotPresent`` before the first.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from lamina.arn import format_arn
from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import Connection, NotFound, Store
from lamina.store.repositories import (
    access_keys,
    accounts,
    login_profiles,
    mfa_devices,
    reports,
    user_credentials,
    users,
)
from lamina.store.repositories.access_keys import AccessKeyRow
from lamina.store.repositories.user_credentials import SigningCertificateRow

from ._common import account_of
from .credential_errors import report_expired, report_not_present, transaction
from .declarations import derived_authorization

COLUMNS = ("user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
           "password_next_rotation", "mfa_active",
           "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
           "access_key_1_last_used_region", "access_key_1_last_used_service",
           "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
           "access_key_2_last_used_region", "access_key_2_last_used_service",
           "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated")
"""AWS's columns, in AWS's order."""

EXPIRES_AFTER = timedelta(hours=4)
_NA = "N/A"


def _time(value: datetime | None) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat() if value is not None else _NA


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _keys(found: list[AccessKeyRow]) -> list[str]:
    cells: list[str] = []
    for index in range(2):
        key = found[index] if index < len(found) else None
        if key is None:
            cells += ["false", _NA, _NA, _NA, _NA]
            continue
        cells += [_flag(key.status == "Active"), _time(key.created_at), _time(key.last_used_at),
                  key.last_used_region or _NA, key.last_used_service or _NA]
    return cells


def _certs(found: list[SigningCertificateRow]) -> list[str]:
    cells: list[str] = []
    for index in range(2):
        cert = found[index] if index < len(found) else None
        cells += ["false", _NA] if cert is None else [_flag(cert.status == "Active"), _time(cert.created_at)]
    return cells


def _password(conn: Connection, account: str, name: str) -> list[str]:
    """password_enabled, _last_used, _last_changed, _next_rotation for one user."""
    try:
        profile = login_profiles.get_login_profile(conn, account, name)
    except NotFound:
        return ["false", _NA, _NA, _NA]
    try:
        max_age = login_profiles.get_password_policy(conn, account).max_password_age
    except NotFound:
        max_age = None
    rotation = _time(profile.created_at + timedelta(days=max_age)) if max_age else _NA
    last_used = login_profiles.password_last_used(conn, users.get_user(conn, account, name).user_id)
    return ["true", _time(last_used) if last_used else "no_information", _time(profile.created_at), rotation]


def _root_last_used(conn: Connection, account: str) -> str:
    """The root user's latest console sign-in (a password set by ``lamina accounts set-root-password``)."""
    last_used = login_profiles.password_last_used(conn, None, account)
    return _time(last_used) if last_used else "no_information"


def build_report(conn: Connection, account: str) -> str:
    """The CSV text, root row first, then every user by name."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    created = accounts.get_account(conn, account).created_at
    writer.writerow(["<root_account>", format_arn("iam", "", account, "root"),
                     _time(created), "not_supported", _root_last_used(conn, account), "not_supported",
                     "not_supported", "false",
                     *_keys(access_keys.list_access_keys(conn, account, None)),
                     *_certs(user_credentials.list_signing_certificates(conn, account, None))])
    marker: str | None = None
    while True:
        page = users.list_users(conn, account, marker=marker, max_items=1000)
        for user in page.items:
            writer.writerow([user.name, user.arn, _time(user.created_at), *_password(conn, account, user.name),
                             _flag(mfa_devices.user_has_mfa(conn, user.user_id)),
                             *_keys(access_keys.list_access_keys(conn, account, user.name)),
                             *_certs(user_credentials.list_signing_certificates(conn, account, user.name))])
        if page.marker is None:
            return out.getvalue().rstrip("\n")
        marker = page.marker


def _current(conn: Connection, account: str) -> reports.CredentialReport | None:
    try:
        return reports.get_credential_report(conn, account)
    except NotFound:
        return None


@operation("iam", "GenerateCredentialReport", authorization=derived_authorization("iam", "GenerateCredentialReport"))
def generate_credential_report(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """STARTED when a new report is made (none, or the last is older than four hours), else COMPLETE.

    AWS builds the report in the background and answers STARTED, then COMPLETE on a later call;
    Lamina builds it at once (it reads only its own store), so the next call sees it COMPLETE.
    """
    account = account_of(ctx)
    with transaction(store) as conn:
        current = _current(conn, account)
        if current is not None and datetime.now(UTC) - current.generated_at < EXPIRES_AFTER:
            return {"State": "COMPLETE"}
        reports.save_credential_report(conn, account, build_report(conn, account))
    return {"State": "STARTED", "Description": "No report exists. Starting a new report generation task"}


@operation("iam", "GetCredentialReport", authorization=derived_authorization("iam", "GetCredentialReport"))
def get_credential_report(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        current = _current(conn, account_of(ctx))
    if current is None:
        raise report_not_present()
    if datetime.now(UTC) - current.generated_at >= EXPIRES_AFTER:
        raise report_expired()
    return {"Content": current.content.encode(), "ReportFormat": "text/csv", "GeneratedTime": current.generated_at}
