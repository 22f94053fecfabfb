"""What the sync says to people, as messages (:class:`~portal.domain.text.Text`): the notes of a
run (why records wait), its progress, and the detail lines of the sync log.

The sync log keeps a detail as the English line it was written as; :func:`recognise_detail`
gives the message back when the line is shown, so it reads in the person's language. A line
no template matches (a Salesforce error code and message) is data and is shown as it is.
"""

from __future__ import annotations

from typing import Final

from portal.domain.calls import ActivityKind
from portal.domain.log_details import match_template
from portal.domain.settings import ActivityTiming
from portal.domain.text import N_, Text, msg, plural_msg

# --- notes of a run ---------------------------------------------------------------------------


def not_integrated(waiting: int) -> Text:
    return plural_msg(
        "Not integrated with Salesforce: {count} call or meeting is kept and will be sent after "
        '"Integrate".',
        "Not integrated with Salesforce: {count} calls and meetings are kept and will be sent "
        'after "Integrate".',
        waiting,
    )


def waiting_for_retry(kind: ActivityKind, count: int) -> Text:
    if kind is ActivityKind.CALL:
        return plural_msg(
            "{count} call waits for its retry time after Salesforce could not take it; "
            '"Send queued calls and meetings" sends it now.',
            "{count} calls wait for their retry time after Salesforce could not take them; "
            '"Send queued calls and meetings" sends them now.',
            count,
        )
    return plural_msg(
        "{count} meeting waits for its retry time after Salesforce could not take it; "
        '"Send queued calls and meetings" sends it now.',
        "{count} meetings wait for their retry time after Salesforce could not take them; "
        '"Send queued calls and meetings" sends them now.',
        count,
    )


def area_disabled(kind: ActivityKind, count: int) -> Text:
    if kind is ActivityKind.CALL:
        return plural_msg(
            "Activity history integration is disabled: {count} call is kept and will be sent "
            "when it is enabled.",
            "Activity history integration is disabled: {count} calls are kept and will be sent "
            "when it is enabled.",
            count,
        )
    return plural_msg(
        "Video history integration is disabled: {count} meeting is kept and will be sent when "
        "it is enabled.",
        "Video history integration is disabled: {count} meetings are kept and will be sent "
        "when it is enabled.",
        count,
    )


def not_due(kind: ActivityKind, count: int, timing: ActivityTiming) -> Text:
    if kind is ActivityKind.MEETING:
        return plural_msg(
            "{count} meeting is not due yet (Video history integration writes after the "
            "meeting ends).",
            "{count} meetings are not due yet (Video history integration writes after the "
            "meeting ends).",
            count,
        )
    if timing is ActivityTiming.AFTER_CALL_START:
        return plural_msg(
            "{count} call is not due yet (Activity history integration writes after call start).",
            "{count} calls are not due yet (Activity history integration writes after call start).",
            count,
        )
    return plural_msg(
        "{count} call is not due yet (Activity history integration writes after call end).",
        "{count} calls are not due yet (Activity history integration writes after call end).",
        count,
    )


def maybe_still_writing(kind: ActivityKind, count: int, minutes: float) -> Text:
    if kind is ActivityKind.CALL:
        return plural_msg(
            "{count} call was sent without a clear answer from Salesforce: a later sync looks "
            "it up once Salesforce cannot still be writing it (at most {minutes} minutes after "
            "it was sent), so it is never written twice.",
            "{count} calls were sent without a clear answer from Salesforce: a later sync looks "
            "them up once Salesforce cannot still be writing them (at most {minutes} minutes "
            "after they were sent), so they are never written twice.",
            count,
            minutes=minutes,
        )
    return plural_msg(
        "{count} meeting was sent without a clear answer from Salesforce: a later sync looks "
        "it up once Salesforce cannot still be writing it (at most {minutes} minutes after it "
        "was sent), so it is never written twice.",
        "{count} meetings were sent without a clear answer from Salesforce: a later sync looks "
        "them up once Salesforce cannot still be writing them (at most {minutes} minutes after "
        "they were sent), so they are never written twice.",
        count,
        minutes=minutes,
    )


def sent_to_another_org(kind: ActivityKind, count: int) -> Text:
    if kind is ActivityKind.CALL:
        return plural_msg(
            "{count} call was being sent to another Salesforce org when a sync was "
            "interrupted; it waits until that org is integrated again, so it is never written "
            "twice.",
            "{count} calls were being sent to another Salesforce org when a sync was "
            "interrupted; they wait until that org is integrated again, so they are never "
            "written twice.",
            count,
        )
    return plural_msg(
        "{count} meeting was being sent to another Salesforce org when a sync was "
        "interrupted; it waits until that org is integrated again, so it is never written "
        "twice.",
        "{count} meetings were being sent to another Salesforce org when a sync was "
        "interrupted; they wait until that org is integrated again, so they are never written "
        "twice.",
        count,
    )


