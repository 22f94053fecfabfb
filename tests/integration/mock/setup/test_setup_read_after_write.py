"""A change made on a Setup page is visible on the very next REST GET by Id (which answers
from a read cache that every write must clear)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from setup_admin import World, sobject
from simple_salesforce.exceptions import SalesforceResourceNotFound

from mock_salesforce.scenarios import HIDDEN_TASK_FIELDS

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


def test_each_user_reads_the_record_through_their_own_field_view(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("user-cannot-read-task-fields")
    admin = world.api()
    integration = world.api(world.org.integration_user)
    task_id = admin.query("SELECT Id FROM Task LIMIT 1")["records"][0]["Id"]

    seen_by_admin = set(sobject(admin, "Task").get(task_id))
    seen_by_integration = set(sobject(integration, "Task").get(task_id))
    seen_by_admin_again = set(sobject(admin, "Task").get(task_id))

    assert set(HIDDEN_TASK_FIELDS) <= seen_by_admin
    assert seen_by_integration.isdisjoint(HIDDEN_TASK_FIELDS)
    assert "Subject" in seen_by_integration
    assert seen_by_admin_again == seen_by_admin
