"""Fixtures of the SOQL engine's tests: a read-only org shared by a module, and fresh ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.mock.soql.soql_world import World, build_world


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """Known rows; tests using it only read."""
    built = build_world()
    yield built
    built.backend.close()


@pytest.fixture
def fresh() -> Iterator[World]:
    """The same rows in an org of its own, for tests that write or move the clock."""
    built = build_world()
    yield built
    built.backend.close()
