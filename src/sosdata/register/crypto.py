"""Identity codes at rest: AES-256-GCM under a key that is never stored in the database.

Each code is encrypted with a fresh random 96-bit nonce and the person's pseudonym as associated
data, so a ciphertext cannot be moved to another person's row without decryption failing. The
stored value is ``nonce || ciphertext || tag``. The AES key is derived with HKDF-SHA256 from the
register's encryption key (``keys.encryption_key``), which lives in a key file or the environment.
"""

from __future__ import annotations

import os

import polars as pl
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sosdata import keys
from sosdata.config import Settings
from sosdata.errors import UserError

NONCE_BYTES = 12
_HKDF_INFO = b"sosdata identity-code encryption v1"


class DecryptionError(UserError, ValueError):
    """A stored identity code cannot be decrypted with the configured key."""


class IdentityCipher:
    def __init__(self, key: bytes):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(key)
        self._aead = AESGCM(derived)

    @classmethod
    def from_settings(cls, settings: Settings) -> IdentityCipher:
        return cls(keys.encryption_key(settings))

    def encrypt(self, code: str, pseudonym: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, code.encode("ascii"), pseudonym.encode("ascii"))

    def decrypt(self, blob: bytes, pseudonym: str) -> str:
        nonce, body = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, body, pseudonym.encode("ascii")).decode("ascii")
        except InvalidTag as exc:
            raise DecryptionError(
                "a stored identity code does not decrypt with the configured encryption key; "
                "check SOSDATA_ENCRYPTION_KEY or the key file"
            ) from exc

    def encrypt_series(self, codes: pl.Series, pseudonyms: pl.Series) -> pl.Series:
        """Ciphertexts of a column of distinct persons' codes (one AEAD call per person).

        Nonces are drawn in one read of the system's random source for the whole column.
        """
        nonces = os.urandom(NONCE_BYTES * len(codes))
        encrypt = self._aead.encrypt
        out: list[bytes] = []
        append = out.append
        for start, code, pseudonym in zip(
            range(0, len(nonces), NONCE_BYTES), codes.to_list(), pseudonyms.to_list(), strict=True
        ):
            nonce = nonces[start : start + NONCE_BYTES]
            append(nonce + encrypt(nonce, code.encode(), pseudonym.encode()))
        return pl.Series(codes.name, out, dtype=pl.Binary)

    def decrypt_series(self, blobs: pl.Series, pseudonyms: pl.Series) -> pl.Series:
        out = [
            self.decrypt(b, p) for b, p in zip(blobs.to_list(), pseudonyms.to_list(), strict=True)
        ]
        return pl.Series("henkilotunnus", out, dtype=pl.String)
