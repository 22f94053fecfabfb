"""The gateway: the typed calls the procedure's services make on the integrated org.

Every SOQL statement is built with ``simple_salesforce.format_soql`` (values quoted and
escaped by it); object and field names are checked against Salesforce's identifier rules
before they reach a path or a query. All failures are the portal's own errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final, Literal, Protocol, TypeVar

from simple_salesforce import Salesforce, format_soql

from portal.adapters.salesforce.oauth import OAuthClient, identity_from_payload
from portal.domain.gateway_errors import (
    ApiUsage,
    SalesforcePermissionError,
    SalesforceRequestError,
)
from portal.domain.oauth import Identity, TokenSet
from portal.domain.salesforce import (
    AppMenuItemInfo,
    AppObjectsAvailability,
    ConnectedApplicationInfo,
    ConnectedAppUsage,
    FieldDescription,
    OAuthTokenUsage,
    ObjectDescription,
    Organization,
    PermissionCheck,
    PermissionCheckStatus,
    PermissionGrant,
    PermissionSource,
    RecordError,
    RecordResult,
    SObjectSummary,
)
from portal.domain.text import msg
from portal.domain.timestamps import parse_datetime

T = TypeVar("T")

#: sObject Collections take at most 200 records per request.
COLLECTION_CHUNK = 200
#: Values per ``IN (...)`` list: keeps each GET well under URL length limits.
IN_CHUNK = 100

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
_USER_ID = re.compile(r"^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")

Record = dict[str, Any]


class Connection(Protocol):
    """What the gateway needs from the client's ``SalesforceConnection``."""

    @property
    def tokens(self) -> TokenSet: ...

    @property
    def api_version(self) -> str: ...

    def call(self, operation: Callable[[Salesforce], T]) -> T: ...


#: A phone search term: digits, with a leading "+" for an E.164 number.
_PHONE_TERM: Final = re.compile(r"\+?[0-9]{1,20}")


def phone_search(terms: Sequence[str], returning: Sequence[str]) -> str:
    """``FIND {t1 OR t2 …} IN PHONE FIELDS RETURNING …``: SOSL's counterpart of
    ``format_soql`` for phone numbers. Every term must be digits with an optional leading
    ``+`` (escaped, as SOSL reserves it), so no value can change the statement; ``returning``
    is the caller's constant clauses."""
    bad = [t for t in terms if not _PHONE_TERM.fullmatch(t)]
    if bad or not returning:
        raise ValueError("phone search terms must be digits with an optional leading '+'")
    escaped = " OR ".join(t.replace("+", "\\+") for t in terms)
    return f"FIND {{{escaped}}} IN PHONE FIELDS RETURNING {', '.join(returning)}"


def _identifier(name: str, *, what: Literal["object", "permission"]) -> str:
    if not _IDENTIFIER.match(name):
        if what == "object":
            said = msg("{name} is not a valid Salesforce object name.", name=repr(name))
        else:
            said = msg("{name} is not a valid Salesforce permission name.", name=repr(name))
        raise SalesforceRequestError(error_code="INVALID_NAME", user_message=said)
    return name


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _strip_attributes(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip_attributes(v) for k, v in value.items() if k != "attributes"}
    if isinstance(value, list):
        return [_strip_attributes(v) for v in value]
    return value


def _field(raw: Mapping[str, Any]) -> FieldDescription:
    return FieldDescription(
        name=str(raw["name"]),
        label=str(raw.get("label") or raw["name"]),
        type=str(raw.get("type") or ""),
        createable=bool(raw.get("createable")),
        updateable=bool(raw.get("updateable")),
        nillable=bool(raw.get("nillable")),
        filterable=bool(raw.get("filterable")),
        custom=bool(raw.get("custom")),
        length=int(raw.get("length") or 0),
        reference_to=tuple(str(r) for r in raw.get("referenceTo") or ()),
        picklist_values=tuple(
            str(p["value"]) for p in raw.get("picklistValues") or () if p.get("active", True)
        ),
    )


