"""The Demo page's "starts not integrated" marks match the mock: exactly the scenarios where
MiiTel is not usable (not installed, or blocked) in the first org, which is where the demo
starts just after "Remove integration" (DemoService reads the same state)."""

from __future__ import annotations

import pytest

from mock_salesforce import control
from mock_salesforce.backend import MockBackend, MockOptions
from mock_salesforce.scenarios import reset_world, scenario_names
from mock_salesforce.seed import SMALL_SIZE
from portal.adapters.mock_org import MockOrg
from portal.app_pages.demo import SCENARIO_BRANCHES, STARTS_NOT_INTEGRATED


class _StateOnly(MockOrg):
    """The portal's view of the mock's ``/state``, without a server."""

    def __init__(self, backend: MockBackend) -> None:
        self._backend = backend

    def state(self) -> dict[str, object]:
        return control.state(self._backend)


@pytest.mark.parametrize("scenario", scenario_names())
def test_a_scenario_is_marked_not_integrated_exactly_when_miitel_is_not_usable(
    scenario: str,
) -> None:
    backend = MockBackend(data_dir=None, options=MockOptions(seed=42))
    try:
        [first, *_] = reset_world(backend, seed=42, scenario=scenario, size=SMALL_SIZE)
        usable = _StateOnly(backend).app_usable(org_id=first.org_id, app_name="MiiTel")
    finally:
        backend.close()
    assert (scenario in STARTS_NOT_INTEGRATED) == (not usable)
    assert scenario in SCENARIO_BRANCHES
