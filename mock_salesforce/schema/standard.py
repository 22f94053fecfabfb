"""The standard objects the mock org has, with the fields and attributes describe reports."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mock_salesforce.ids import KEY_PREFIXES
from mock_salesforce.schema.model import FieldDef, FieldType, ObjectDef

T = FieldType

#: The user-level permissions modelled on Profile and PermissionSet (``Permissions<Name>``).
USER_PERMISSIONS = (
    "ApiEnabled",
    "ViewSetup",
    "ManageUsers",
    "CustomizeApplication",
    "ModifyAllData",
    "ViewAllData",
    "CanApproveUninstalledApps",
)


def _label(name: str) -> str:
    base = name.removesuffix("__c").removesuffix("Id") if name != "Id" else "Id"
    out = ""
    for i, ch in enumerate(base.replace("_", " ")):
        if ch.isupper() and i and base[i - 1].islower():
            out += " "
        out += ch
    return out.strip() or name


def f(name: str, type_: FieldType, length: int = 0, **kw: Any) -> FieldDef:
    """A field with Salesforce's usual defaults for its type."""
    if type_ in (T.STRING, T.PHONE, T.EMAIL, T.URL, T.PICKLIST, T.COMBOBOX) and not length:
        length = {T.PHONE: 40, T.EMAIL: 80, T.URL: 255}.get(type_, 255)
    if type_ is T.TEXTAREA and not length:
        length = 32000
    if type_ in (T.ID, T.REFERENCE):
        length = 18
    if type_ is T.TEXTAREA and length > 255:
        kw.setdefault("filterable", False)
        kw.setdefault("sortable", False)
        kw.setdefault("groupable", False)
    if type_ in (T.DOUBLE, T.CURRENCY, T.PERCENT):
        kw.setdefault("precision", 18)
        kw.setdefault("scale", 2)
    if type_ is T.BOOLEAN:
        kw.setdefault("nillable", False)
        kw.setdefault("default_on_create", True)
        kw.setdefault("default_value", False)
    kw.setdefault("label", _label(name))
    return FieldDef(name=name, type=type_, length=length, **kw)


def ref(name: str, *targets: str, rel: str, child: str | None = None, **kw: Any) -> FieldDef:
    return f(
        name,
        T.REFERENCE,
        reference_to=targets,
        relationship_name=rel,
        child_relationship_name=child,
        **kw,
    )


def readonly(field: FieldDef) -> FieldDef:
    return replace(field, createable=False, updateable=False)


def system_fields() -> list[FieldDef]:
    return [
        f("Id", T.ID, createable=False, updateable=False, nillable=False, label="Record ID"),
        f("IsDeleted", T.BOOLEAN, createable=False, updateable=False, label="Deleted"),
        f("CreatedDate", T.DATETIME, createable=False, updateable=False, nillable=False),
        ref(
            "CreatedById",
            "User",
            rel="CreatedBy",
            createable=False,
            updateable=False,
            nillable=False,
        ),
        f("LastModifiedDate", T.DATETIME, createable=False, updateable=False, nillable=False),
        ref(
            "LastModifiedById",
            "User",
            rel="LastModifiedBy",
            createable=False,
            updateable=False,
            nillable=False,
        ),
        f("SystemModstamp", T.DATETIME, createable=False, updateable=False, nillable=False),
    ]


def owner_field(child: str | None = None) -> FieldDef:
    return ref("OwnerId", "User", rel="Owner", child=child, nillable=False, default_on_create=True)


def obj(
    name: str,
    fields: list[FieldDef],
    *,
    plural: str | None = None,
    owned: bool = False,
    label: str | None = None,
    **kw: Any,
) -> ObjectDef:
    all_fields = system_fields() + ([owner_field()] if owned else []) + fields
    return ObjectDef(
        name=name,
        label=label or _label(name),
        label_plural=plural or (label or _label(name)) + "s",
        key_prefix=KEY_PREFIXES.get(name, ""),
        fields=tuple(all_fields),
        has_owner=owned,
        **kw,
    )


def permission_fields() -> list[FieldDef]:
    return [f(f"Permissions{p}", T.BOOLEAN) for p in USER_PERMISSIONS]


