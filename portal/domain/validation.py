"""Checks of the settings that need no Salesforce: syntax of field names, usernames, templates.

Checks against the integrated org (the object and field exist and are writable, the user is
active) are step 8 and live in the services; these run first and on every Save.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from portal.domain.settings import (
    ACTIVITY_SUBJECT_PLACEHOLDERS,
    VIDEO_SUBJECT_PLACEHOLDERS,
    ActivityHistorySettings,
    AssigneeSettings,
    FieldMappings,
    IntegrationSettings,
    ItemT,
    SettingsArea,
    UnmappedRule,
    VideoHistorySettings,
)
from portal.domain.templates import TemplateProblem, template_placeholders
from portal.domain.text import N_, Text, msg
from portal.domain.wording import for_object

SUBJECT_MAX_LENGTH: Final = 255  # Task.Subject and Event.Subject are 255 characters in Salesforce
FIELD_NAME_MAX_LENGTH: Final = 40  # Salesforce's limit for a field name, suffix and prefix aside

_STANDARD_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CUSTOM_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)")
_NAMESPACE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,14}")
_USERNAME = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")

# Fields the integration writes itself; a mapping onto them would overwrite what it wrote.
TASK_RESERVED_FIELDS: Final = frozenset({"subject", "status", "ownerid", "whoid", "whatid"})
EVENT_RESERVED_FIELDS: Final = frozenset({"subject", "ownerid", "whoid", "whatid"})


@dataclass(frozen=True)
class SettingsProblem:
    """One problem with one setting: the tab, the setting's key, and what to do about it."""

    area: SettingsArea
    setting: str
    message: Text


def is_valid_field_api_name(name: str) -> bool:
    """Whether ``name`` is a well-formed standard (``Description``) or custom
    (``Call_Memo__c``, ``ns__Call_Memo__c``) field API name."""
    if _STANDARD_FIELD.fullmatch(name):
        return len(name) <= FIELD_NAME_MAX_LENGTH
    if len(name) < 4 or name[-3:].lower() != "__c":
        return False
    body = name[:-3]
    namespace, separator, local = body.partition("__")
    if not separator:
        namespace, local = "", body
    elif not _NAMESPACE.fullmatch(namespace):
        return False
    return bool(_CUSTOM_NAME.fullmatch(local)) and len(local) <= FIELD_NAME_MAX_LENGTH


def looks_like_username(value: str) -> bool:
    """Whether ``value`` has the form of a Salesforce username (an email address)."""
    return bool(_USERNAME.fullmatch(value))


def validate_settings(settings: IntegrationSettings) -> tuple[SettingsProblem, ...]:
    """Every problem in the three integration areas (Basic settings has none possible)."""
    return (
        *validate_activity_history(settings.activity_history),
        *validate_video_history(settings.video_history),
        *validate_assignee(settings.assignee),
    )


def validate_activity_history(settings: ActivityHistorySettings) -> tuple[SettingsProblem, ...]:
    """Problems in Activity history integration: the Subject and the Task field mappings."""
    area = SettingsArea.ACTIVITY_HISTORY
    return (
        *_subject_problems(
            area, "todo.subject", settings.todo.subject, ACTIVITY_SUBJECT_PLACEHOLDERS
        ),
        *_mapping_problems(
            area, "todo.field_mappings", "Task", settings.todo.field_mappings, TASK_RESERVED_FIELDS
        ),
    )


def validate_video_history(settings: VideoHistorySettings) -> tuple[SettingsProblem, ...]:
    """Problems in Video history integration: the Subject and the Event field mappings."""
    area = SettingsArea.VIDEO_HISTORY
    return (
        *_subject_problems(area, "subject", settings.subject, VIDEO_SUBJECT_PLACEHOLDERS),
        *_mapping_problems(
            area, "field_mappings", "Event", settings.field_mappings, EVENT_RESERVED_FIELDS
        ),
    )


def validate_assignee(settings: AssigneeSettings) -> tuple[SettingsProblem, ...]:
    """Problems in Activity history assignee: MiiTel users and Salesforce usernames."""
    area = SettingsArea.ASSIGNEE
    problems: list[SettingsProblem] = []
    counts = Counter(mapping.miitel_user.strip() for mapping in settings.user_mappings)
    for user, count in counts.items():
        if user and count > 1:
            problems.append(
                SettingsProblem(
                    area,
                    f"user_mappings.{user}",
                    msg(
                        'MiiTel user "{user}" is mapped {count} times: keep one Salesforce '
                        "username for each MiiTel user.",
                        user=user,
                        count=count,
                    ),
                )
            )
    for mapping in settings.user_mappings:
        key = f"user_mappings.{mapping.miitel_user}"
        if not mapping.miitel_user.strip():
            problems.append(
                SettingsProblem(
                    area,
                    key,
                    msg(
                        "A row has no MiiTel user: enter the MiiTel user's id or email, "
                        "or delete the row."
                    ),
                )
            )
        elif not looks_like_username(mapping.salesforce_username.strip()):
            problems.append(
                SettingsProblem(
                    area,
                    key,
                    msg(
                        '"{username}" for MiiTel user "{user}" is not a Salesforce username: '
                        "enter the username in email form (for example jane@example.com).",
                        username=mapping.salesforce_username,
                        user=mapping.miitel_user,
                    ),
                )
            )
    default_owner = settings.default_owner_username
    if default_owner is not None and not looks_like_username(default_owner.strip()):
        problems.append(
            SettingsProblem(
                area,
                "default_owner_username",
                msg(
                    'The default owner "{username}" is not a Salesforce username: enter the '
                    "username in email form (for example jane@example.com), or leave it empty.",
                    username=default_owner,
                ),
            )
        )
    if settings.unmapped_rule is UnmappedRule.DEFAULT_OWNER and not (default_owner or "").strip():
        problems.append(
            SettingsProblem(
                area,
                "unmapped_rule",
                msg(
                    "Unmapped users, missed calls and voicemail are set to go to the default "
                    "owner, but no default owner is set: enter a default owner's Salesforce "
                    "username, or send them to the integrated Salesforce user."
                ),
            )
        )
    return tuple(problems)


