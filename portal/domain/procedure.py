"""The re-integration procedure as data: the ONE registry of its ten steps.

Each step carries the document's own words (title, instructions, notes, the cases it
distinguishes and where they lead) and what the portal does for it: the use case that checks
or performs it (bound to one service method in ``portal/services/procedure.py``), whether that
reads Salesforce, whether a person may have to look in Salesforce Setup themselves, and which
Setup page. The wizard renders this data. Every text is marked with ``N_`` (English here,
Japanese in the catalog): the UI shows it through ``portal.ui.i18n.t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from portal.domain.text import N_


class UseCase(Enum):
    """What the portal runs for a step. The value names the service method that runs it
    (``<service>.<method>`` as the composition root names them); the one table binding each
    member to that method is ``ProcedureService`` in ``portal/services/procedure.py``."""

    #: Step 1: the org and user integrated now, confirmed live with Salesforce.
    CURRENT_INTEGRATION = "integration.current"
    #: Step 2: whether MiiTel is still integrated (to remove) or was removed, with a backup.
    REMOVAL = "removal.status"
    #: Step 3: MiiTel in Connected Apps OAuth Usage, and whether it is blocked.
    CONNECTED_APP = "checks.connected_app"
    #: Step 4: the step-1 user holds "Approve Uninstalled Connected Apps".
    APPROVE_PERMISSION = "checks.approve_permission"
    #: Step 5: MiiTel integrated again after step 2.
    REINTEGRATION = "procedure.reintegrated"
    #: Step 6: the connected app MiiTel is installed in the integrated org.
    INSTALLED = "checks.installed"
    #: Step 7: the settings restored from the backup taken at removal (or no backup).
    RESTORE = "restore.status"
    #: Step 8: the restored settings validated against the org, per tab.
    SETTINGS_VALIDATION = "validation.validate"
    #: Step 9: whether retrieving Salesforce contact information is turned off.
    CONTACT_RETRIEVAL = "settings.contact_retrieval"
    #: Step 10: integration errors that did not occur before the re-integration.
    ERROR_LOG = "error_tables.status"


@dataclass(frozen=True)
class ProcedureBranch:
    """A case the document distinguishes inside a step (e.g. "3-2-1"), and where it leads."""

    branch_id: str
    condition: str
    instruction: str
    next_step: int | None


@dataclass(frozen=True, kw_only=True)
class ProcedureStep:
    """One step: its number, title and instructions as the document gives them, and what the
    portal runs for it."""

    number: int
    title: str
    #: The use case that checks or performs the step.
    use_case: UseCase
    instructions: tuple[str, ...]
    notes: tuple[str, ...] = ()
    branches: tuple[ProcedureBranch, ...] = ()
    #: The check asks Salesforce (it may take a moment).
    reads_salesforce: bool = False
    #: A person may have to check it in Salesforce Setup and mark it done by hand.
    manual: bool = False
    #: The Salesforce Setup page the step looks at (a marked text), if any.
    setup_page: str | None = None

    def branch(self, branch_id: str) -> ProcedureBranch:
        for candidate in self.branches:
            if candidate.branch_id == branch_id:
                return candidate
        raise KeyError(f"step {self.number} has no branch {branch_id!r}")


_BASIC_TAB = N_("Select the [Third-party integration] > [Salesforce] > [Basic settings] tab.")
_ADMIN_LOGIN = N_(
    "Log in to Salesforce with a Salesforce user who has the System Administrator profile."
)
_OAUTH_USAGE_PAGE = N_("Connected Apps OAuth Usage")
_OAUTH_USAGE = N_(
    "In the search box at the upper left of the Setup screen, search for "
    "“OAuth Usage for Connected Apps”, and click [OAuth Usage for Connected Apps]."
)

PROCEDURE: tuple[ProcedureStep, ...] = (
    ProcedureStep(
        number=1,
        use_case=UseCase.CURRENT_INTEGRATION,
        reads_salesforce=True,
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
        use_case=UseCase.REMOVAL,
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
        use_case=UseCase.CONNECTED_APP,
        reads_salesforce=True,
        manual=True,
        setup_page=_OAUTH_USAGE_PAGE,
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
        use_case=UseCase.APPROVE_PERMISSION,
        reads_salesforce=True,
        manual=True,
        setup_page=N_("Users"),
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
        use_case=UseCase.REINTEGRATION,
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
        use_case=UseCase.INSTALLED,
        reads_salesforce=True,
        manual=True,
        setup_page=_OAUTH_USAGE_PAGE,
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
        use_case=UseCase.RESTORE,
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
        use_case=UseCase.SETTINGS_VALIDATION,
        reads_salesforce=True,
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
        use_case=UseCase.CONTACT_RETRIEVAL,
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
        use_case=UseCase.ERROR_LOG,
        manual=True,
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


#: The last step ("Check for external integration errors").
LAST_STEP: Final = len(PROCEDURE)
#: "Remove the MiiTel from Salesforce": the steps after it re-integrate.
REMOVAL_STEP: Final = 2
#: "Re-integrate MiiTel with Salesforce": it and the later steps need step 2 done first.
REINTEGRATION_STEP: Final = 5


def step_of(use_case: UseCase) -> ProcedureStep:
    """The step ``use_case`` checks or performs."""
    return next(step for step in PROCEDURE if step.use_case is use_case)
