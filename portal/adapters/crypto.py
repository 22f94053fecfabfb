"""Encryption of tokens at rest (Fernet: AES-128-CBC with HMAC-SHA256), key from configuration."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.domain.secret import SecretStr
from portal.domain.text import msg


class TokenDecryptionError(Exception):
    """Stored ciphertext cannot be decrypted with the configured key; ``args[0]`` is the
    message (a :class:`~portal.domain.text.Text`)."""


class InvalidEncryptionKeyError(ValueError):
    """The configured key is not a Fernet key."""


def generate_key() -> SecretStr:
    """A new random key (32 bytes, URL-safe base64), as ``PORTAL_ENCRYPTION_KEY`` expects."""
    return SecretStr(Fernet.generate_key().decode("ascii"))


def is_valid_key(key: str) -> bool:
    """Whether ``key`` is a usable Fernet key."""
    try:
        Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return True


def derived_key(key: SecretStr, *, purpose: str) -> bytes:
    """32 bytes for one ``purpose`` (HKDF-SHA256 of the configured key): the same on every
    replica and after every restart, and no way back to the key itself."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode("utf-8")
    ).derive(key.get_secret_value().encode("ascii"))


class TokenCipher:
    """Encrypts and decrypts secrets for storage; never logs or returns ciphertext to callers
    outside storage."""

    def __init__(self, key: SecretStr) -> None:
        if not is_valid_key(key.get_secret_value()):
            raise InvalidEncryptionKeyError(
                msg(
                    "{key} is not a valid key: it must be 32 random bytes in URL-safe base64 "
                    "(44 characters).",
                    key="PORTAL_ENCRYPTION_KEY",
                )
            )
        self._fernet = Fernet(key.get_secret_value().encode("ascii"))

    def encrypt(self, secret: SecretStr) -> str:
        """Ciphertext (ASCII) for ``secret``; different on every call."""
        return self._fernet.encrypt(secret.get_secret_value().encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> SecretStr:
        """The secret inside ``ciphertext``; raises :class:`TokenDecryptionError` if the key
        differs from the one that encrypted it, or the data was altered."""
        try:
            plain = self._fernet.decrypt(ciphertext.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise TokenDecryptionError(
                msg(
                    "The stored Salesforce tokens cannot be decrypted with the configured {key} "
                    "(the key changed, or the data was altered). Set the key that was used when "
                    'you clicked "Integrate", or click "Integrate" again.',
                    key="PORTAL_ENCRYPTION_KEY",
                )
            ) from None
        return SecretStr(plain.decode("utf-8"))

    def __repr__(self) -> str:
        return "TokenCipher(key=SecretStr('**********'))"
