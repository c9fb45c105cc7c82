"""Encryption at rest with Fernet (AES-128-CBC + HMAC-SHA256), behind the cipher port."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class SecretDecryptionError(Exception):
    """A stored secret could not be decrypted: the key changed or the value was tampered with."""


class FernetCipher:
    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError):
            raise ValueError(
                "WOOCONNECT_SECRET_KEY must be a Fernet key (32 url-safe base64-encoded bytes)"
            ) from None

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SecretDecryptionError("a stored secret could not be decrypted") from None
