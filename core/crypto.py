"""Encryption at rest for identifiable and free-text clinical fields (Fernet, key from config)."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

PSEUDONYM_CHARS = 16  # 64 bits: collisions between a service's searchers are vanishingly rare


class FieldCipher:
    """Encrypts short text fields; empty text stays empty so 'not given' is visible without the key."""

    def __init__(self, key: str | bytes) -> None:
        self._fernet = Fernet(key)
        raw = key.encode("ascii") if isinstance(key, str) else key
        # Separate keys for pseudonyms and keyed hashes, derived from the field key (HMAC as a one-step KDF), so
        # neither reveals the field key and neither can be checked against guesses without the deployment's key.
        self._pseudonym_key = hmac.new(raw, b"signpost pseudonym v1", hashlib.sha256).digest()
        self._hash_key = hmac.new(raw, b"signpost keyed-hash v1", hashlib.sha256).digest()

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii") if text else ""

    def keyed_hash(self, text: str) -> str:
        """HMAC-SHA256 of `text` under the deployment's key: equal texts match, the text itself is never stored."""
        return hmac.new(self._hash_key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def decrypt(self, token: str) -> str:
        if not token:
            return ""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            return "[unreadable: wrong key]"

    def pseudonym(self, value: int | str, length: int = PSEUDONYM_CHARS) -> str:
        """A keyed hash of `value` (e.g. a Telegram id): the same person gives the same pseudonym in this
        deployment, and nobody can turn it back into the id without the key."""
        digest = hmac.new(self._pseudonym_key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
        return digest[:length]


def load_or_create_key(configured: str | None, key_file: Path) -> str:
    """The configured key, else one kept in `key_file` (created owner-only on first use, for the demo)."""
    if configured:
        return configured
    if key_file.exists():
        return key_file.read_text().strip()
    key = Fernet.generate_key().decode("ascii")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
