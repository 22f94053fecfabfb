"""Step 8: check the settings against the integrated org, tab by tab and field by field.

Every object and field the settings name must exist and be readable and createable by the
integrated user (describe shows a user only the fields they can read), and every assignee
username must be an active user of the org. The checks that need no Salesforce run first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from portal.domain.gateway_errors import SalesforceGatewayError, SalesforceRequestError
from portal.domain.salesforce import ObjectDescription
from portal.domain.settings import (
    BACKED_UP_AREAS,
    ActivityHistorySettings,
    AssigneeSettings,
    IntegrationSettings,
    SettingsArea,
    VideoHistorySettings,
)
from portal.domain.steps import StepResult, StepStatus
from portal.domain.text import N_, Text, msg, plural_msg
from portal.domain.validation import (
    SettingsProblem,
    validate_activity_history,
    validate_assignee,
    validate_video_history,
)
from portal.domain.wording import for_object, quoted
from portal.services.connections import Connections
from portal.services.context import ServiceContext
from portal.services.salesforce import OrgGateway


@dataclass(frozen=True)
class ValidationReport:
    """Step 8's result and every problem, per tab (``area``) and setting."""

    result: StepResult
    problems: tuple[SettingsProblem, ...]
    #: False when the org could not be asked (not integrated, or Salesforce failed).
    checked_against_org: bool
    checked_at: datetime

    @property
    def ok(self) -> bool:
        return not self.problems and self.checked_against_org

    def problems_for(self, area: SettingsArea) -> tuple[SettingsProblem, ...]:
        return tuple(p for p in self.problems if p.area is area)


class OrgChecks:
    """The org-side checks of one area's settings with one gateway (step 8 and every Save)."""

    def __init__(self, gateway: OrgGateway) -> None:
        self._gateway = gateway
        self._described: dict[str, ObjectDescription | SettingsProblem] = {}

    def activity_history(self, settings: ActivityHistorySettings) -> list[SettingsProblem]:
        area = SettingsArea.ACTIVITY_HISTORY
        task = self._describe(area, "todo", "Task")
        if isinstance(task, SettingsProblem):
            return [task]
        problems = self._object_problems(area, "todo", task, written=("Subject", "Status"))
        status = task.field("Status")
        wanted = settings.todo.status.salesforce_value
        if status is not None and status.picklist_values and wanted not in status.picklist_values:
            problems.append(
                SettingsProblem(
                    area,
                    "todo.status",
                    msg(
                        'The Task Status value "{value}" is not an active Status in this org: '
                        "choose the other Status, or add the value to Task Status in Setup.",
                        value=wanted,
                    ),
                )
            )
        for item, api_name in settings.todo.field_mappings:
            problems += self._field_problems(
                area, f"todo.field_mappings.{item.value}", task, api_name, item.label
            )
        return problems

    def video_history(self, settings: VideoHistorySettings) -> list[SettingsProblem]:
        area = SettingsArea.VIDEO_HISTORY
        event = self._describe(area, "event", "Event")
        if isinstance(event, SettingsProblem):
            return [event]
        problems = self._object_problems(area, "event", event, written=("Subject",))
        for item, api_name in settings.field_mappings:
            problems += self._field_problems(
                area, f"field_mappings.{item.value}", event, api_name, item.label
            )
        return problems

    def assignee(self, settings: AssigneeSettings) -> list[SettingsProblem]:
        area = SettingsArea.ASSIGNEE
        wanted: list[tuple[str, str]] = [
            (f"user_mappings.{m.miitel_user}", m.salesforce_username.strip())
            for m in settings.user_mappings
        ]
        if settings.default_owner_username:
            wanted.append(("default_owner_username", settings.default_owner_username.strip()))
        if not wanted:
            return []
        active = self._gateway.active_usernames(name for _, name in wanted)
        return [
            SettingsProblem(
                area,
                setting,
                msg(
                    '"{username}" is not an active user in the integrated org: enter the '
                    "username of an active Salesforce user, or activate the user in Setup > "
                    "Users.",
                    username=username,
                ),
            )
            for setting, username in wanted
            if username not in active
        ]

    def _describe(
        self, area: SettingsArea, setting: str, sobject: str
    ) -> ObjectDescription | SettingsProblem:
        cached = self._described.get(sobject)
        if cached is not None:
            return cached if isinstance(cached, ObjectDescription) else _moved(cached, area)
        try:
            found: ObjectDescription | SettingsProblem = self._gateway.describe(sobject)
        except SalesforceRequestError as exc:
            if not exc.is_not_found:
                raise
            found = SettingsProblem(
                area,
                setting,
                for_object(sobject, _OBJECT_MISSING),
            )
        self._described[sobject] = found
        return found

    @staticmethod
    def _object_problems(
        area: SettingsArea, setting: str, described: ObjectDescription, *, written: Iterable[str]
    ) -> list[SettingsProblem]:
        problems: list[SettingsProblem] = []
        if not described.createable:
            problems.append(
                SettingsProblem(
                    area,
                    setting,
                    for_object(described.name, _CANNOT_CREATE),
                )
            )
        for name in written:
            found = described.field(name)
            key = f"{setting}.{name.lower()}" if setting == "todo" else name.lower()
            qualified = f"{described.name}.{name}"
            if found is None or not found.createable:
                problems.append(
                    SettingsProblem(
                        area,
                        key,
                        msg(
                            "The integrated user cannot write {field}: give them edit access to "
                            "the field.",
                            field=qualified,
                        ),
                    )
                )
        return problems

    @staticmethod
    def _field_problems(
        area: SettingsArea, setting: str, described: ObjectDescription, api_name: str, label: Text
    ) -> list[SettingsProblem]:
        found = described.field(api_name)
        if found is None:
            missing = for_object(described.name, _FIELD_MISSING, field=api_name, item=label)
            return [SettingsProblem(area, setting, missing)]
        if not found.createable:
            locked = for_object(described.name, _FIELD_NOT_WRITABLE, field=api_name, item=label)
            return [SettingsProblem(area, setting, locked)]
        return []


