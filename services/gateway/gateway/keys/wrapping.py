"""Signing keys at rest: each private key is encrypted (wrapped) with the key-encryption key from configuration,
GATEWAY_KEY_ENCRYPTION_KEY, using AES-256-GCM with the key's kid as associated data, so a copy of the database
alone signs nothing and a wrapped key moved to another kid does not unwrap.

Stored form: `v1.<kek id>.<nonce>.<ciphertext>`, URL-safe base64 parts. The kek id (the first 8 bytes of the
SHA-256 of the key-encryption key) names the key that wrapped it, so a key wrapped with the previous
key-encryption key (GATEWAY_PREVIOUS_KEY_ENCRYPTION_KEY) is recognised and re-wrapped at start-up.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
NONCE_BYTES = 12


class KeyUnwrapError(Exception):
    """A stored signing key cannot be unwrapped with the configured key-encryption key(s)."""


def decode_kek(text: str) -> bytes:
    """A key-encryption key as configured: 32 random bytes, URL-safe base64."""
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise ValueError("a key-encryption key is 32 bytes, URL-safe base64 encoded") from exc
    if len(key) != 32:
        raise ValueError("a key-encryption key is 32 bytes, URL-safe base64 encoded")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def kek_id(key: bytes) -> str:
    return _b64(hashlib.sha256(key).digest()[:8])


class KeyWrapper:
    def __init__(self, kek: bytes, previous: bytes | None = None) -> None:
        self._keys = {kek_id(kek): AESGCM(kek)}
        self.current_id = kek_id(kek)
        if previous is not None and kek_id(previous) != self.current_id:
            self._keys[kek_id(previous)] = AESGCM(previous)

    def wrap(self, private_key_pem: str, kid: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.current_id].encrypt(nonce, private_key_pem.encode(), kid.encode())
        return ".".join((VERSION, self.current_id, _b64(nonce), _b64(sealed)))

    def unwrap(self, wrapped: str, kid: str) -> str:
        try:
            version, key_id, nonce, sealed = wrapped.split(".")
        except ValueError as exc:
            raise KeyUnwrapError(f"signing key {kid}: not a wrapped key") from exc
        aead = self._keys.get(key_id)
        if version != VERSION or aead is None:
            raise KeyUnwrapError(
                f"signing key {kid} was wrapped with another key-encryption key ({key_id}); set "
                "GATEWAY_KEY_ENCRYPTION_KEY to that key, or keep it as GATEWAY_PREVIOUS_KEY_ENCRYPTION_KEY while "
                "rotating"
            )
        try:
            return aead.decrypt(_unb64(nonce), _unb64(sealed), kid.encode()).decode()
        except (InvalidTag, ValueError) as exc:
            raise KeyUnwrapError(f"signing key {kid} does not unwrap: altered, or moved from another kid") from exc

    def is_current(self, wrapped: str) -> bool:
        parts = wrapped.split(".")
        return len(parts) == 4 and parts[0] == VERSION and parts[1] == self.current_id
