"""``sts:GetAccessKeyInfo``: the account an access key id belongs to.

Keys Lamina issued (long-term ``AKIA``, temporary ``ASIA``) answer their own account, whoever
asks and whatever the key's state. For any other id AWS does not look the key up either: the
account is encoded in the id itself (bits 1–40 after the four-letter prefix, base32), and AWS
answers what is encoded even for a key that never existed; Lamina decodes it the same way.
"""

from __future__ import annotations

import base64
import binascii

from lamina.context import RequestContext
from lamina.services.registry import Authorization, operation
from lamina.store import NotFound, Store
from lamina.store.repositories import access_keys, sessions

_ACCOUNT_MASK = 0x7FFFFFFFFF80


def encoded_account(access_key_id: str) -> str:
    """The account id encoded in an AWS access key id (``AKIA…``/``ASIA…``, 20 characters)."""
    body = access_key_id[4:].upper()
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except binascii.Error:
        raw = b""
    value = int.from_bytes(raw[:6].ljust(6, b"\0"), "big")
    return str((value & _ACCOUNT_MASK) >> 7).zfill(12)


def _issued_account(store: Store, access_key_id: str) -> str | None:
    with store.transaction(read_only=True) as conn:
        try:
            return access_keys.get_access_key(conn, access_key_id).account_id
        except NotFound:
            pass
        try:
            return sessions.get_session(conn, access_key_id).spec.account_id
        except NotFound:
            return None


@operation("sts", "GetAccessKeyInfo", authorization=Authorization(actions=("sts:GetAccessKeyInfo",)))
def get_access_key_info(ctx: RequestContext, store: Store) -> dict[str, str]:
    key_id = ctx.params["AccessKeyId"]
    return {"Account": _issued_account(store, key_id) or encoded_account(key_id)}
