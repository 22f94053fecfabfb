"""A change made on a Setup page is visible on the very next REST GET by Id (which answers
from a read cache that every write must clear)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from setup_admin import World, sobject
from simple_salesforce.exceptions import SalesforceResourceNotFound

APPROVE = "Approve Uninstalled Connected Apps"


def test_assignment_made_and_removed_on_setup_pages(start_world: Callable[[str], World]) -> None:
    world = start_world("user-without-approve-permission")
    sf = world.api()
    integration = world.org.integration_user
    assignments = sobject(sf, "PermissionSetAssignment")
    browser, _ = world.browser()
    user_page = browser.open(f"/setup/users/{integration.user_id}")
    form = next(f for f in user_page.forms if "permission_set_id" in f.selects)
    option = next(v for v, label in form.selects["permission_set_id"] if label == APPROVE)

    assigned = browser.submit(form, permission_set_id=option)

    found = sf.query(
        "SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = "
        f"'{integration.user_id}' AND PermissionSet.Label = '{APPROVE}'"
    )["records"]
    [assignment_id] = [r["Id"] for r in found]
    assert assignments.get(assignment_id)["AssigneeId"] == integration.user_id

    browser.click(assigned, f"Remove {APPROVE}")

    with pytest.raises(SalesforceResourceNotFound):
        assignments.get(assignment_id)
