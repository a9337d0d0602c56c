"""Identifiers, the SecretBox and password hashes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from lamina.store import SecretBox, ids
from lamina.store.crypto import same_secret, token_digest
from lamina.store.passwords import hash_password, needs_rehash, verify_password


def test_identifier_shapes() -> None:
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", ids.unique_id(ids.USER))
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", ids.access_key_id())
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", ids.access_key_id(ids.TEMPORARY_KEY))
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", ids.secret_access_key())
    assert re.fullmatch(r"[1-9][0-9]{11}", ids.account_id())
    assert len({ids.unique_id(ids.ROLE) for _ in range(100)}) == 100


def test_secret_box_round_trip_bound_to_context() -> None:
    box = SecretBox.ephemeral()
    blob = box.encrypt("wJalrXUtnFEMI/K7MDENG", context="AKIAEXAMPLE")
    assert b"wJalrXUtnFEMI" not in blob
    assert box.decrypt(blob, context="AKIAEXAMPLE") == "wJalrXUtnFEMI/K7MDENG"
    with pytest.raises(InvalidTag):
        box.decrypt(blob, context="AKIAOTHER")
    with pytest.raises(InvalidTag):
        SecretBox.ephemeral().decrypt(blob, context="AKIAEXAMPLE")
    assert "key" in repr(box) and "hidden" in repr(box)


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    blob = SecretBox.from_key_file(path).encrypt("s", context="c")
    assert path.stat().st_mode & 0o777 == 0o600
    assert SecretBox.from_key_file(path).decrypt(blob, context="c") == "s"


def test_token_digest_and_constant_time_compare() -> None:
    assert same_secret(token_digest("t"), token_digest("t"))
    assert not same_secret(token_digest("t"), token_digest("u"))


def test_argon2_hash_and_verify() -> None:
    encoded = hash_password("Correct-Horse-1")
    assert encoded.startswith("$argon2id$")
    assert "Correct-Horse-1" not in encoded
    assert verify_password(encoded, "Correct-Horse-1")
    assert not verify_password(encoded, "wrong")
    assert not verify_password("not-a-hash", "Correct-Horse-1")
    assert not needs_rehash(encoded)
