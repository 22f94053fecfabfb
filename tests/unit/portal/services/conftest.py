"""Service tests: the real services over in-memory storage and a fake Salesforce."""

from __future__ import annotations

import pytest
from service_fakes import World, make_world


@pytest.fixture
def world() -> World:
    return make_world()