class SalesforceGateway:
    """Typed calls on one integrated org. Build it with
    :func:`~portal.adapters.salesforce.client.connect`."""

    def __init__(self, *, connection: Connection, oauth: OAuthClient) -> None:
        self._connection = connection
        self._oauth = oauth

    def __repr__(self) -> str:
        return f"SalesforceGateway(instance_url={self.instance_url!r})"

    @property
    def tokens(self) -> TokenSet:
        """The tokens in use now (they change when the gateway refreshes them)."""
        return self._connection.tokens

    @property
    def instance_url(self) -> str:
        return self._connection.tokens.instance_url

    @property
    def api_version(self) -> str:
        """The REST API version spoken with this org (chosen on first use)."""
        return self._connection.api_version

    # ---- raw building blocks ---------------------------------------------------------------

    def _restful(self, path: str, **kwargs: Any) -> Any:
        return self._connection.call(lambda sf: sf.restful(path, **kwargs))

    def query_all(self, soql_template: str, **params: Any) -> list[Record]:
        """Every record of a SOQL query (all pages), ``attributes`` removed. ``params`` are
        placed into ``soql_template``'s ``{name}`` slots quoted by ``format_soql``."""
        soql = format_soql(soql_template, **params)
        result = self._connection.call(lambda sf: sf.query_all(soql))
        return [_strip_attributes(r) for r in result["records"]]

    def count(self, soql_template: str, **params: Any) -> int:
        """The number a ``SELECT COUNT() FROM ...`` query answers."""
        soql = format_soql(soql_template, **params)
        result = self._connection.call(lambda sf: sf.query(soql))
        return int(result["totalSize"])

    # ---- who and where ---------------------------------------------------------------------

    def organization(self) -> Organization:
        """The org's Id and Name."""
        rows = self.query_all("SELECT Id, Name FROM Organization LIMIT 1")
        if not rows:
            raise SalesforceRequestError(
                error_code="NOT_FOUND",
                user_message=msg("Salesforce returned no Organization record."),
            )
        return Organization(id=str(rows[0]["Id"]), name=str(rows[0]["Name"]))

    def identity(self) -> Identity:
        """The integrated org and user (userinfo), with the org's name when readable."""
        payload = self._connection.call(lambda sf: sf.oauth2("userinfo"))
        if not isinstance(payload, Mapping):
            raise SalesforceRequestError(
                error_code="UNEXPECTED_RESPONSE",
                user_message=msg("Salesforce's userinfo endpoint did not answer with JSON."),
            )
        identity = identity_from_payload(payload)
        try:
            org_name: str | None = self.organization().name
        except (SalesforcePermissionError, SalesforceRequestError):
            org_name = None
        return Identity(
            org_id=identity.org_id,
            user_id=identity.user_id,
            username=identity.username,
            display_name=identity.display_name,
            email=identity.email,
            org_name=org_name,
        )

    # ---- describe --------------------------------------------------------------------------

    def api_usage(self) -> ApiUsage | None:
        """The org's API requests over the last 24 hours and its allowance (``GET limits``,
        ``DailyApiRequests``); None when the answer does not say."""
        daily = self._restful("limits/").get("DailyApiRequests") or {}
        if "Max" not in daily or "Remaining" not in daily:
            return None
        maximum = int(daily["Max"])
        return ApiUsage(
            used=maximum - int(daily["Remaining"]), maximum=maximum, seen_at=datetime.now(UTC)
        )

    def describe_global(self) -> tuple[SObjectSummary, ...]:
        """Every object the integrated user can see."""
        payload = self._restful("sobjects/")
        return tuple(
            SObjectSummary(
                name=str(o["name"]),
                label=str(o.get("label") or o["name"]),
                custom=bool(o.get("custom")),
                queryable=bool(o.get("queryable")),
                createable=bool(o.get("createable")),
                updateable=bool(o.get("updateable")),
            )
            for o in (payload or {}).get("sobjects", ())
        )

    def describe(self, sobject: str) -> ObjectDescription:
        """``sobject``'s describe as the integrated user sees it. An object that does not
        exist (or is hidden) is :class:`SalesforceRequestError` with ``is_not_found``."""
        name = _identifier(sobject, what="object")
        payload = self._restful(f"sobjects/{name}/describe/")
        return ObjectDescription(
            name=str(payload["name"]),
            label=str(payload.get("label") or payload["name"]),
            queryable=bool(payload.get("queryable")),
            createable=bool(payload.get("createable")),
            updateable=bool(payload.get("updateable")),
            fields=tuple(_field(f) for f in payload.get("fields", ())),
        )

    # ---- step 3: the connected app ---------------------------------------------------------

    def connected_app_usage(self, app_name: str = "MiiTel") -> ConnectedAppUsage:
        """What OauthToken, ConnectedApplication and AppMenuItem say about ``app_name``. An
        object the org does not expose (or the user may not read) is reported, not raised."""
        unavailable: list[str] = []
        not_permitted = False

        def read(soql: str, sobject: str) -> list[Record]:
            nonlocal not_permitted
            try:
                return self.query_all(soql, app=app_name)
            except SalesforcePermissionError:
                not_permitted = True
            except SalesforceRequestError as exc:
                if not exc.is_not_found:
                    raise
            unavailable.append(sobject)
            return []

        token_rows = read(
            "SELECT Id, AppName, AppMenuItemId, UserId, UseCount, LastUsedDate "
            "FROM OauthToken WHERE AppName = {app}",
            "OauthToken",
        )
        app_rows = read(
            "SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly "
            "FROM ConnectedApplication WHERE Name = {app}",
            "ConnectedApplication",
        )
        menu_rows = read(
            "SELECT Id, Name, Label, ApplicationId FROM AppMenuItem "
            "WHERE Name = {app} OR Label = {app}",
            "AppMenuItem",
        )

        if not unavailable:
            availability = AppObjectsAvailability.AVAILABLE
        elif not_permitted:
            availability = AppObjectsAvailability.NOT_PERMITTED
        else:
            availability = AppObjectsAvailability.NOT_EXPOSED
        app = app_rows[0] if app_rows else None
        menu = menu_rows[0] if menu_rows else None
        return ConnectedAppUsage(
            app_name=app_name,
            availability=availability,
            unavailable_objects=tuple(unavailable),
            tokens=tuple(
                OAuthTokenUsage(
                    id=str(r["Id"]),
                    user_id=r.get("UserId"),
                    app_menu_item_id=r.get("AppMenuItemId"),
                    use_count=int(r.get("UseCount") or 0),
                    last_used=parse_datetime(r.get("LastUsedDate")),
                )
                for r in token_rows
            ),
            connected_app=ConnectedApplicationInfo(
                id=str(app["Id"]),
                name=str(app["Name"]),
                admin_approved_users_only=bool(app.get("OptionsAllowAdminApprovedUsersOnly")),
            )
            if app
            else None,
            app_menu_item=AppMenuItemInfo(
                id=str(menu["Id"]),
                name=str(menu.get("Name") or ""),
                label=str(menu.get("Label") or ""),
                application_id=menu.get("ApplicationId"),
            )
            if menu
            else None,
        )

    # ---- step 4: a user permission ---------------------------------------------------------

    def user_permission(
        self, username_or_id: str, permission: str = "CanApproveUninstalledApps"
    ) -> PermissionCheck:
        """Whether the user holds ``permission`` (e.g. "Approve Uninstalled Connected Apps")
        through their profile or an assigned permission set, and which grants it."""
        field = "Permissions" + _identifier(permission, what="permission")
        try:
            permission_set = self.describe("PermissionSet")
        except (SalesforceRequestError, SalesforcePermissionError) as exc:
            return PermissionCheck(
                permission=permission, status=PermissionCheckStatus.CANNOT_CHECK, detail=exc.detail
            )
        if permission_set.field(field) is None:
            return PermissionCheck(
                permission=permission,
                status=PermissionCheckStatus.CANNOT_CHECK,
                detail=msg("PermissionSet has no field {field} in this org.", field=field),
            )

        by = "Id" if _USER_ID.match(username_or_id) else "Username"
        users = self.query_all(
            "SELECT Id, Username, ProfileId, Profile.Name FROM User "
            "WHERE {by:literal} = {value} LIMIT 1",
            by=by,
            value=username_or_id,
        )
        if not users:
            return PermissionCheck(
                permission=permission, status=PermissionCheckStatus.USER_NOT_FOUND
            )
        user = users[0]
        user_id, profile_id = str(user["Id"]), user.get("ProfileId")
        profile_name = (user.get("Profile") or {}).get("Name")
        not_granted = PermissionCheck(
            permission=permission,
            status=PermissionCheckStatus.NOT_GRANTED,
            user_id=user_id,
            username=str(user["Username"]),
            profile_id=profile_id,
            profile_name=profile_name,
        )

        grants: list[PermissionGrant] = []
        profile_known, detail = True, ""
        if profile_id:
            try:
                grants.extend(self._profile_grant(field, str(profile_id), profile_name))
            except SalesforceRequestError as exc:
                profile_known, detail = False, exc.detail
        grants.extend(self._permission_set_grants(field, user_id))
        if grants:
            return replace(
                not_granted, status=PermissionCheckStatus.GRANTED, granted_by=tuple(grants)
            )
        if not profile_known:
            return replace(not_granted, status=PermissionCheckStatus.CANNOT_CHECK, detail=detail)
        return not_granted

    def _profile_grant(
        self, field: str, profile_id: str, profile_name: str | None
    ) -> list[PermissionGrant]:
        # Salesforce keeps a profile's permissions in a permission set the profile owns.
        owned = self.query_all(
            "SELECT Id, {field:literal} FROM PermissionSet "
            "WHERE IsOwnedByProfile = true AND ProfileId = {profile}",
            field=field,
            profile=profile_id,
        )
        if owned:
            holds = any(bool(r.get(field)) for r in owned)
        else:
            rows = self.query_all(
                "SELECT Id, Name, {field:literal} FROM Profile WHERE Id = {profile}",
                field=field,
                profile=profile_id,
            )
            holds = bool(rows and rows[0].get(field))
        if not holds:
            return []
        name = profile_name or profile_id
        return [
            PermissionGrant(source=PermissionSource.PROFILE, id=profile_id, name=name, label=name)
        ]

    def _permission_set_grants(self, field: str, user_id: str) -> list[PermissionGrant]:
        assigned = self.query_all(
            "SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = {user}",
            user=user_id,
        )
        ids = sorted({str(a["PermissionSetId"]) for a in assigned if a.get("PermissionSetId")})
        grants: list[PermissionGrant] = []
        for chunk in _chunks(ids, IN_CHUNK):
            rows = self.query_all(
                "SELECT Id, Name, Label, IsOwnedByProfile, {field:literal} FROM PermissionSet "
                "WHERE Id IN {ids} ORDER BY Name",
                field=field,
                ids=list(chunk),
            )
            grants.extend(
                PermissionGrant(
                    source=PermissionSource.PERMISSION_SET,
                    id=str(r["Id"]),
                    name=str(r.get("Name") or ""),
                    label=str(r.get("Label") or ""),
                )
                for r in rows
                if r.get(field) and not r.get("IsOwnedByProfile")
            )
        return grants

    # ---- step 8: assignees -----------------------------------------------------------------

    def active_usernames(self, usernames: Iterable[str]) -> set[str]:
        """Those of ``usernames`` that belong to an active user of the org (usernames compare
        without regard to case; the returned strings are the given ones)."""
        given = [u for u in dict.fromkeys(usernames) if u]
        found: set[str] = set()
        for chunk in _chunks(given, IN_CHUNK):
            values = sorted({u for u in chunk} | {u.lower() for u in chunk})
            rows = self.query_all(
                "SELECT Username FROM User WHERE IsActive = true AND Username IN {names}",
                names=values,
            )
            found |= {str(r["Username"]).lower() for r in rows}
        return {u for u in given if u.lower() in found}

    # ---- writes ----------------------------------------------------------------------------

    def create_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
    ) -> list[RecordResult]:
        """Create ``records`` as ``sobject`` through sObject Collections, 200 per request, and
        say for each (by index) whether it was created. ``all_or_none`` holds per request of
        200. Never retried: a failed request raises and the caller decides."""
        name = _identifier(sobject, what="object")
        results: list[RecordResult] = []
        for offset in range(0, len(records), COLLECTION_CHUNK):
            chunk = records[offset : offset + COLLECTION_CHUNK]
            body = {
                "allOrNone": all_or_none,
                "records": [{"attributes": {"type": name}, **dict(r)} for r in chunk],
            }
            answer = self._restful("composite/sobjects", method="POST", json=body) or []
            for i, item in enumerate(answer):
                errors = tuple(
                    RecordError(
                        status_code=str(e.get("statusCode") or ""),
                        message=str(e.get("message") or ""),
                        fields=tuple(str(f) for f in e.get("fields") or ()),
                    )
                    for e in item.get("errors") or ()
                )
                results.append(
                    RecordResult(
                        index=offset + i,
                        success=bool(item.get("success")),
                        id=item.get("id"),
                        errors=errors,
                    )
                )
        return results

    # ---- calls: who is on the line ---------------------------------------------------------

    def search_phones(self, terms: Sequence[str], returning: Sequence[str]) -> list[Record]:
        """The records a SOSL phone search for ``terms`` (see :func:`phone_search`) finds on
        the ``returning`` clauses, in Salesforce's order; each keeps ``attributes.type``."""
        sosl = phone_search(terms, returning)
        result = self._connection.call(lambda sf: sf.search(sosl))
        if not result:
            return []
        records = result.get("searchRecords", []) if isinstance(result, dict) else result
        return [dict(r) for r in records]