_OBJECT_MISSING: Final = {
    "Task": N_(
        "The Task object does not exist in the integrated org, or the integrated user cannot "
        "read it: give the user read and create access to Task."
    ),
    "Event": N_(
        "The Event object does not exist in the integrated org, or the integrated user cannot "
        "read it: give the user read and create access to Event."
    ),
}
_CANNOT_CREATE: Final = {
    "Task": N_(
        "The integrated user cannot create Task records: give them create access to Task "
        "through their profile or a permission set."
    ),
    "Event": N_(
        "The integrated user cannot create Event records: give them create access to Event "
        "through their profile or a permission set."
    ),
}
_FIELD_MISSING: Final = {
    "Task": N_(
        'Task field "{field}" for {item} does not exist in the integrated org, or the '
        "integrated user cannot read it: create the field, give the user read and edit access "
        "to it, or map another field."
    ),
    "Event": N_(
        'Event field "{field}" for {item} does not exist in the integrated org, or the '
        "integrated user cannot read it: create the field, give the user read and edit access "
        "to it, or map another field."
    ),
}
_FIELD_NOT_WRITABLE: Final = {
    "Task": N_(
        'The integrated user cannot write Task field "{field}" for {item}: give them edit '
        "access to it, or map another field."
    ),
    "Event": N_(
        'The integrated user cannot write Event field "{field}" for {item}: give them edit '
        "access to it, or map another field."
    ),
}


def _moved(problem: SettingsProblem, area: SettingsArea) -> SettingsProblem:
    return SettingsProblem(area, problem.setting, problem.message)


def domain_problems(settings: IntegrationSettings) -> list[SettingsProblem]:
    return [
        *validate_activity_history(settings.activity_history),
        *validate_video_history(settings.video_history),
        *validate_assignee(settings.assignee),
    ]


class ValidationService:
    def __init__(self, context: ServiceContext, *, connections: Connections) -> None:
        self._context = context
        self._connections = connections

    def validate(self) -> ValidationReport:
        """Step 8: the current settings of the three tabs checked against the integrated org."""
        report = self._validate()
        self._context.record_progress(report.result)
        return report

    def _validate(self) -> ValidationReport:
        now = self._context.clock.now()
        settings = self._context.repositories.settings.load()
        problems = domain_problems(settings)
        gateway = self._connections.integration()
        if gateway is None:
            return ValidationReport(
                result=StepResult.of(
                    step=8,
                    status=StepStatus.ACTION_NEEDED,
                    message=msg(
                        "The settings can be checked against Salesforce only while MiiTel is "
                        'integrated: click "Integrate" (step 5) first.'
                    ),
                    next_step=5,
                    details=_lines(problems),
                ),
                problems=tuple(problems),
                checked_against_org=False,
                checked_at=now,
            )
        checks = OrgChecks(gateway)
        try:
            problems += checks.activity_history(settings.activity_history)
            problems += checks.video_history(settings.video_history)
            problems += checks.assignee(settings.assignee)
        except SalesforceGatewayError as exc:
            return ValidationReport(
                result=StepResult.of(
                    step=8,
                    status=StepStatus.ERROR,
                    message=msg(
                        "The settings could not be checked against Salesforce: {reason}",
                        reason=exc.user_message,
                    ),
                    details=_lines(problems),
                ),
                problems=tuple(problems),
                checked_against_org=False,
                checked_at=now,
            )
        if problems:
            tabs = sorted({p.area for p in problems}, key=lambda a: list(SettingsArea).index(a))
            result = StepResult.of(
                step=8,
                status=StepStatus.ERROR,
                message=plural_msg(
                    "{count} setting show an error on the tabs {tabs}. Fix each item and click "
                    '"Save".',
                    "{count} settings show an error on the tabs {tabs}. Fix each item and click "
                    '"Save".',
                    len(problems),
                    tabs=quoted([a.label for a in tabs]),
                ),
                details=_lines(problems),
            )
        else:
            result = StepResult.of(
                step=8,
                status=StepStatus.OK,
                message=msg(
                    "Every object, field and user the settings of {tabs} name exists in the "
                    "integrated org and is usable by the integrated user.",
                    tabs=quoted([a.label for a in BACKED_UP_AREAS]),
                ),
                next_step=9,
            )
        return ValidationReport(
            result=result,
            problems=tuple(problems),
            checked_against_org=True,
            checked_at=now,
        )


def _lines(problems: Iterable[SettingsProblem]) -> tuple[str, ...]:
    return tuple(msg("{tab}: {problem}", tab=p.area.label, problem=p.message) for p in problems)
