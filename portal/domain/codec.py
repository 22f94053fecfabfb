"""Settings as plain JSON-ready dicts and back, strictly: any wrong key, type or value is named.

Used by the backup format and by storage; both wrap :class:`SettingsDecodeError` in their own
error that tells a person what to do, with :attr:`SettingsDecodeError.message` (a translatable
message; the path and the values found are its parameters) as the detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from portal.domain.settings import (
    ActivityHistorySettings,
    ActivityTiming,
    AssigneeSettings,
    BasicSettings,
    CallDataItem,
    FieldMappings,
    MeetingDataItem,
    TaskStatus,
    TodoObjectSettings,
    UnmappedRule,
    UserMapping,
    VideoHistorySettings,
)
from portal.domain.text import Text, msg

E = TypeVar("E", bound=Enum)
JsonObject = dict[str, Any]


class SettingsDecodeError(ValueError):
    """A stored or backed-up value does not have the expected shape; ``path`` says where."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f'at "{path}": {problem}')
        self.path = path
        self.problem = problem

    @property
    def message(self) -> Text:
        """Where and what, as a message (``str`` of the error in English)."""
        return msg('at "{path}": {problem}', path=self.path, problem=self.problem)


# --- encoding -------------------------------------------------------------------------------


def basic_to_dict(settings: BasicSettings) -> JsonObject:
    return {"turn_off_contact_retrieval": settings.turn_off_contact_retrieval}


def activity_history_to_dict(settings: ActivityHistorySettings) -> JsonObject:
    return {
        "enabled": settings.enabled,
        "timing": settings.timing.value,
        "todo": {
            "subject": settings.todo.subject,
            "status": settings.todo.status.value,
            "field_mappings": {item.value: name for item, name in settings.todo.field_mappings},
        },
    }


def video_history_to_dict(settings: VideoHistorySettings) -> JsonObject:
    return {
        "enabled": settings.enabled,
        "subject": settings.subject,
        "field_mappings": {item.value: name for item, name in settings.field_mappings},
    }


def assignee_to_dict(settings: AssigneeSettings) -> JsonObject:
    return {
        "user_mappings": {m.miitel_user: m.salesforce_username for m in settings.user_mappings},
        "default_owner_username": settings.default_owner_username,
        "unmapped_rule": settings.unmapped_rule.value,
    }


# --- decoding -------------------------------------------------------------------------------


def basic_from_dict(data: object, *, path: str = "basic") -> BasicSettings:
    obj = read_object(data, path=path, keys={"turn_off_contact_retrieval"})
    return BasicSettings(
        turn_off_contact_retrieval=read_bool(
            obj["turn_off_contact_retrieval"], path=f"{path}.turn_off_contact_retrieval"
        )
    )


def activity_history_from_dict(
    data: object, *, path: str = "activity_history"
) -> ActivityHistorySettings:
    obj = read_object(data, path=path, keys={"enabled", "timing", "todo"})
    todo = read_object(
        obj["todo"], path=f"{path}.todo", keys={"subject", "status", "field_mappings"}
    )
    return ActivityHistorySettings(
        enabled=read_bool(obj["enabled"], path=f"{path}.enabled"),
        timing=read_enum(obj["timing"], ActivityTiming, path=f"{path}.timing"),
        todo=TodoObjectSettings(
            subject=read_str(todo["subject"], path=f"{path}.todo.subject"),
            status=read_enum(todo["status"], TaskStatus, path=f"{path}.todo.status"),
            field_mappings=FieldMappings.of(
                _read_item_mapping(
                    todo["field_mappings"], CallDataItem, path=f"{path}.todo.field_mappings"
                )
            ),
        ),
    )


def video_history_from_dict(data: object, *, path: str = "video_history") -> VideoHistorySettings:
    obj = read_object(data, path=path, keys={"enabled", "subject", "field_mappings"})
    return VideoHistorySettings(
        enabled=read_bool(obj["enabled"], path=f"{path}.enabled"),
        subject=read_str(obj["subject"], path=f"{path}.subject"),
        field_mappings=FieldMappings.of(
            _read_item_mapping(
                obj["field_mappings"], MeetingDataItem, path=f"{path}.field_mappings"
            )
        ),
    )


def assignee_from_dict(data: object, *, path: str = "assignee") -> AssigneeSettings:
    obj = read_object(
        data, path=path, keys={"user_mappings", "default_owner_username", "unmapped_rule"}
    )
    users = read_object(obj["user_mappings"], path=f"{path}.user_mappings", keys=None)
    default_owner = obj["default_owner_username"]
    return AssigneeSettings(
        user_mappings=tuple(
            UserMapping(user, read_str(name, path=f"{path}.user_mappings.{user}"))
            for user, name in users.items()
        ),
        default_owner_username=(
            None
            if default_owner is None
            else read_str(default_owner, path=f"{path}.default_owner_username")
        ),
        unmapped_rule=read_enum(obj["unmapped_rule"], UnmappedRule, path=f"{path}.unmapped_rule"),
    )


def read_object(data: object, *, path: str, keys: set[str] | None) -> Mapping[str, Any]:
    """``data`` as an object with exactly ``keys`` (any string keys when ``keys`` is None)."""
    if not isinstance(data, Mapping):
        raise SettingsDecodeError(path, msg("expected an object, found {kind}", kind=_kind(data)))
    if not all(isinstance(key, str) for key in data):
        raise SettingsDecodeError(path, msg("has a key that is not a string"))
    if keys is not None:
        missing = sorted(keys - set(data))
        if missing:
            raise SettingsDecodeError(path, msg("is missing {names}", names=_names(missing)))
        unknown = sorted(set(data) - keys)
        if unknown:
            raise SettingsDecodeError(path, msg("has unknown {names}", names=_names(unknown)))
    return data


def read_bool(value: object, *, path: str) -> bool:
    if not isinstance(value, bool):
        raise SettingsDecodeError(
            path, msg("expected true or false, found {kind}", kind=_kind(value))
        )
    return value


def read_str(value: object, *, path: str) -> str:
    if not isinstance(value, str):
        raise SettingsDecodeError(path, msg("expected a string, found {kind}", kind=_kind(value)))
    return value


def read_int(value: object, *, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsDecodeError(
            path, msg("expected a whole number, found {kind}", kind=_kind(value))
        )
    return value


def read_enum(value: object, enum_type: type[E], *, path: str) -> E:
    allowed = [member.value for member in enum_type]
    for member in enum_type:
        if member.value == value:
            return member
    choices = ", ".join(f'"{choice}"' for choice in allowed)
    raise SettingsDecodeError(
        path, msg("{value} is not one of {choices}", value=_show(value), choices=choices)
    )


def _read_item_mapping(data: object, enum_type: type[E], *, path: str) -> dict[E, str]:
    obj = read_object(data, path=path, keys=None)
    return {
        read_enum(key, enum_type, path=f"{path}.{key}"): read_str(value, path=f"{path}.{key}")
        for key, value in obj.items()
    }


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return msg("true or false")
    if isinstance(value, str):
        return msg('the string "{value}"', value=value)
    if isinstance(value, int | float):
        # As written (no digit grouping): the stored value, not a count.
        return msg("the number {value}", value=str(value))
    if isinstance(value, list):
        return msg("a list")
    if isinstance(value, Mapping):
        return msg("an object")
    return type(value).__name__


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else _kind(value)


def _names(keys: list[str]) -> str:
    quoted = ", ".join(f'"{key}"' for key in keys)
    if len(keys) == 1:
        return msg("key {names}", names=quoted)
    return msg("keys {names}", names=quoted)
