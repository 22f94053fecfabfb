"""The settings tabs: read the current settings, [Save] one tab, and step 9's checkbox.

A Save is checked first without Salesforce (the domain's rules), then, while MiiTel is
integrated, against the org (objects, fields, users). Any error means nothing is saved, and
each error names its setting so the tab can show it next to the field.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.gateway_errors import SalesforceGatewayError, SalesforceRequestError
from portal.domain.history import AuthEvent
from portal.domain.salesforce import ObjectDescription
from portal.domain.settings import (
    ActivityHistorySettings,
    AssigneeSettings,
    IntegrationSettings,
    SettingsArea,
    VideoHistorySettings,
)
from portal.domain.steps import StepResult, StepStatus
from portal.domain.text import N_, Text, msg, plural_msg
from portal.domain.validation import (
    EVENT_RESERVED_FIELDS,
    TASK_RESERVED_FIELDS,
    SettingsProblem,
    validate_activity_history,
    validate_assignee,
    validate_video_history,
)
from portal.domain.wording import for_object
from portal.services.actors import Actor
from portal.services.connections import Connections
from portal.services.context import ServiceContext
from portal.services.validation import OrgChecks


@dataclass(frozen=True)
class SaveResult:
    """What [Save] did: ``saved`` is False when any problem was found (then nothing changed).
    ``warning`` says when the org could not be asked (the settings were saved unchecked)."""

    area: SettingsArea
    saved: bool
    settings: IntegrationSettings
    problems: tuple[SettingsProblem, ...] = ()
    message: str = ""
    warning: Text | None = None


#: How long one object's describe serves the tabs before the org is asked again.
FIELD_CHOICES_TTL: Final = timedelta(seconds=60)
#: Fields the integration writes itself, which a mapping may not name (Save refuses them).
_RESERVED: Final = {"task": TASK_RESERVED_FIELDS, "event": EVENT_RESERVED_FIELDS}


@dataclass(frozen=True)
class FieldChoice:
    """One field of the integrated org that the integrated user can write."""

    api_name: str
    label: str
    type: str
    createable: bool = True


@dataclass(frozen=True)
class FieldChoices:
    """The fields a mapping can name. ``available`` is False (``message`` says why, and
    ``fields`` is empty) when MiiTel is not integrated or Salesforce could not be asked."""

    sobject: str
    available: bool
    fields: tuple[FieldChoice, ...] = ()
    message: str = ""

    def find(self, api_name: str) -> FieldChoice | None:
        """The choice called ``api_name`` (Salesforce names ignore case), or None."""
        wanted = api_name.strip().lower()
        return next((f for f in self.fields if f.api_name.lower() == wanted), None)


@dataclass(frozen=True)
class _Described:
    key: tuple[object, ...]
    choices: FieldChoices
    expires_at: datetime


class SettingsService:
    def __init__(self, context: ServiceContext, *, connections: Connections) -> None:
        self._context = context
        self._connections = connections
        self._choices: dict[str, _Described] = {}
        self._choices_lock = threading.Lock()

    def field_choices(self, *, sobject: str) -> FieldChoices:
        """The createable fields of ``sobject`` in the integrated org that a mapping may name
        (not those the integration writes itself), by API name, from its describe (kept for a
        minute per integration). Never raises for Salesforce: when it
        cannot be asked, or MiiTel is not integrated, ``available`` is False with the reason."""
        tokens = self._context.repositories.tokens.load()
        if tokens is None:
            return FieldChoices(
                sobject=sobject,
                available=False,
                message=for_object(sobject, _NOT_INTEGRATED),
            )
        integrated = self._context.repositories.authentication_history.latest(
            event=AuthEvent.INTEGRATED
        )
        # A new integration (another org, or the same one again) never reuses a describe.
        key = (tokens.org_id, tokens.user_id, integrated.id if integrated else None)
        now = self._context.clock.now()
        with self._choices_lock:
            cached = self._choices.get(sobject)
        if cached is not None and cached.key == key and now < cached.expires_at:
            return cached.choices
        choices = self._described_choices(sobject)
        if choices.available:
            with self._choices_lock:
                self._choices[sobject] = _Described(key, choices, now + FIELD_CHOICES_TTL)
        return choices

    def _described_choices(self, sobject: str) -> FieldChoices:
        try:
            gateway = self._connections.integration()
            if gateway is None:
                return FieldChoices(
                    sobject=sobject, available=False, message=msg("MiiTel is not integrated.")
                )
            described = gateway.describe(sobject)
        except SalesforceRequestError as exc:
            if exc.is_not_found:
                message = for_object(sobject, _OBJECT_MISSING)
            else:
                message = for_object(sobject, _UNREADABLE, reason=exc.user_message)
            return FieldChoices(sobject=sobject, available=False, message=message)
        except SalesforceGatewayError as exc:
            return FieldChoices(
                sobject=sobject,
                available=False,
                message=for_object(sobject, _UNREADABLE, reason=exc.user_message),
            )
        return FieldChoices(sobject=sobject, available=True, fields=_createable(described))

    def current(self) -> IntegrationSettings:
        """The current settings of every tab (documented defaults for a tab never saved)."""
        return self._context.repositories.settings.load()

    def save_activity_history(
        self, *, actor: Actor, settings: ActivityHistorySettings
    ) -> SaveResult:
        """[Save] on "Activity history integration"."""
        return self._save(
            actor=actor,
            area=SettingsArea.ACTIVITY_HISTORY,
            local=validate_activity_history(settings),
            org=lambda checks: checks.activity_history(settings),
            apply=lambda current: replace(current, activity_history=settings),
        )

    def save_video_history(self, *, actor: Actor, settings: VideoHistorySettings) -> SaveResult:
        """[Save] on "Video history integration"."""
        return self._save(
            actor=actor,
            area=SettingsArea.VIDEO_HISTORY,
            local=validate_video_history(settings),
            org=lambda checks: checks.video_history(settings),
            apply=lambda current: replace(current, video_history=settings),
        )

    def save_assignee(self, *, actor: Actor, settings: AssigneeSettings) -> SaveResult:
        """[Save] on "Activity history assignee"."""
        return self._save(
            actor=actor,
            area=SettingsArea.ASSIGNEE,
            local=validate_assignee(settings),
            org=lambda checks: checks.assignee(settings),
            apply=lambda current: replace(current, assignee=settings),
        )

    def set_contact_retrieval(self, *, actor: Actor, turn_off: bool) -> StepResult:
        """Step 9: "Turn off retrieving Salesforce contact information" and [Save]."""
        self._context.require_admin(actor, AuditAction.SAVE_SETTINGS)
        with self._context.storage.unit_of_work() as uow:
            current = uow.settings.load()
            uow.settings.save(
                replace(current, basic=replace(current.basic, turn_off_contact_retrieval=turn_off))
            )
            result = _contact_result(turn_off)
            self._context.audit(
                actor=actor,
                action=AuditAction.SAVE_SETTINGS,
                outcome=AuditOutcome.SUCCEEDED,
                detail=msg("Basic settings: retrieving contact information turned off")
                if turn_off
                else msg("Basic settings: retrieving contact information turned on"),
                repositories=uow,
            )
            self._context.record_progress(result, by=actor, repositories=uow)
            uow.commit()
        return result

    def contact_retrieval(self) -> StepResult:
        """Step 9's check: what "Turn off retrieving Salesforce contact information" says."""
        return _contact_result(self.current().basic.turn_off_contact_retrieval)

    def _save(
        self,
        *,
        actor: Actor,
        area: SettingsArea,
        local: tuple[SettingsProblem, ...],
        org: Callable[[OrgChecks], list[SettingsProblem]],
        apply: Callable[[IntegrationSettings], IntegrationSettings],
    ) -> SaveResult:
        self._context.require_admin(actor, AuditAction.SAVE_SETTINGS)
        problems = list(local)
        warning = None
        gateway = self._connections.integration()
        if not problems and gateway is not None:
            try:
                problems += org(OrgChecks(gateway))
            except SalesforceGatewayError as exc:
                warning = msg(
                    "Saved without checking against Salesforce, which could not be asked: "
                    "{reason} Check the tab again in step 8.",
                    reason=exc.user_message,
                )
        if problems:
            self._context.audit(
                actor=actor,
                action=AuditAction.SAVE_SETTINGS,
                outcome=AuditOutcome.FAILED,
                detail=plural_msg(
                    '"{tab}": {count} problem, nothing saved',
                    '"{tab}": {count} problems, nothing saved',
                    len(problems),
                    tab=area.label,
                ),
            )
            return SaveResult(
                area=area,
                saved=False,
                settings=self.current(),
                problems=tuple(problems),
                message=plural_msg(
                    'Nothing was saved: fix the {count} item marked on "{tab}" and click "Save" '
                    "again.",
                    'Nothing was saved: fix the {count} items marked on "{tab}" and click '
                    '"Save" again.',
                    len(problems),
                    tab=area.label,
                ),
            )
        with self._context.storage.unit_of_work() as uow:
            updated = apply(uow.settings.load())
            uow.settings.save(updated)
            self._context.audit(
                actor=actor,
                action=AuditAction.SAVE_SETTINGS,
                outcome=AuditOutcome.SUCCEEDED,
                detail=msg('"{tab}" saved', tab=area.label)
                if gateway is not None
                else msg('"{tab}" saved (not checked: not integrated)', tab=area.label),
                repositories=uow,
            )
            uow.commit()
        return SaveResult(
            area=area,
            saved=True,
            settings=updated,
            message=msg('"{tab}" was saved.', tab=area.label),
            warning=warning,
        )


