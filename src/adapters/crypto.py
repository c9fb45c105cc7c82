"""Encryption at rest with Fernet (AES-128-CBC + HMAC-SHA256), behind the cipher port.

`WOOCONNECT_SECRET_KEY` holds one key, or several separated by commas while a key is being
replaced: the first encrypts, every one of them decrypts (`MultiFernet`), and `rotate`
re-encrypts a value with the first (`wooconnect secret-key rotate` does it to every stored
secret)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_ERROR = (
    "WOOCONNECT_SECRET_KEY must be a Fernet key (32 url-safe base64-encoded bytes), or several "
    "separated by commas, the one to encrypt with first"
)


class SecretDecryptionError(Exception):
    """A stored secret could not be decrypted: the key changed or the value was tampered with."""


def secret_keys(value: str) -> tuple[str, ...]:
    """The keys in a `WOOCONNECT_SECRET_KEY` value, the one that encrypts first."""
    return tuple(key.strip() for key in value.split(",") if key.strip())


class FernetCipher:
    def __init__(self, key: str) -> None:
        keys = secret_keys(key)
        if not keys:
            raise ValueError(KEY_ERROR)
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError):
            raise ValueError(KEY_ERROR) from None

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SecretDecryptionError("a stored secret could not be decrypted") from None

    def rotate(self, token: str) -> str:
        """`token` encrypted again with the first key; `SecretDecryptionError` when no key
        decrypts it."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise SecretDecryptionError("a stored secret could not be decrypted") from None