def person_name(required_last: bool = True) -> list[FieldDef]:
    return [
        f("FirstName", T.STRING, 40),
        f("LastName", T.STRING, 80, nillable=not required_last),
        readonly(f("Name", T.STRING, 121, calculated=True, label="Full Name")),
    ]


SALUTATIONS = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")
INDUSTRIES = (
    "Agriculture",
    "Banking",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Finance",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Manufacturing",
    "Media",
    "Retail",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
    "Other",
)
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
PRIORITIES = ("High", "Normal", "Low")
LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)


_ACCESS = ("None", "Read", "Edit", "ReadEditTransfer", "ControlledByParent")


def _organization_fields() -> list[FieldDef]:
    """Organization's standard fields (the API reference's list; the compound ``Address``
    is left out, its parts are here). Only the org's own settings are updateable."""
    settable = [
        f("Name", T.STRING, 80, nillable=False),
        f("Division", T.STRING, 80),
        f("Street", T.TEXTAREA, 255),
        f("City", T.STRING, 40),
        f("State", T.STRING, 80, label="State/Province"),
        f("PostalCode", T.STRING, 20, label="Zip/Postal Code"),
        f("Country", T.STRING, 80),
        f("Latitude", T.DOUBLE, precision=18, scale=15),
        f("Longitude", T.DOUBLE, precision=18, scale=15),
        f(
            "GeocodeAccuracy",
            T.PICKLIST,
            40,
            picklist_values=(
                "Address",
                "NearAddress",
                "Block",
                "Street",
                "ExtendedZip",
                "Zip",
                "Neighborhood",
                "City",
                "County",
                "State",
                "Unknown",
            ),
        ),
        f("Phone", T.PHONE),
        f("Fax", T.PHONE),
        f("PrimaryContact", T.STRING, 80),
        f("DefaultLocaleSidKey", T.PICKLIST, 40, picklist_values=("ja_JP", "en_US")),
        f("TimeZoneSidKey", T.PICKLIST, 40, picklist_values=("Asia/Tokyo", "America/Los_Angeles")),
        f("LanguageLocaleKey", T.PICKLIST, 40, picklist_values=("ja", "en_US")),
        f("ReceivesInfoEmails", T.BOOLEAN),
        f("ReceivesAdminInfoEmails", T.BOOLEAN),
        f("PreferencesRequireOpportunityProducts", T.BOOLEAN),
        f("PreferencesTransactionSecurityPolicy", T.BOOLEAN),
        f("PreferencesTerminateOldestSession", T.BOOLEAN),
        f("PreferencesConsentManagementEnabled", T.BOOLEAN),
        f("PreferencesAutoSelectIndividualOnMerge", T.BOOLEAN),
        f("PreferencesLightningLoginEnabled", T.BOOLEAN),
        f("PreferencesOnlyLLPermUserAllowed", T.BOOLEAN),
        f("FiscalYearStartMonth", T.INT),
        f("UsesStartDateAsFiscalYearName", T.BOOLEAN),
        f("DefaultAccountAccess", T.PICKLIST, 40, picklist_values=_ACCESS),
        f("DefaultContactAccess", T.PICKLIST, 40, picklist_values=_ACCESS),
        f("DefaultOpportunityAccess", T.PICKLIST, 40, picklist_values=_ACCESS),
        f("DefaultLeadAccess", T.PICKLIST, 40, picklist_values=_ACCESS),
        f("DefaultCaseAccess", T.PICKLIST, 40, picklist_values=_ACCESS),
        f(
            "DefaultCalendarAccess",
            T.PICKLIST,
            40,
            picklist_values=(
                "HideDetails",
                "HideDetailsInsert",
                "ShowDetails",
                "ShowDetailsInsert",
                "AllowEdits",
            ),
        ),
        f("DefaultPricebookAccess", T.PICKLIST, 40, picklist_values=("None", "ReadSelect", "All")),
        f("DefaultCampaignAccess", T.PICKLIST, 40, picklist_values=_ACCESS),
        f("ComplianceBccEmail", T.EMAIL),
        f("UiSkin", T.PICKLIST, 40, picklist_values=("Theme1", "Theme2", "Theme3", "Theme4d")),
        f("WebToCaseDefaultOrigin", T.STRING, 40),
    ]
    fixed = [
        f("SignupCountryIsoCode", T.STRING, 2),
        f("TrialExpirationDate", T.DATETIME),
        f("NumKnowledgeService", T.INT),
        f(
            "OrganizationType",
            T.PICKLIST,
            40,
            label="Edition",
            picklist_values=(
                "Team Edition",
                "Professional Edition",
                "Enterprise Edition",
                "Developer Edition",
                "Personal Edition",
                "Unlimited Edition",
                "Contact Manager Edition",
                "Base Edition",
            ),
        ),
        f("NamespacePrefix", T.STRING, 15),
        f("InstanceName", T.STRING, 5),
        f("IsSandbox", T.BOOLEAN),
        f("MonthlyPageViewsUsed", T.INT),
        f("MonthlyPageViewsEntitlement", T.INT),
        f("IsReadOnly", T.BOOLEAN),
    ]
    return [replace(fd, createable=False) for fd in settable] + [readonly(fd) for fd in fixed]


