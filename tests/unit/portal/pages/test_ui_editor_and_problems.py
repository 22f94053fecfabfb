"""What the assignee table's editor hands back, and step 8's problems grouped per tab."""

from __future__ import annotations

from portal.domain.settings import SettingsArea
from portal.domain.validation import SettingsProblem
from portal.ui.editor import apply_editor_changes
from portal.ui.settings_problems import problems_by_tab

ROWS = [
    {"MiiTel user": "aki@miitel.example", "Salesforce username": "aki@acme.example"},
    {"MiiTel user": "ben@miitel.example", "Salesforce username": "ben@acme.example"},
    {"MiiTel user": "cho@miitel.example", "Salesforce username": "cho@acme.example"},
]


def test_edits_deletions_and_additions_apply_to_the_rows_the_editor_was_given():
    changes = {
        "edited_rows": {"2": {"Salesforce username": "cho.k@acme.example"}},
        "deleted_rows": [0],
        "added_rows": [{"MiiTel user": "dai@miitel.example", "Salesforce username": "d@a.example"}],
    }

    rows = apply_editor_changes(ROWS, changes)

    assert [r["MiiTel user"] for r in rows] == [
        "ben@miitel.example",
        "cho@miitel.example",
        "dai@miitel.example",
    ]
    assert rows[1]["Salesforce username"] == "cho.k@acme.example"
    assert ROWS[2]["Salesforce username"] == "cho@acme.example"  # the input is not changed


def test_no_changes_give_the_rows_back():
    assert apply_editor_changes(ROWS, None) == ROWS
    assert apply_editor_changes(
        ROWS, {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    ) == (ROWS)


def test_problems_are_grouped_under_their_tab_in_the_tabs_order():
    problems = [
        SettingsProblem(SettingsArea.ASSIGNEE, "default_owner_username", "owner"),
        SettingsProblem(SettingsArea.ACTIVITY_HISTORY, "todo.subject", "subject"),
        SettingsProblem(SettingsArea.ACTIVITY_HISTORY, "todo.status", "status"),
    ]

    grouped = problems_by_tab(problems)

    assert list(grouped) == ["Activity history integration", "Activity history assignee"]
    assert grouped["Activity history integration"] == ["subject", "status"]
