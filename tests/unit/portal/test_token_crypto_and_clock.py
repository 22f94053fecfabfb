"""Token encryption and the clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.adapters.clock import FixedClock, ShiftedClock, SystemClock
from portal.adapters.crypto import (
    InvalidEncryptionKeyError,
    TokenCipher,
    TokenDecryptionError,
    generate_key,
    is_valid_key,
)
from portal.domain.secret import SecretStr

TOKEN = SecretStr("00D5g000000XyZ1!AQ8AQHsecretaccesstoken")


class TestTokenCipher:
    def test_round_trip(self) -> None:
        cipher = TokenCipher(generate_key())

        assert cipher.decrypt(cipher.encrypt(TOKEN)) == TOKEN

    def test_ciphertext_hides_the_token_and_differs_every_time(self) -> None:
        cipher = TokenCipher(generate_key())

        first, second = cipher.encrypt(TOKEN), cipher.encrypt(TOKEN)

        assert first != second
        assert TOKEN.get_secret_value() not in first
        assert "AQ8AQH" not in first

    def test_another_key_cannot_decrypt_and_says_what_to_do(self) -> None:
        ciphertext = TokenCipher(generate_key()).encrypt(TOKEN)

        with pytest.raises(TokenDecryptionError) as raised:
            TokenCipher(generate_key()).decrypt(ciphertext)

        assert "PORTAL_ENCRYPTION_KEY" in str(raised.value)
        assert "Integrate" in str(raised.value)
        assert ciphertext not in str(raised.value)

    def test_altered_ciphertext_is_refused(self) -> None:
        cipher = TokenCipher(generate_key())
        ciphertext = cipher.encrypt(TOKEN)
        altered = ciphertext[:-5] + ("A" if ciphertext[-5] != "A" else "B") + ciphertext[-4:]

        with pytest.raises(TokenDecryptionError):
            cipher.decrypt(altered)

    @pytest.mark.parametrize("key", ["", "short", "é" * 44, "A" * 44 + "=="])
    def test_bad_keys_are_refused(self, key: str) -> None:
        assert not is_valid_key(key)
        with pytest.raises(InvalidEncryptionKeyError, match="PORTAL_ENCRYPTION_KEY"):
            TokenCipher(SecretStr(key))

    def test_the_key_never_shows(self) -> None:
        key = generate_key()

        assert key.get_secret_value() not in repr(TokenCipher(key))
        assert is_valid_key(key.get_secret_value())


class TestClocks:
    def test_the_system_clock_is_utc(self) -> None:
        assert SystemClock().now().tzinfo is UTC

    def test_a_fixed_clock_moves_only_when_told(self) -> None:
        start = datetime(2025, 1, 1, tzinfo=UTC)
        clock = FixedClock(start)

        assert clock.now() == start
        assert clock.advance(timedelta(minutes=5)) == start + timedelta(minutes=5)
        clock.set(start)
        assert clock.now() == start

    def test_a_fixed_clock_refuses_naive_times(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            FixedClock(datetime(2025, 1, 1))

    def test_a_shifted_clock_runs_with_the_machine_ahead_by_its_offset(self) -> None:
        clock = ShiftedClock()
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)

        clock.advance(timedelta(minutes=10))

        ahead = clock.now() - datetime.now(UTC)
        assert timedelta(minutes=9, seconds=55) < ahead <= timedelta(minutes=10)
        assert clock.now().tzinfo is UTC