ORGANIZATION = obj("Organization", _organization_fields(), createable=False, deletable=False)

PROFILE = obj(
    "Profile",
    [
        f("Name", T.STRING, 255, nillable=False),
        f("Description", T.STRING, 255),
        f("UserType", T.PICKLIST, picklist_values=("Standard", "PowerPartner", "CsnOnly")),
        *permission_fields(),
    ],
)

USER = obj(
    "User",
    [
        f("Username", T.STRING, 80, nillable=False, unique=True),
        *person_name(),
        f("Alias", T.STRING, 8, nillable=False),
        f("Email", T.EMAIL, nillable=False),
        f("IsActive", T.BOOLEAN, default_value=True),
        ref("ProfileId", "Profile", rel="Profile", child="Users", nillable=False),
        f("Title", T.STRING, 80),
        f("Department", T.STRING, 80),
        f("Phone", T.PHONE),
        f("MobilePhone", T.PHONE),
        f(
            "UserType",
            T.PICKLIST,
            picklist_values=("Standard",),
            createable=False,
            updateable=False,
        ),
        f(
            "TimeZoneSidKey",
            T.PICKLIST,
            nillable=False,
            picklist_values=("Asia/Tokyo", "America/Los_Angeles"),
        ),
        f("LocaleSidKey", T.PICKLIST, nillable=False, picklist_values=("ja_JP", "en_US")),
        f("LanguageLocaleKey", T.PICKLIST, nillable=False, picklist_values=("ja", "en_US")),
        f(
            "EmailEncodingKey",
            T.PICKLIST,
            nillable=False,
            picklist_values=("UTF-8", "ISO-2022-JP", "Shift_JIS"),
        ),
        readonly(f("LastLoginDate", T.DATETIME)),
    ],
)

PERMISSION_SET = obj(
    "PermissionSet",
    [
        f("Name", T.STRING, 80, nillable=False),
        f("Label", T.STRING, 80, nillable=False),
        f("Description", T.STRING, 255),
        readonly(f("IsOwnedByProfile", T.BOOLEAN)),
        readonly(ref("ProfileId", "Profile", rel="Profile")),
        *permission_fields(),
    ],
)

PERMISSION_SET_ASSIGNMENT = obj(
    "PermissionSetAssignment",
    [
        ref(
            "AssigneeId",
            "User",
            rel="Assignee",
            child="PermissionSetAssignments",
            nillable=False,
            updateable=False,
        ),
        ref(
            "PermissionSetId",
            "PermissionSet",
            rel="PermissionSet",
            child="Assignments",
            nillable=False,
            updateable=False,
        ),
    ],
    updateable=False,
)

OBJECT_PERMISSIONS = obj(
    "ObjectPermissions",
    [
        ref(
            "ParentId",
            "PermissionSet",
            rel="Parent",
            child="ObjectPerms",
            nillable=False,
            updateable=False,
        ),
        f("SobjectType", T.PICKLIST, nillable=False, updateable=False),
        f("PermissionsCreate", T.BOOLEAN),
        f("PermissionsRead", T.BOOLEAN),
        f("PermissionsEdit", T.BOOLEAN),
        f("PermissionsDelete", T.BOOLEAN),
        f("PermissionsViewAllRecords", T.BOOLEAN),
        f("PermissionsModifyAllRecords", T.BOOLEAN),
    ],
    plural="Object Permissions",
    label="Object Permissions",
)

