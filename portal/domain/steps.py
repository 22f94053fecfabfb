"""The ten steps of the re-integration procedure as data, and the typed result of checking one.

Titles and branch conditions are the procedure document's own words; the wizard renders this
data, and each step's check (a service) returns a :class:`StepResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class StepStatus(Enum):
    """Outcome of a step's check."""

    OK = "ok"
    ACTION_NEEDED = "action_needed"
    ERROR = "error"


@dataclass(frozen=True)
class ProcedureBranch:
    """A case the document distinguishes inside a step (e.g. "3-2-1"), and where it leads."""

    branch_id: str
    condition: str
    instruction: str
    next_step: int | None


@dataclass(frozen=True)
class ProcedureStep:
    """One step: its number, title and instructions as the document gives them."""

    number: int
    title: str
    instructions: tuple[str, ...]
    notes: tuple[str, ...] = ()
    branches: tuple[ProcedureBranch, ...] = ()

    def branch(self, branch_id: str) -> ProcedureBranch:
        for candidate in self.branches:
            if candidate.branch_id == branch_id:
                return candidate
        raise KeyError(f"step {self.number} has no branch {branch_id!r}")


@dataclass(frozen=True)
class StepResult:
    """The result of checking or performing one step.

    ``branch`` names the document's case that applies (e.g. "3-2-1") and ``next_step`` the step
    the document sends the person to; ``details`` are extra lines (per-field errors, links).
    """

    step: int
    status: StepStatus
    title: str
    message: str
    next_step: int | None = None
    branch: str | None = None
    details: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        step: int,
        status: StepStatus,
        message: str,
        branch: str | None = None,
        next_step: int | None = None,
        details: tuple[str, ...] = (),
    ) -> StepResult:
        """A result titled with the step's own title; a branch supplies its ``next_step``."""
        procedure_step = procedure_step_by_number(step)
        if branch is not None and next_step is None:
            next_step = procedure_step.branch(branch).next_step
        return cls(
            step=step,
            status=status,
            title=procedure_step.title,
            message=message,
            next_step=next_step,
            branch=branch,
            details=details,
        )


_BASIC_TAB = "Select the [Third-party integration] > [Salesforce] > [Basic settings] tab."
_OAUTH_USAGE = (
    "In the search box at the upper left of the Setup screen, search for "
    "“OAuth Usage for Connected Apps”, and click [OAuth Usage for Connected Apps]."
)

