"""A string that never shows its value in repr, str, f-strings or logs."""

from __future__ import annotations

import hmac
from typing import Final

MASK: Final = "**********"


class SecretStr:
    """Holds a secret (token, client secret, key); only :meth:`get_secret_value` reveals it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("SecretStr holds a str")
        self._value = value

    def get_secret_value(self) -> str:
        """The secret itself; call it only where the value is sent or stored encrypted."""
        return self._value

    def __repr__(self) -> str:
        return f"SecretStr('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, format_spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretStr):
            return NotImplemented
        # Constant-time comparison: equality checks on secrets must not leak timing.
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((SecretStr, self._value))

    def __reduce__(self) -> tuple[type[SecretStr], tuple[str]]:
        return (SecretStr, (self._value,))
