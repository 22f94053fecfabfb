"""Typed answers of the Salesforce gateway: what the procedure's services read from the org."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


@dataclass(frozen=True)
class Organization:
    id: str
    name: str


@dataclass(frozen=True)
class SObjectSummary:
    """One entry of describe global."""

    name: str
    label: str
    custom: bool
    queryable: bool
    createable: bool
    updateable: bool


@dataclass(frozen=True)
class FieldDescription:
    """One field as describe reports it to the calling user."""

    name: str
    label: str
    type: str
    createable: bool
    updateable: bool
    nillable: bool
    filterable: bool
    custom: bool
    length: int
    reference_to: tuple[str, ...] = ()
    picklist_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class ObjectDescription:
    """An object's describe for the calling user: fields they cannot read are absent."""

    name: str
    label: str
    queryable: bool
    createable: bool
    updateable: bool
    fields: tuple[FieldDescription, ...]

    def field(self, name: str) -> FieldDescription | None:
        """The field called ``name`` (Salesforce names ignore case), or None."""
        wanted = name.lower()
        return next((f for f in self.fields if f.name.lower() == wanted), None)


class AppObjectsAvailability(Enum):
    """Whether the org lets the integrated user read the connected-app objects."""

    AVAILABLE = "available"
    #: The org does not expose OauthToken / ConnectedApplication / AppMenuItem to the API.
    NOT_EXPOSED = "not_exposed"
    #: The objects exist but the integrated user may not read them.
    NOT_PERMITTED = "not_permitted"


@dataclass(frozen=True)
class OAuthTokenUsage:
    """One user's OAuth grant to the app (a row of Connected Apps OAuth Usage's user list)."""

    id: str
    user_id: str | None
    app_menu_item_id: str | None
    use_count: int
    last_used: datetime | None


@dataclass(frozen=True)
class ConnectedApplicationInfo:
    """The app as installed in the org (``ConnectedApplication`` has a row only then)."""

    id: str
    name: str
    admin_approved_users_only: bool


@dataclass(frozen=True)
class AppMenuItemInfo:
    id: str
    name: str
    label: str
    application_id: str | None


@dataclass(frozen=True)
class ConnectedAppUsage:
    """What the org's API says about a connected app ("MiiTel"): its users' OAuth tokens, its
    installed record and menu item. Where objects cannot be read, ``availability`` says why and
    ``unavailable_objects`` which; the rest is reported as far as it could be read."""

    app_name: str
    availability: AppObjectsAvailability
    unavailable_objects: tuple[str, ...]
    tokens: tuple[OAuthTokenUsage, ...]
    connected_app: ConnectedApplicationInfo | None
    app_menu_item: AppMenuItemInfo | None

    @property
    def user_count(self) -> int:
        return len({t.user_id for t in self.tokens if t.user_id})

    @property
    def is_installed(self) -> bool:
        return self.connected_app is not None or any(t.app_menu_item_id for t in self.tokens)


class PermissionSource(Enum):
    PROFILE = "profile"
    PERMISSION_SET = "permission_set"


@dataclass(frozen=True)
class PermissionGrant:
    """A profile or permission set that gives the user the permission."""

    source: PermissionSource
    id: str
    name: str
    label: str


class PermissionCheckStatus(Enum):
    GRANTED = "granted"
    NOT_GRANTED = "not_granted"
    #: The org has no such permission field, or its permission objects cannot be read.
    CANNOT_CHECK = "cannot_check"
    USER_NOT_FOUND = "user_not_found"


@dataclass(frozen=True)
class PermissionCheck:
    """Whether a user holds a user permission, and through which profile or permission set."""

    permission: str
    status: PermissionCheckStatus
    user_id: str | None = None
    username: str | None = None
    profile_id: str | None = None
    profile_name: str | None = None
    granted_by: tuple[PermissionGrant, ...] = ()
    #: Why it could not be checked (Salesforce's own words), when it could not.
    detail: str = ""

    @property
    def granted(self) -> bool:
        return self.status is PermissionCheckStatus.GRANTED


@dataclass(frozen=True)
class RecordError:
    status_code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordResult:
    """The outcome for ``records[index]`` of a create call."""

    index: int
    success: bool
    id: str | None
    errors: tuple[RecordError, ...] = ()


class PhoneMatchObject(Enum):
    """Objects searched by phone, in the order MiiTel prefers them."""

    CONTACT = "Contact"
    ACCOUNT = "Account"
    LEAD = "Lead"