def _createable(described: ObjectDescription) -> tuple[FieldChoice, ...]:
    reserved = _RESERVED.get(described.name.lower(), frozenset())
    fields = (
        FieldChoice(api_name=f.name, label=f.label, type=f.type, createable=True)
        for f in described.fields
        if f.createable and f.name.lower() not in reserved
    )
    return tuple(sorted(fields, key=lambda f: f.api_name.lower()))


_NOT_INTEGRATED: Final = {
    "Task": N_(
        "MiiTel is not integrated, so the org's Task fields cannot be listed: type the field API "
        "names. They are checked against the org once MiiTel is integrated (step 8)."
    ),
    "Event": N_(
        "MiiTel is not integrated, so the org's Event fields cannot be listed: type the field "
        "API names. They are checked against the org once MiiTel is integrated (step 8)."
    ),
}
_OBJECT_MISSING: Final = {
    "Task": N_(
        "The Task object does not exist in the integrated org, or the integrated user cannot "
        "read it. Type the field API names instead; step 8 checks them."
    ),
    "Event": N_(
        "The Event object does not exist in the integrated org, or the integrated user cannot "
        "read it. Type the field API names instead; step 8 checks them."
    ),
}
_UNREADABLE: Final = {
    "Task": N_(
        "The org's Task fields could not be read: {reason} Type the field API names instead; "
        "step 8 checks them."
    ),
    "Event": N_(
        "The org's Event fields could not be read: {reason} Type the field API names instead; "
        "step 8 checks them."
    ),
}


def _contact_result(turn_off: bool) -> StepResult:
    if turn_off:
        message = msg(
            "“Turn off retrieving Salesforce contact information” is selected: MiiTel does not "
            "retrieve contacts from Salesforce."
        )
    else:
        message = msg(
            "MiiTel retrieves contact information from Salesforce. If you do not want that, "
            "select “Turn off retrieving Salesforce contact information” and click Save."
        )
    return StepResult.of(step=9, status=StepStatus.OK, message=message, next_step=10)
