"""ID numbers at rest: AES-256-GCM ciphertext for reading back, and an HMAC-SHA256 keyed hash for exact lookup
and uniqueness (the hash key differs from the encryption key, and neither is in the database)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
ASSOCIATED_DATA = b"qihang:registry:id_number:v1"


def decode_key(text: str) -> bytes:
    key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(key) != 32:
        raise ValueError("keys are 32 bytes, URL-safe base64 encoded")
    return key


class IdNumberCipher:
    def __init__(self, encryption_key: bytes, hash_key: bytes) -> None:
        self._aead = AESGCM(encryption_key)
        self._hash_key = hash_key

    def encrypt(self, value: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, value.encode(), ASSOCIATED_DATA)

    def decrypt(self, blob: bytes) -> str:
        return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], ASSOCIATED_DATA).decode()

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()