FIELD_PERMISSIONS = obj(
    "FieldPermissions",
    [
        ref(
            "ParentId",
            "PermissionSet",
            rel="Parent",
            child="FieldPerms",
            nillable=False,
            updateable=False,
        ),
        f("SobjectType", T.PICKLIST, nillable=False, updateable=False),
        f("Field", T.STRING, 255, nillable=False, updateable=False),
        f("PermissionsRead", T.BOOLEAN),
        f("PermissionsEdit", T.BOOLEAN),
    ],
    plural="Field Permissions",
    label="Field Permissions",
)

CONNECTED_APPLICATION = obj(
    "ConnectedApplication",
    [
        f("Name", T.STRING, 255, nillable=False),
        f("OptionsAllowAdminApprovedUsersOnly", T.BOOLEAN),
        f("OptionsRefreshTokenValidityMetric", T.BOOLEAN),
        f("OptionsHasSessionLevelPolicy", T.BOOLEAN),
        f("OptionsIsInternal", T.BOOLEAN),
        f("StartUrl", T.URL),
        f("RefreshTokenValidityPeriod", T.INT),
    ],
    createable=False,
    updateable=False,
    deletable=False,
    label="Connected App",
)

APP_MENU_ITEM = obj(
    "AppMenuItem",
    [
        f("Name", T.STRING, 80),
        f("Label", T.STRING, 80),
        ref("ApplicationId", "ConnectedApplication", rel="Application"),
        f("Type", T.PICKLIST, picklist_values=("ConnectedApplication", "TabSet", "Network")),
        f("IsAccessible", T.BOOLEAN),
        f("IsVisible", T.BOOLEAN),
        f("StartUrl", T.URL),
    ],
    createable=False,
    updateable=False,
    deletable=False,
    label="App Menu Item",
)

OAUTH_TOKEN = obj(
    "OauthToken",
    [
        f("AppName", T.STRING, 255),
        ref("AppMenuItemId", "AppMenuItem", rel="AppMenuItem"),
        ref("UserId", "User", rel="User", child="OauthTokens"),
        f("UseCount", T.INT),
        f("LastUsedDate", T.DATETIME),
        f("AccessTokenExpiration", T.DATETIME),
        f("DeleteToken", T.STRING, 255),
        f("RequestToken", T.STRING, 255),
    ],
    createable=False,
    updateable=False,
    label="OAuth Token",
)

ACCOUNT = obj(
    "Account",
    [
        f("Name", T.STRING, 255, nillable=False),
        ref("ParentId", "Account", rel="Parent", child="ChildAccounts"),
        f(
            "Type",
            T.PICKLIST,
            picklist_values=(
                "Prospect",
                "Customer - Direct",
                "Customer - Channel",
                "Partner",
                "Other",
            ),
        ),
        f("Industry", T.PICKLIST, picklist_values=INDUSTRIES),
        f("Phone", T.PHONE),
        f("Fax", T.PHONE),
        f("Website", T.URL),
        f("BillingStreet", T.TEXTAREA, 255),
        f("BillingCity", T.STRING, 40),
        f("BillingState", T.STRING, 80),
        f("BillingPostalCode", T.STRING, 20),
        f("BillingCountry", T.STRING, 80),
        f("NumberOfEmployees", T.INT),
        f("AnnualRevenue", T.CURRENCY),
        f("AccountNumber", T.STRING, 40),
        f("Description", T.TEXTAREA),
    ],
    owned=True,
)

CONTACT = obj(
    "Contact",
    [
        f("Salutation", T.PICKLIST, picklist_values=SALUTATIONS),
        *person_name(),
        ref("AccountId", "Account", rel="Account", child="Contacts"),
        f("Title", T.STRING, 128),
        f("Department", T.STRING, 80),
        f("Email", T.EMAIL),
        f("Phone", T.PHONE),
        f("MobilePhone", T.PHONE),
        f("HomePhone", T.PHONE),
        f("MailingCity", T.STRING, 40),
        f("MailingState", T.STRING, 80),
        f("MailingCountry", T.STRING, 80),
        f("LeadSource", T.PICKLIST, picklist_values=LEAD_SOURCES),
        f("Birthdate", T.DATE),
        f("Description", T.TEXTAREA),
    ],
    owned=True,
)

