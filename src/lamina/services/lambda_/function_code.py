"""Function code: what Lamina accepts (a zip in the request), its checks, and where GetFunction says it is.

Lamina has no object storage, so code arrives as ``ZipFile`` only; an S3 location or a container
image is refused with a sentence that says why. The zip is stored by its SHA-256
(``lambda_code``), which is also ``CodeSha256``. Its unzipped size is read from the archive's
directory (the sum of the entries' sizes), never by extracting it.
"""

from __future__ import annotations

import base64
import functools
import io
import time
import zipfile
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag

from lamina.settings import Settings
from lamina.store import Connection
from lamina.store.crypto import SecretBox
from lamina.store.repositories import lambda_code

from .errors import InvalidParameterValueException

__all__ = ["CODE_PATH", "LOCATION_SECONDS", "code_location", "location_valid", "store_zip", "zip_from"]

UNZIPPED_LIMIT = 262_144_000
LOCATION_SECONDS = 600
"""How long GetFunction's ``Code.Location`` stays valid (AWS: 10 minutes)."""
CODE_PATH = "/_lamina/code/"
LOCATION_CONTEXT = "lambda-code-location"
NO_OBJECT_STORAGE = ("Lamina has no object storage: S3Bucket and S3Key are not available. Pass the deployment "
                     "package as ZipFile (aws lambda create-function --zip-file fileb://function.zip).")
NO_IMAGES = ("Lamina runs zip packages only: container images (ImageUri, PackageType Image) are not available. "
             "Pass the deployment package as ZipFile with PackageType Zip.")


def zip_from(code: Mapping[str, Any], package_type: str | None = "Zip") -> bytes:
    """The zip a request's code members hold; AWS-shaped errors for what Lamina cannot take."""
    if package_type == "Image" or code.get("ImageUri") is not None:
        raise InvalidParameterValueException(NO_IMAGES)
    if code.get("S3Bucket") is not None or code.get("S3Key") is not None or code.get("S3ObjectVersion"):
        raise InvalidParameterValueException(NO_OBJECT_STORAGE)
    data = code.get("ZipFile")
    if data is None:
        raise InvalidParameterValueException("Please provide a source for function code.")
    return check_zip(bytes(data))


def check_zip(data: bytes) -> bytes:
    """``data`` when it is a zip Lambda would take: readable, and under 250 MB unzipped. (The 50 MB
    zipped limit is the request body's, refused before the body is read: ``lamina.limits``.)"""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InvalidParameterValueException(
            "Could not unzip uploaded file. Please check your file, then try to upload again.") from None
    if unzipped >= UNZIPPED_LIMIT:
        raise InvalidParameterValueException(f"Unzipped size must be smaller than {UNZIPPED_LIMIT} bytes")
    return data


def store_zip(conn: Connection, data: bytes) -> str:
    """Store the zip (once per content); its hex SHA-256, the key versions reference it by."""
    return lambda_code.put_code(conn, data).sha256


def code_location(settings: Settings, box: SecretBox, sha256_hex: str, now: float | None = None) -> str:
    """GetFunction's ``Code.Location``: a URL on Lamina itself, signed and valid ten minutes.

    The signature seals the digest and the expiry with the node key (AES-GCM, so it cannot be
    forged or altered), and the URL can be handed on without credentials, as AWS's presigned S3
    URL can; every node sharing the key can check it."""
    expires = int((now if now is not None else time.time()) + LOCATION_SECONDS)
    return _sealed_location(box, settings.endpoint, sha256_hex, expires)


@functools.lru_cache(maxsize=256)
def _sealed_location(box: SecretBox, endpoint: str, sha256_hex: str, expires: int) -> str:
    """The URL for this code and expiry second. Memoised: every GetFunction of the same code within
    one second is handed the same URL, which grants exactly what a freshly sealed one would (the
    same digest until the same second), and the seal's AES-GCM and random nonce are paid once."""
    sealed = box.encrypt(f"{sha256_hex}\n{expires}", context=LOCATION_CONTEXT)
    signature = base64.urlsafe_b64encode(sealed).decode().rstrip("=")
    return f"{endpoint}{CODE_PATH}{sha256_hex}?X-Amz-Expires={expires}&X-Amz-Signature={signature}"


def location_valid(box: SecretBox, sha256_hex: str, expires: int, signature: str, now: float | None = None) -> bool:
    """True when a code URL's signature seals this digest and expiry, and it has not expired."""
    if expires < (now if now is not None else time.time()):
        return False
    try:
        sealed = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        return box.decrypt(sealed, context=LOCATION_CONTEXT) == f"{sha256_hex}\n{expires}"
    except (ValueError, InvalidTag):
        return False
