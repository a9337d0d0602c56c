"""Time-based one-time passwords (RFC 6238) of virtual MFA devices, with pyotp, and their QR code.

Why a module of its own: IAM checks codes when a device is enabled or resynchronised, STS when a
session is requested with ``TokenCode``; both must accept exactly the same codes. AWS's virtual
devices use the authenticator-app defaults: SHA-1, 6 digits, 30-second steps.

The window: a code is accepted for its own 30-second step and one step either side of the device's
clock (the server's clock plus the drift ResyncMFADevice measured), so about ±30 seconds of skew.
Each accepted code is remembered by its step; a code at or before that step is refused (the store
does that part). Resynchronising searches ±10 steps (5 minutes) for two consecutive codes.
"""

from __future__ import annotations

import io
import time

import pyotp
import segno
from pyotp.utils import strings_equal

STEP_SECONDS = 30
WINDOW = 1
"""Steps accepted either side of the device's current step when a code is used."""
RESYNC_WINDOW = 10
"""Steps searched either side when a device is enabled or resynchronised (its clock may be off)."""
ISSUER = "Amazon Web Services"


def new_seed() -> str:
    """A fresh 64-character Base32 seed (320 random bits), the length AWS gives virtual devices."""
    return pyotp.random_base32(64)


def current_step(at: float | None = None) -> int:
    """The TOTP time step of ``at`` (now by default)."""
    return int((time.time() if at is None else at) // STEP_SECONDS)


def _code(totp: pyotp.TOTP, step: int) -> str:
    return totp.generate_otp(step)


def matching_step(seed: str, code: str, center: int, window: int = WINDOW) -> int | None:
    """The step within ``window`` of ``center`` whose code is ``code``, latest first; None when none."""
    totp = pyotp.TOTP(seed)
    for step in range(center + window, center - window - 1, -1):
        if strings_equal(_code(totp, step), code):
            return step
    return None


def consecutive_step(seed: str, first: str, second: str, center: int, window: int = RESYNC_WINDOW) -> int | None:
    """The step of ``second`` when ``first`` and ``second`` are the codes of two consecutive steps
    within ``window`` of ``center`` (EnableMFADevice's and ResyncMFADevice's proof); else None."""
    totp = pyotp.TOTP(seed)
    for step in range(center + window, center - window - 1, -1):
        if strings_equal(_code(totp, step), second) and strings_equal(_code(totp, step - 1), first):
            return step
    return None


def drift_of(step: int, center: int) -> int:
    """The drift to remember after codes of ``step`` were proven around ``center``: none while they
    fall within the ordinary window (so that a few seconds of jitter never shifts it)."""
    return step - center if abs(step - center) > WINDOW else 0


def provisioning_uri(seed: str, device_name: str, account_id: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app scans, labelled as AWS labels it."""
    return pyotp.TOTP(seed).provisioning_uri(name=f"{device_name}@{account_id}", issuer_name=ISSUER)


def qr_code_png(uri: str) -> bytes:
    """A PNG of the QR code encoding ``uri`` (error correction M, 4-module quiet zone)."""
    out = io.BytesIO()
    segno.make_qr(uri, error="m").save(out, kind="png", scale=4)
    return out.getvalue()