PROCEDURE: tuple[ProcedureStep, ...] = (
    ProcedureStep(
        number=1,
        title="Check the Salesforce Org and user to re-integrate",
        instructions=(
            "Access MiiTel Admin.",
            _BASIC_TAB,
            "In Authentication history at the bottom of the screen, check the currently "
            "integrated Salesforce Org and User.",
        ),
    ),
    ProcedureStep(
        number=2,
        title="Remove the MiiTel from Salesforce",
        instructions=(
            'Click "Remove integration" to remove MiiTel from Salesforce if the integration '
            "is enabled.",
        ),
        notes=(
            "When the integration is removed, the current settings and integration status "
            "(enabled / disabled) for Activity history integration, Video history integration, "
            "and Activity history assignee are automatically saved as backup data.",
            "In 7. Restore the settings prior to integration removal, you can restore the "
            "settings and integration status from this backup data.",
            "If you have a previous backup, it will be overwritten.",
        ),
        branches=(
            ProcedureBranch(
                "2-integrated",
                "The integration is enabled",
                'Click "Remove integration".',
                3,
            ),
            ProcedureBranch(
                "2-not-integrated",
                "The integration is not enabled",
                "Nothing to remove.",
                3,
            ),
        ),
    ),
    ProcedureStep(
        number=3,
        title="Check the connected application in Salesforce",
        instructions=(
            "Log in to Salesforce with a Salesforce user who has the System Administrator profile.",
            "Click [Setup] > [Settings] in the upper-right corner of the Salesforce screen.",
            _OAUTH_USAGE,
            "Check whether “MiiTel” exists in Connected Apps OAuth Usage and the status of the "
            "application action.",
        ),
        notes=(
            "Please check with a Salesforce user who has permission to install connected "
            "applications.",
        ),
        branches=(
            ProcedureBranch(
                "3-1",
                "If there is no “MiiTel” application",
                "Perform the steps from “4. Check the permissions of the Salesforce user "
                "confirmed in step 1”.",
                4,
            ),
            ProcedureBranch(
                "3-2-1",
                "If there is a “MiiTel” application and the application action is “Unblock”",
                "Click “Unblock” to unblock it.",
                5,
            ),
            ProcedureBranch(
                "3-2-2",
                "If there is a “MiiTel” application and the application action is “Uninstall” "
                "or “Install”",
                "Perform the steps from “5. Re-integrate MiiTel with Salesforce”.",
                5,
            ),
        ),
    ),
    ProcedureStep(
        number=4,
        title="Check the permissions of the Salesforce user confirmed in step 1",
        instructions=(
            "Check that the Salesforce user to re-integrate has the “Approve Uninstalled "
            "Connected Apps” permission.",
            "If a permission set is assigned, click the permission set name.",
            "If only a profile is present, click the profile name.",
        ),
        notes=(
            "Salesforce settings vary by organization. For details, check with your Salesforce "
            "administrator.",
        ),
        branches=(
            ProcedureBranch(
                "4-has-permission",
                "The user has the “Approve Uninstalled Connected Apps” permission",
                "Perform the steps from “5. Re-integrate MiiTel with Salesforce”.",
                5,
            ),
            ProcedureBranch(
                "4-no-permission",
                "The user does not have the “Approve Uninstalled Connected Apps” permission",
                "Grant the permission through the user's profile or a permission set, or see "
                "Integrate MiiTel with Salesforce using a Salesforce user without the “Approve "
                "Uninstalled Connected Apps” permission.",
                None,
            ),
        ),
    ),
    ProcedureStep(
        number=5,
        title="Re-integrate MiiTel with Salesforce",
        instructions=(
            "Access MiiTel Admin.",
            _BASIC_TAB,
            "Click Integrate.",
            "Log in to Salesforce with the Salesforce user of the organization confirmed in "
            "step 1. (If you are already logged in to Salesforce, a screen asking “Do you want "
            "to allow access?” will appear. After confirming the displayed Salesforce user, "
            "click Allow.)",
            "When the integration succeeds, the integrated Salesforce Org and User will be "
            "displayed.",
        ),
    ),
    ProcedureStep(
        number=6,
        title="Install the Connected App “MiiTel” in the integrated Salesforce Org",
        instructions=(
            "Log in to Salesforce with a Salesforce user who has the System Administrator profile.",
            "Click Settings > Setup at the top right of the Salesforce screen.",
            _OAUTH_USAGE,
            "In the “Actions” column of the connected app MiiTel, click Install to install it. "
            "(If Uninstall is displayed, it is already installed, so no action is required.)",
        ),
        notes=(
            "Installing the MiiTel application can be performed by any Salesforce user who has "
            "the permission to install connected apps, even if they are not the integrated "
            "Salesforce user.",
        ),
    ),
    ProcedureStep(
        number=7,
        title="Restore the settings prior to integration removal",
        instructions=(
            "Access MiiTel Admin.",
            _BASIC_TAB,
            "Click [Restore the settings prior to integration removal].",
            "Click [Restore].",
        ),
        notes=(
            "The current settings and integration status will all be overwritten with the "
            "state at the time of backup.",
            "Integrations that were “disabled” at the time of backup will be restored to the "
            "disabled state. (For Activity history integration > the ToDo object and for the "
            "Video History integration settings, they will be reset to their default state.)",
            "The “Retrieving contact information” setting will not be restored.",
        ),
        branches=(
            ProcedureBranch(
                "7-backup",
                "There is backup data",
                "Click [Restore the settings prior to integration removal], then [Restore].",
                8,
            ),
            ProcedureBranch(
                "7-no-backup",
                "[Restore the settings prior to integration removal] is not displayed: there "
                "is no backup data",
                "Please configure Activity history integration, Video history integration, and "
                "Activity History assignee respectively.",
                8,
            ),
        ),
    ),
    ProcedureStep(
        number=8,
        title=(
            "Check the settings for Activity History integration, Meeting History integration, "
            "and Activity History assignment destination"
        ),
        instructions=(
            "Click the tabs for [Activity history integration], [Video History integration], "
            "and [Activity History assignee] to confirm that the settings and integration "
            "status (enabled / disabled) have been restored.",
            "Fix any items that show an error and click [Save].",
        ),
        notes=(
            "If there are no backed-up items in the Salesforce organization you re-integrated "
            "to, or if the integrated Salesforce user does not have read permissions, an error "
            "will be displayed.",
        ),
    ),
    ProcedureStep(
        number=9,
        title="If you do not retrieve contacts",
        instructions=(
            "Access MiiTel Admin.",
            "Select the Third Party Integrations > Salesforce > Basic settings tab.",
            "Select the checkbox for Turn off retrieving Salesforce contact information.",
            "Click Save.",
        ),
    ),
    ProcedureStep(
        number=10,
        title="Check for external integration errors",
        instructions=(
            "After calls/meetings, check the Third-party integration error log.",
            "If there are any errors that did not occur before, please contact Support.",
        ),
    ),
)


def procedure_step_by_number(number: int) -> ProcedureStep:
    """The step numbered ``number`` (1 to 10)."""
    if not 1 <= number <= len(PROCEDURE):
        raise KeyError(f"the procedure has steps 1 to {len(PROCEDURE)}, not {number}")
    return PROCEDURE[number - 1]
