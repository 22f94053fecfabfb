"""A call finds its Contact, Account or Lead however the org wrote the number: hyphens,
spaces, parentheses, +81, full-width digits, mobile, free dial and other countries; and a
different number that only shares its last digits is never linked. Against the mock org's
SOSL phone search over HTTPS, with records stored through simple-salesforce."""

from __future__ import annotations

from collections.abc import Callable

from sync_support import Org, import_and_sync

from mock_salesforce import ThreadedMockServer
from mock_salesforce.permissions import FULL_ACCESS
from mock_salesforce.seed import SeededOrg
from portal.bootstrap import Portal
from portal.domain.integration_errors import ErrorLogFilter, SyncOperation

#: (call id, the number MiiTel reports, object, field, the number as the org stores it)
FOUND = [
    ("plain-hyphens", "03-5550-0101", "Contact", "Phone", "03-5550-0101"),
    ("plain-digits", "03-5550-0102", "Contact", "Phone", "0355500102"),
    ("e164-spaces", "03-5550-0103", "Contact", "Phone", "+81 3 5550 0103"),
    ("e164-hyphens", "03-5550-0104", "Contact", "Phone", "+81-3-5550-0104"),
    ("parentheses", "03-5550-0105", "Contact", "Phone", "(03) 5550-0105"),
    ("spaces", "03-5550-0106", "Contact", "Phone", "03 5550 0106"),
    ("full-width", "03-5550-0107", "Contact", "Phone", "０３－５５５０－０１０７"),
    ("call-in-e164", "+81 3 5550 0108", "Contact", "Phone", "03-5550-0108"),
    ("mobile", "09055500109", "Contact", "MobilePhone", "090-5550-0109"),
    ("mobile-e164", "090-5550-0110", "Lead", "MobilePhone", "+81 90 5550 0110"),
    ("free-dial", "0120555111", "Account", "Phone", "0120-555-111"),
    ("area-0466", "0466-55-0112", "Account", "Phone", "0466550112"),
    ("usa", "+1 415-555-0113", "Contact", "Phone", "+1 (415) 555-0113"),
    ("usa-from-japan", "010 1 415 555 0114", "Contact", "Phone", "+1-415-555-0114"),
    ("uk", "+44 20 7946 0115", "Account", "Phone", "+44 (0)20 7946 0115"),
    ("uk-stored-dialled", "+442079460116", "Contact", "Phone", "010-44-20-7946-0116"),
]
#: (call id, the number MiiTel reports, object, field, a number the org stores that is not it)
NOT_FOUND = [
    ("other-city", "03-5550-0201", "Contact", "Phone", "06-5550-0201"),
    ("other-country", "03-5550-0202", "Contact", "Phone", "+82 3-5550-0202"),
    ("other-mobile", "090-5550-0203", "Contact", "MobilePhone", "080-5550-0203"),
    ("home-phone-only", "03-5550-0204", "Contact", "HomePhone", "03-5550-0204"),
    ("us-not-japan", "+1 415-555-0205", "Account", "Phone", "(0415) 555-0205"),
]
_NAMES = {"Contact": "LastName", "Lead": "LastName", "Account": "Name"}


def _linked(server: ThreadedMockServer, org: SeededOrg) -> dict[str, str | None]:
    return {call: who or what for call, (who, what, _) in Org(server, org).links().items()}


def test_every_stored_format_and_country_is_found_and_lookalikes_are_not(
    acme: SeededOrg,
    portal: Portal,
    mock_server: ThreadedMockServer,
    create: Callable[..., str],
) -> None:
    expected: dict[str, str | None] = {}
    for call_id, _number, sobject, field, stored in FOUND + NOT_FOUND:
        record = create(sobject, **{_NAMES[sobject]: call_id, field: stored})
        expected[call_id] = record if (call_id, _number, sobject, field, stored) in FOUND else None

    import_and_sync(portal, {call_id: number for call_id, number, *_ in FOUND + NOT_FOUND})

    linked = _linked(mock_server, acme)
    assert {c: linked[c] for c in expected} == expected


def test_a_user_who_may_not_read_leads_still_gets_contacts_linked(
    acme: SeededOrg,
    portal: Portal,
    mock_server: ThreadedMockServer,
    create: Callable[..., str],
) -> None:
    contact = create("Contact", LastName="連絡先", Phone="+81 3 5550 0301")
    create("Lead", LastName="見込", Phone="03-5550-0302")
    permissions = mock_server.backend.permissions
    objects = {name: FULL_ACCESS for name in ("Account", "Contact", "Task", "Event")}
    profile = permissions.create_profile(
        org_id=acme.org_id,
        name="MiiTel No Leads",
        permissions={"ApiEnabled"},
        object_access=objects,
    )
    permissions.set_user_profile(
        org_id=acme.org_id,
        user_id=acme.integration_user.user_id,
        profile_id=profile.profile_id,
        actor_id=acme.admin.user_id,
    )

    import_and_sync(portal, {"to-contact": "03-5550-0301", "to-lead": "0355500302"})

    linked = _linked(mock_server, acme)
    assert (linked["to-contact"], linked["to-lead"]) == (contact, None)
    page = portal.error_tables.page(filters=ErrorLogFilter(sobject="Lead"))
    assert {e.operation for e in page.entries} == {SyncOperation.QUERY}
    assert {e.miitel_record_id for e in page.entries} == {"to-contact", "to-lead"}