LEAD = obj(
    "Lead",
    [
        f("Salutation", T.PICKLIST, picklist_values=SALUTATIONS),
        *person_name(),
        f("Company", T.STRING, 255, nillable=False),
        f("Title", T.STRING, 128),
        f("Email", T.EMAIL),
        f("Phone", T.PHONE),
        f("MobilePhone", T.PHONE),
        f(
            "Status",
            T.PICKLIST,
            picklist_values=LEAD_STATUSES,
            nillable=False,
            default_on_create=True,
            default_value="Open - Not Contacted",
        ),
        f("LeadSource", T.PICKLIST, picklist_values=LEAD_SOURCES),
        f("Industry", T.PICKLIST, picklist_values=INDUSTRIES),
        f("City", T.STRING, 40),
        f("State", T.STRING, 80),
        f("Country", T.STRING, 80),
        f("IsConverted", T.BOOLEAN),
        f("Description", T.TEXTAREA),
    ],
    owned=True,
)


def _activity_common(child: str) -> list[FieldDef]:
    """Fields Task and Event share; WhoId/WhatId give each parent a Tasks/Events relationship."""
    return [
        f("Subject", T.COMBOBOX, 255),
        f("ActivityDate", T.DATE, label="Due Date Only"),
        f("Description", T.TEXTAREA),
        ref("WhoId", "Contact", "Lead", rel="Who", child=child),
        ref("WhatId", "Account", rel="What", child=child),
        f("Type", T.PICKLIST, picklist_values=("Call", "Email", "Meeting", "Other")),
    ]


TASK = obj(
    "Task",
    [
        *_activity_common("Tasks"),
        f(
            "Status",
            T.PICKLIST,
            picklist_values=TASK_STATUSES,
            nillable=False,
            default_on_create=True,
            default_value="Not Started",
        ),
        f(
            "Priority",
            T.PICKLIST,
            picklist_values=PRIORITIES,
            nillable=False,
            default_on_create=True,
            default_value="Normal",
        ),
        readonly(f("IsClosed", T.BOOLEAN, calculated=True)),
        f("CallDurationInSeconds", T.INT, label="Call Duration"),
        f("CallType", T.PICKLIST, picklist_values=("Internal", "Inbound", "Outbound")),
        f("CallObject", T.STRING, 255, label="Call Object Identifier"),
        f("CallDisposition", T.STRING, 255, label="Call Result"),
        f(
            "TaskSubtype",
            T.PICKLIST,
            picklist_values=("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"),
            updateable=False,
        ),
    ],
    owned=True,
)

EVENT = obj(
    "Event",
    [
        *_activity_common("Events"),
        f("StartDateTime", T.DATETIME),
        f("EndDateTime", T.DATETIME),
        f("ActivityDateTime", T.DATETIME, label="Due Date Time"),
        f("DurationInMinutes", T.INT),
        f("Location", T.STRING, 255),
        f("IsAllDayEvent", T.BOOLEAN),
        f("ShowAs", T.PICKLIST, picklist_values=("Busy", "OutOfOffice", "Free")),
    ],
    owned=True,
)

STANDARD_OBJECTS: tuple[ObjectDef, ...] = (
    ORGANIZATION,
    PROFILE,
    USER,
    PERMISSION_SET,
    PERMISSION_SET_ASSIGNMENT,
    OBJECT_PERMISSIONS,
    FIELD_PERMISSIONS,
    CONNECTED_APPLICATION,
    APP_MENU_ITEM,
    OAUTH_TOKEN,
    ACCOUNT,
    CONTACT,
    LEAD,
    TASK,
    EVENT,
)

#: Objects whose rows belong to setup, queried but not business data.
SETUP_OBJECTS = frozenset(
    {
        "organization",
        "profile",
        "user",
        "permissionset",
        "permissionsetassignment",
        "objectpermissions",
        "fieldpermissions",
        "connectedapplication",
        "appmenuitem",
        "oauthtoken",
    }
)