def _subject_problems(
    area: SettingsArea, setting: str, template: str, allowed: frozenset[str]
) -> Iterable[SettingsProblem]:
    if not template.strip():
        yield SettingsProblem(
            area,
            setting,
            msg(
                "The Subject is empty: enter a Subject, for example {example}.",
                example="[MiiTel] {title}",
            ),
        )
        return
    if len(template) > SUBJECT_MAX_LENGTH:
        yield SettingsProblem(
            area,
            setting,
            msg(
                "The Subject is {length} characters long: Salesforce keeps at most {limit}; "
                "shorten it.",
                length=len(template),
                limit=SUBJECT_MAX_LENGTH,
            ),
        )
    parsed = template_placeholders(template)
    if isinstance(parsed, TemplateProblem):
        yield SettingsProblem(area, setting, parsed.message)
        return
    unknown = sorted(set(parsed) - allowed)
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in sorted(allowed))
        names = ", ".join(f"{{{name}}}" for name in unknown)
        yield SettingsProblem(
            area,
            setting,
            msg(
                "The Subject uses unknown placeholders {names}: use only {known}.",
                names=names,
                known=known,
            ),
        )


def _mapping_problems(
    area: SettingsArea,
    setting: str,
    sobject: str,
    mappings: FieldMappings[ItemT],
    reserved: frozenset[str],
) -> Iterable[SettingsProblem]:
    targets = Counter(api_name.lower() for _, api_name in mappings)
    for item, api_name in mappings:
        key = f"{setting}.{item.value}"
        if not is_valid_field_api_name(api_name):
            if _CUSTOM_NAME.fullmatch(api_name) and "_" in api_name:
                message = for_object(
                    sobject,
                    _NOT_AN_API_NAME_MEANT_CUSTOM,
                    field=api_name,
                    item=item.label,
                    suggestion=api_name + "__c",
                )
            else:
                message = for_object(sobject, _NOT_AN_API_NAME, field=api_name, item=item.label)
            yield SettingsProblem(area, key, message)
        elif api_name.lower() in reserved:
            yield SettingsProblem(
                area,
                key,
                for_object(sobject, _SET_BY_INTEGRATION, field=api_name, item=item.label),
            )
        elif targets[api_name.lower()] > 1:
            yield SettingsProblem(area, key, for_object(sobject, _MAPPED_TWICE, field=api_name))


_NOT_AN_API_NAME_MEANT_CUSTOM: Final = {
    "Task": N_(
        'Task field "{field}" for {item} is not a field API name (did you mean "{suggestion}"?): '
        "use the API name shown in Salesforce Setup > Object Manager: letters, digits and "
        'single underscores, starting with a letter; custom fields end in "__c".'
    ),
    "Event": N_(
        'Event field "{field}" for {item} is not a field API name (did you mean "{suggestion}"?): '
        "use the API name shown in Salesforce Setup > Object Manager: letters, digits and "
        'single underscores, starting with a letter; custom fields end in "__c".'
    ),
}
_NOT_AN_API_NAME: Final = {
    "Task": N_(
        'Task field "{field}" for {item} is not a field API name: use the API name shown in '
        "Salesforce Setup > Object Manager: letters, digits and single underscores, starting "
        'with a letter; custom fields end in "__c".'
    ),
    "Event": N_(
        'Event field "{field}" for {item} is not a field API name: use the API name shown in '
        "Salesforce Setup > Object Manager: letters, digits and single underscores, starting "
        'with a letter; custom fields end in "__c".'
    ),
}
_SET_BY_INTEGRATION: Final = {
    "Task": N_(
        'Task field "{field}" for {item} is set by the integration itself: choose another field.'
    ),
    "Event": N_(
        'Event field "{field}" for {item} is set by the integration itself: choose another field.'
    ),
}
_MAPPED_TWICE: Final = {
    "Task": N_(
        'Task field "{field}" is mapped to more than one item: map each item to its own field.'
    ),
    "Event": N_(
        'Event field "{field}" is mapped to more than one item: map each item to its own field.'
    ),
}
