"""The register's secret keys: the pseudonym key and the identity-code encryption key.

Each comes from its setting (``SOSDATA_PSEUDONYM_KEY`` / ``SOSDATA_ENCRYPTION_KEY``, hex or
base64) or from a file in ``DATA_DIR/keys`` that ``sosdata init`` creates readable by its owner
only. Neither is ever written into the database.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from sosdata.config import Settings
from sosdata.errors import UserError
from sosdata.identity import Pseudonymizer

KEY_BYTES = 32


class KeyProblem(UserError, RuntimeError):
    """A key is missing or malformed."""


def _decode(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        try:
            key = base64.b64decode(text, validate=True)
        except binascii.Error as exc:
            raise KeyProblem(f"{where}: key is neither hex nor base64") from exc
    if len(key) < KEY_BYTES:
        raise KeyProblem(f"{where}: key must be at least {KEY_BYTES} bytes, got {len(key)}")
    return key


def create_key_file(path: Path) -> bool:
    """Create a new random key file readable by its owner only; False if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(KEY_BYTES) + "\n")
    return True


def _read(setting: str | None, path: Path, env_name: str) -> bytes:
    if setting:
        return _decode(setting, f"${env_name}")
    try:
        return _decode(path.read_text(encoding="ascii"), str(path))
    except FileNotFoundError as exc:
        raise KeyProblem(
            f"{path} not found: initialise the data directory or set ${env_name}"
        ) from exc


def pseudonym_key(settings: Settings) -> bytes:
    return _read(settings.pseudonym_key, settings.pseudonym_key_file, "SOSDATA_PSEUDONYM_KEY")


def encryption_key(settings: Settings) -> bytes:
    return _read(settings.encryption_key, settings.encryption_key_file, "SOSDATA_ENCRYPTION_KEY")


def pseudonymizer(settings: Settings) -> Pseudonymizer:
    return Pseudonymizer(pseudonym_key(settings))


def ensure_keys(settings: Settings) -> dict[str, str]:
    """Create the key files a new data directory needs; says of each key where it comes from:
    ``environment``, ``created`` or ``kept``."""
    found = {}
    for label, path, from_env in (
        ("pseudonym key", settings.pseudonym_key_file, settings.pseudonym_key),
        ("encryption key", settings.encryption_key_file, settings.encryption_key),
    ):
        if from_env:
            found[label] = "environment"
        else:
            found[label] = "created" if create_key_file(path) else "kept"
    return found