def not_looked_up(kind: ActivityKind, count: int, code: str) -> Text:
    if kind is ActivityKind.CALL:
        return plural_msg(
            "{count} call an interrupted sync may have sent could not be looked up in "
            "Salesforce ({code}); it waits, so it is never written twice.",
            "{count} calls an interrupted sync may have sent could not be looked up in "
            "Salesforce ({code}); they wait, so they are never written twice.",
            count,
            code=code,
        )
    return plural_msg(
        "{count} meeting an interrupted sync may have sent could not be looked up in "
        "Salesforce ({code}); it waits, so it is never written twice.",
        "{count} meetings an interrupted sync may have sent could not be looked up in "
        "Salesforce ({code}); they wait, so they are never written twice.",
        count,
        code=code,
    )


def found_after_interruption(kind: ActivityKind, count: int) -> Text:
    if kind is ActivityKind.CALL:
        return plural_msg(
            "{count} call sent by an interrupted sync was found in Salesforce and recorded, "
            "not written again.",
            "{count} calls sent by an interrupted sync were found in Salesforce and recorded, "
            "not written again.",
            count,
        )
    return plural_msg(
        "{count} meeting sent by an interrupted sync was found in Salesforce and recorded, not "
        "written again.",
        "{count} meetings sent by an interrupted sync were found in Salesforce and recorded, "
        "not written again.",
        count,
    )


def salesforce_unavailable(code: str, count: int, said: str) -> Text:
    """``said``: the gateway's own message (a message too when the portal wrote it)."""
    return plural_msg(
        "Salesforce could not take the records now ({code}): {count} waits in the outbox and "
        "is sent by the next sync. {said}",
        "Salesforce could not take the records now ({code}): {count} wait in the outbox and "
        "are sent by the next sync. {said}",
        count,
        code=code,
        said=said,
    )


def taken_by_another_sync(count: int) -> Text:
    return msg(
        "Another sync took {count} of the records this one was about to send: this one stopped "
        "there, so nothing is sent twice.",
        count=count,
    )


def allowance_held_back(used: int, maximum: int) -> Text:
    return msg(
        "Nothing was sent: this Salesforce org has used {used} of its {maximum} API requests "
        "of the last 24 hours, more than the share the sync may use. The calls and meetings "
        "wait and are sent once the org has room again.",
        used=used,
        maximum=maximum,
    )


def summary(written: int, failed: int, queued: int, by_code: str) -> Text:
    """One sentence for a whole run (``by_code``: "CODE n, ..." or empty)."""
    if by_code:
        return msg(
            "{written} written, {failed} failed ({by_code}), {queued} queued.",
            written=written,
            failed=failed,
            by_code=by_code,
            queued=queued,
        )
    return msg(
        "{written} written, {failed} failed, {queued} queued.",
        written=written,
        failed=failed,
        queued=queued,
    )


# --- progress ---------------------------------------------------------------------------------

CHECKING_EARLIER: Final = N_("Checking records an earlier sync may have sent")
NOTHING_SENT: Final = N_("Not integrated: nothing sent")
DONE: Final = N_("Done")


def simulating(calls: int, meetings: int) -> Text:
    return msg("Simulating {calls} calls and {meetings} meetings", calls=calls, meetings=meetings)


def looking_up(kind: ActivityKind, count: int) -> Text:
    if kind is ActivityKind.CALL:
        return plural_msg(
            "Looking up {count} call in Salesforce", "Looking up {count} calls in Salesforce", count
        )
    return plural_msg(
        "Looking up {count} meeting in Salesforce",
        "Looking up {count} meetings in Salesforce",
        count,
    )


def sent_of(kind: ActivityKind, sent: int, total: int) -> Text:
    if kind is ActivityKind.CALL:
        return plural_msg(
            "Sent {sent} of {count} call", "Sent {sent} of {count} calls", total, sent=sent
        )
    return plural_msg(
        "Sent {sent} of {count} meeting", "Sent {sent} of {count} meetings", total, sent=sent
    )


# --- the sync log's detail lines ----------------------------------------------------------------

FOUND_AFTER_INTERRUPTION: Final = N_(
    "Found in Salesforce after an interrupted sync; not written again."
)
EVENT_FOR_MEETING: Final = N_('Event for the meeting "{title}".')
TASK_LINKED: Final = N_("Task linked to {object} {name} ({field} {number}).")
TASK_WITHOUT_LINK: Final = N_("Task without a link: no Contact, Account or Lead has {number}.")
#: Salesforce's objects a Task links to, as words of the catalog.
OBJECT_NAMES: Final = (N_("Contact"), N_("Account"), N_("Lead"))
_DETAILS: Final = (FOUND_AFTER_INTERRUPTION, EVENT_FOR_MEETING, TASK_LINKED, TASK_WITHOUT_LINK)


def event_for_meeting(title: str) -> Text:
    return msg(EVENT_FOR_MEETING, title=title)


def task_linked(sobject: str, name: str, field: str, number: str) -> Text:
    return msg(TASK_LINKED, object=msg(sobject), name=name, field=field, number=number)


def task_without_link(number: str) -> Text:
    return msg(TASK_WITHOUT_LINK, number=number)


def recognise_detail(line: str) -> str:
    """A stored sync-log detail as the message it was written from (``line`` itself when it
    is not one: a Salesforce error code and message)."""
    found = match_template(line, _DETAILS)
    if found is None:
        return line
    template, values = found
    params: dict[str, object] = dict(values)
    if "object" in params:
        params["object"] = msg(str(params["object"]))
    return msg(template, **params)
