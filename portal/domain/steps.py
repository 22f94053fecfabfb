"""The ten steps of the re-integration procedure as data, and the typed result of checking one.

Titles and branch conditions are the procedure document's own words; the wizard renders this
data, and each step's check (a service) returns a :class:`StepResult`. Every text is marked with
``N_`` (English here, Japanese in the catalog): the UI shows it through ``portal.ui.i18n.t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from portal.domain.text import N_


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


_BASIC_TAB = N_("Select the [Third-party integration] > [Salesforce] > [Basic settings] tab.")
_ADMIN_LOGIN = N_(
    "Log in to Salesforce with a Salesforce user who has the System Administrator profile."
)
_OAUTH_USAGE = N_(
    "In the search box at the upper left of the Setup screen, search for "
    "“OAuth Usage for Connected Apps”, and click [OAuth Usage for Connected Apps]."
)

PROCEDURE: tuple[ProcedureStep, ...] = (
    ProcedureStep(
        number=1,
        title=N_("Check the Salesforce Org and user to re-integrate"),
        instructions=(
            N_("Access MiiTel Admin."),
            _BASIC_TAB,
            N_(
                "In Authentication history at the bottom of the screen, check the currently "
                "integrated Salesforce Org and User."
            ),
        ),
    ),
    ProcedureStep(
        number=2,
        title=N_("Remove the MiiTel from Salesforce"),
        instructions=(
            N_(
                'Click "Remove integration" to remove MiiTel from Salesforce if the integration '
                "is enabled."
            ),
        ),
        notes=(
            N_(
                "When the integration is removed, the current settings and integration status "
                "(enabled / disabled) for Activity history integration, Video history integration, "
                "and Activity history assignee are automatically saved as backup data."
            ),
            N_(
                "In 7. Restore the settings prior to integration removal, you can restore the "
                "settings and integration status from this backup data."
            ),
            N_("If you have a previous backup, it will be overwritten."),
        ),
        branches=(
            ProcedureBranch(
                "2-integrated",
                N_("The integration is enabled"),
                N_('Click "Remove integration".'),
                3,
            ),
            ProcedureBranch(
                "2-not-integrated",
                N_("The integration is not enabled"),
                N_("Nothing to remove."),
                3,
            ),
        ),
    ),
    ProcedureStep(
        number=3,
        title=N_("Check the connected application in Salesforce"),
        instructions=(
            _ADMIN_LOGIN,
            N_("Click [Setup] > [Settings] in the upper-right corner of the Salesforce screen."),
            _OAUTH_USAGE,
            N_(
                "Check whether “MiiTel” exists in Connected Apps OAuth Usage and the status of the "
                "application action."
            ),
        ),
        notes=(
            N_(
                "Please check with a Salesforce user who has permission to install connected "
                "applications."
            ),
        ),
        branches=(
            ProcedureBranch(
                "3-1",
                N_("If there is no “MiiTel” application"),
                N_(
                    "Perform the steps from “4. Check the permissions of the Salesforce user "
                    "confirmed in step 1”."
                ),
                4,
            ),
            ProcedureBranch(
                "3-2-1",
                N_("If there is a “MiiTel” application and the application action is “Unblock”"),
                N_("Click “Unblock” to unblock it."),
                5,
            ),
            ProcedureBranch(
                "3-2-2",
                N_(
                    "If there is a “MiiTel” application and the application action is “Uninstall” "
                    "or “Install”"
                ),
                N_("Perform the steps from “5. Re-integrate MiiTel with Salesforce”."),
                5,
            ),
        ),
    ),
    ProcedureStep(
        number=4,
        title=N_("Check the permissions of the Salesforce user confirmed in step 1"),
        instructions=(
            N_(
                "Check that the Salesforce user to re-integrate has the “Approve Uninstalled "
                "Connected Apps” permission."
            ),
            N_("If a permission set is assigned, click the permission set name."),
            N_("If only a profile is present, click the profile name."),
        ),
        notes=(
            N_(
                "Salesforce settings vary by organization. For details, check with your Salesforce "
                "administrator."
            ),
        ),
        branches=(
            ProcedureBranch(
                "4-has-permission",
                N_("The user has the “Approve Uninstalled Connected Apps” permission"),
                N_("Perform the steps from “5. Re-integrate MiiTel with Salesforce”."),
                5,
            ),
            ProcedureBranch(
                "4-no-permission",
                N_("The user does not have the “Approve Uninstalled Connected Apps” permission"),
                N_(
                    "Grant the permission through the user's profile or a permission set, or see "
                    "Integrate MiiTel with Salesforce using a Salesforce user without the “Approve "
                    "Uninstalled Connected Apps” permission."
                ),
                None,
            ),
        ),
    ),
    ProcedureStep(
        number=5,
        title=N_("Re-integrate MiiTel with Salesforce"),
        instructions=(
            N_("Access MiiTel Admin."),
            _BASIC_TAB,
            N_("Click Integrate."),
            N_(
                "Log in to Salesforce with the Salesforce user of the organization confirmed in "
                "step 1. (If you are already logged in to Salesforce, a screen asking “Do you want "
                "to allow access?” will appear. After confirming the displayed Salesforce user, "
                "click Allow.)"
            ),
            N_(
                "When the integration succeeds, the integrated Salesforce Org and User will be "
                "displayed."
            ),
        ),
    ),
    ProcedureStep(
        number=6,
        title=N_("Install the Connected App “MiiTel” in the integrated Salesforce Org"),
        instructions=(
            _ADMIN_LOGIN,
            N_("Click Settings > Setup at the top right of the Salesforce screen."),
            _OAUTH_USAGE,
            N_(
                "In the “Actions” column of the connected app MiiTel, click Install to install it. "
                "(If Uninstall is displayed, it is already installed, so no action is required.)"
            ),
        ),
        notes=(
            N_(
                "Installing the MiiTel application can be performed by any Salesforce user who has "
                "the permission to install connected apps, even if they are not the integrated "
                "Salesforce user."
            ),
        ),
    ),
    ProcedureStep(
        number=7,
        title=N_("Restore the settings prior to integration removal"),
        instructions=(
            N_("Access MiiTel Admin."),
            _BASIC_TAB,
            N_("Click [Restore the settings prior to integration removal]."),
            N_("Click [Restore]."),
        ),
        notes=(
            N_(
                "The current settings and integration status will all be overwritten with the "
                "state at the time of backup."
            ),
            N_(
                "Integrations that were “disabled” at the time of backup will be restored to the "
                "disabled state. (For Activity history integration > the ToDo object and for the "
                "Video History integration settings, they will be reset to their default state.)"
            ),
            N_("The “Retrieving contact information” setting will not be restored."),
        ),
        branches=(
            ProcedureBranch(
                "7-backup",
                N_("There is backup data"),
                N_("Click [Restore the settings prior to integration removal], then [Restore]."),
                8,
            ),
            ProcedureBranch(
                "7-no-backup",
                N_(
                    "[Restore the settings prior to integration removal] is not displayed: there "
                    "is no backup data"
                ),
                N_(
                    "Please configure Activity history integration, Video history integration, and "
                    "Activity History assignee respectively."
                ),
                8,
            ),
        ),
    ),
    ProcedureStep(
        number=8,
        title=N_(
            "Check the settings for Activity History integration, Meeting History integration, "
            "and Activity History assignment destination"
        ),
        instructions=(
            N_(
                "Click the tabs for [Activity history integration], [Video History integration], "
                "and [Activity History assignee] to confirm that the settings and integration "
                "status (enabled / disabled) have been restored."
            ),
            N_("Fix any items that show an error and click [Save]."),
        ),
        notes=(
            N_(
                "If there are no backed-up items in the Salesforce organization you re-integrated "
                "to, or if the integrated Salesforce user does not have read permissions, an error "
                "will be displayed."
            ),
        ),
    ),
    ProcedureStep(
        number=9,
        title=N_("If you do not retrieve contacts"),
        instructions=(
            N_("Access MiiTel Admin."),
            N_("Select the Third Party Integrations > Salesforce > Basic settings tab."),
            N_("Select the checkbox for Turn off retrieving Salesforce contact information."),
            N_("Click Save."),
        ),
    ),
    ProcedureStep(
        number=10,
        title=N_("Check for external integration errors"),
        instructions=(
            N_("After calls/meetings, check the Third-party integration error log."),
            N_("If there are any errors that did not occur before, please contact Support."),
        ),
    ),
)


def procedure_step_by_number(number: int) -> ProcedureStep:
    """The step numbered ``number`` (1 to 10)."""
    if not 1 <= number <= len(PROCEDURE):
        raise KeyError(f"the procedure has steps 1 to {len(PROCEDURE)}, not {number}")
    return PROCEDURE[number - 1]
