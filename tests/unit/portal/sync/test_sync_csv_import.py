"""Importing calls and meetings from CSV: good rows become calls, each bad row is named with
what is wrong, and the file's encoding is whatever Excel or a script wrote."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.domain.calls import JST, ActivityKind, Call, CallDirection, CallResult, Meeting
from portal.domain.sync.csv_import import parse_csv

HEADER = "call_id,direction,result,started_at,ended_at,miitel_user,counterpart_number,memo\n"
GOOD = (
    "c-1,outbound,connected,2025-05-01T10:00:00+09:00,2025-05-01T10:03:00+09:00,"
    "sato,0312345678,見積\n"
)


def test_a_good_file_gives_its_calls() -> None:
    parsed = parse_csv(kind=ActivityKind.CALL, data=HEADER + GOOD)
    assert parsed.ok and parsed.rows_read == 1
    [call] = parsed.activities
    assert isinstance(call, Call)
    assert (call.call_id, call.direction, call.result) == (
        "c-1",
        CallDirection.OUTBOUND,
        CallResult.CONNECTED,
    )
    assert call.started_at == datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
    assert (call.duration_seconds, call.memo) == (180, "見積")


def test_excel_files_in_utf8_with_bom_and_in_shift_jis_read_the_same() -> None:
    text = HEADER + GOOD
    for data in (text.encode("utf-8-sig"), text.encode("cp932")):
        parsed = parse_csv(kind=ActivityKind.CALL, data=data)
        assert parsed.ok, parsed.problems
        assert parsed.activities[0].memo == "見積"  # type: ignore[union-attr]


def test_each_bad_row_is_named_with_its_line_column_and_what_is_wrong() -> None:
    rows = (
        GOOD
        + "c-2,sideways,connected,2025-05-01T10:00:00,2025-05-01T10:01:00,sato,03\n"
        + "c-3,inbound,connected,yesterday,2025-05-01T10:01:00,sato,03\n"
        + "c-4,inbound,missed,2025-05-01T10:00:00,2025-05-01T09:00:00,sato,03\n"
        + "c-1,inbound,connected,2025-05-01T10:00:00,2025-05-01T10:01:00,sato,03\n"
        + "c-6,inbound,connected,2025-05-01T10:00:00,2025-05-01T10:01:00,,03\n"
        + "c-7,inbound,connected,2025-05-01T10:00:00,2025-05-01T10:01:00,sato,abc\n"
    )
    parsed = parse_csv(kind=ActivityKind.CALL, data=HEADER + rows)
    assert [a.record_id for a in parsed.activities] == ["c-1"]
    assert [(p.line, p.column) for p in parsed.problems] == [
        (3, "direction"),
        (4, "started_at"),
        (5, "ended_at"),
        (6, "call_id"),
        (7, "miitel_user"),
        (8, "counterpart_number"),
    ]
    texts = [p.text for p in parsed.problems]
    assert (
        texts[0] == "Line 3, column direction: 'sideways' is not one of inbound, in, outbound, out"
    )
    assert "is not a time like 2025-05-01T10:23:00+09:00" in texts[1]
    assert texts[2].endswith("is before started_at")
    assert texts[3].endswith("repeats the id of line 2")
    assert texts[4].endswith("is empty; it is required")


def test_a_time_without_an_offset_is_japan_time() -> None:
    row = "c-1,inbound,voicemail,2025-05-01T10:00:00,2025-05-01T10:00:30,sato,0312345678,\n"
    [call] = parse_csv(kind=ActivityKind.CALL, data=HEADER + row).activities
    assert call.started_at == datetime(2025, 5, 1, 10, 0, tzinfo=JST)


def test_missing_columns_are_one_problem_for_the_whole_file() -> None:
    parsed = parse_csv(kind=ActivityKind.CALL, data="call_id,direction\nc-1,inbound\n")
    [problem] = parsed.problems
    assert problem.line == 1 and not parsed.activities
    assert "missing required column(s) result, started_at, ended_at" in problem.message


def test_unknown_columns_are_named_not_fatal_and_headers_ignore_case() -> None:
    data = (
        HEADER.replace("call_id", " Call_ID ").rstrip("\n")
        + ",extra\n"
        + GOOD.rstrip("\n")
        + ",x\n"
    )
    parsed = parse_csv(kind=ActivityKind.CALL, data=data)
    assert parsed.ok and parsed.ignored_columns == ("extra",)


def test_blank_lines_are_skipped_and_an_empty_file_is_a_problem() -> None:
    assert parse_csv(kind=ActivityKind.CALL, data=HEADER + "\n" + GOOD + ",,,\n").ok
    [problem] = parse_csv(kind=ActivityKind.CALL, data=b"").problems
    assert "empty" in problem.message
    [binary] = parse_csv(kind=ActivityKind.CALL, data=b"\xff\xfe\x00\x81").problems
    assert "UTF-8" in binary.message


def test_meetings_with_participants_separated_by_semicolons() -> None:
    data = (
        "meeting_id,title,host,started_at,ended_at,participants,recording_url\n"
        "m-1,デモ,sato,2025-05-02T14:00:00+09:00,2025-05-02T15:00:00+09:00,佐藤; 山田 ;,"
        "https://miitel.example/r/m-1\n"
        "m-2,デモ,sato,2025-05-02T14:00:00+09:00,2025-05-02T15:00:00+09:00,,ftp://x\n"
    )
    parsed = parse_csv(kind=ActivityKind.MEETING, data=data)
    [meeting] = parsed.activities
    assert isinstance(meeting, Meeting)
    assert meeting.participants == ("佐藤", "山田")
    [problem] = parsed.problems
    assert (problem.line, problem.column) == (3, "recording_url")


def test_the_header_line_tells_calls_from_meetings() -> None:
    from portal.domain.sync.csv_import import kind_of

    assert kind_of(HEADER.encode()) is ActivityKind.CALL
    assert (
        kind_of(b"\xef\xbb\xbfmeeting_id,title,host,started_at,ended_at\n") is ActivityKind.MEETING
    )
    assert kind_of("会議ID,件名\n".encode("cp932")) is None
    assert kind_of(b"") is None


CALL_COLUMNS = (
    "call_id, direction, result, started_at, ended_at, miitel_user, counterpart_number, "
    "user_name, call_url, transcript, summary, memo"
)


def test_a_file_too_large_or_with_a_broken_header_is_one_problem() -> None:
    from portal.domain.sync.csv_import import MAX_BYTES

    [big] = parse_csv(kind=ActivityKind.CALL, data=b"x" * (MAX_BYTES + 1)).problems
    assert big.text == "Line 1: the file is larger than 20 MB"
    [broken] = parse_csv(kind=ActivityKind.CALL, data="x" * 200_000 + "\n" + GOOD).problems
    assert broken.text == (
        "Line 1: the header line is not valid CSV (field larger than field limit (131072))"
    )


def test_missing_and_repeated_columns_are_named_with_every_column() -> None:
    def problem(header: str) -> str:
        parsed = parse_csv(kind=ActivityKind.CALL, data=header + GOOD)
        assert not parsed.activities and parsed.rows_read == 0
        [only] = parsed.problems
        return only.text

    repeated = HEADER.replace("memo", "Memo,memo , direction")
    assert problem(repeated) == (
        f"Line 1: repeated column(s) direction, memo. The columns are: {CALL_COLUMNS}."
    )
    both = HEADER.replace("result,", "call_id,")
    assert problem(both) == (
        "Line 1: missing required column(s) result; repeated column(s) call_id. "
        f"The columns are: {CALL_COLUMNS}."
    )
    assert problem(HEADER.replace("miitel_user,", "")) == (
        f"Line 1: missing required column(s) miitel_user. The columns are: {CALL_COLUMNS}."
    )


def test_rows_with_too_many_values_are_problems_and_short_rows_are_padded() -> None:
    short = "c-2,inbound,missed,2025-05-01T10:00:00,2025-05-01T10:01:00,sato,03\n"
    data = HEADER.rstrip("\n") + ", ,Extra\n" + GOOD.rstrip("\n") + ",,,9\n" + short
    parsed = parse_csv(kind=ActivityKind.CALL, data=data)
    assert parsed.ignored_columns == ("Extra",)
    assert [p.text for p in parsed.problems] == ["Line 2: has 11 values for 10 columns"]
    [call] = parsed.activities
    assert (call.record_id, call.memo, parsed.rows_read) == ("c-2", "", 2)  # type: ignore[union-attr]


def test_a_malformed_line_stops_the_reading_and_keeps_the_rows_before() -> None:
    after = "c-9,inbound,missed,2025-05-01T10:00:00,2025-05-01T10:01:00,sato,03\n"
    data = HEADER + GOOD + "\n" + "c-2," + "x" * 200_000 + "\n" + after
    parsed = parse_csv(kind=ActivityKind.CALL, data=data)
    assert [a.record_id for a in parsed.activities] == ["c-1"]
    assert [p.text for p in parsed.problems] == [
        "Line 4: not valid CSV (field larger than field limit (131072)); rows after it unread"
    ]
    assert parsed.rows_read == 1


def test_more_rows_than_the_limit_stop_at_the_first_one_too_many() -> None:
    from portal.domain.sync.csv_import import MAX_ROWS

    rows = "".join(
        f"c-{i},inbound,missed,2025-05-01T10:00:00,2025-05-01T10:01:00,sato,03\n"
        for i in range(MAX_ROWS + 2)
    )
    parsed = parse_csv(kind=ActivityKind.CALL, data=HEADER + "\n" + rows)
    assert len(parsed.activities) == MAX_ROWS
    assert parsed.rows_read == MAX_ROWS + 1
    assert [p.text for p in parsed.problems] == [
        f"Line {MAX_ROWS + 3}: more than 10000 rows; split the file"
    ]


def test_meeting_rows_name_their_problems_in_file_order() -> None:
    header = "meeting_id,title,host,started_at,ended_at,participants\n"
    rows = (
        "m-1,デモ,sato,2025-05-02T14:00:00+09:00,2025-05-02T15:00:00+09:00,\n"
        "m-1,デモ,sato,2025-05-02T14:00:00+09:00,2025-05-02T15:00:00+09:00,\n"
        "m-3,,sato,2025-05-02T14:00:00+09:00,2025-05-02T15:00:00+09:00,\n"
        "m-4,デモ,sato,2025-05-02T14:00:00Z,2025-05-02T13:00:00Z,\n"
        ",デモ,sato,2025-05-02T14:00:00+09:00,2025-05-02T15:00:00+09:00,a;b\n"
    )
    parsed = parse_csv(kind=ActivityKind.MEETING, data=header.encode("cp932") + rows.encode())
    assert [p.text for p in parsed.problems] == [
        "Line 3, column meeting_id: repeats the id of line 2",
        "Line 4, column title: is empty; it is required",
        "Line 5, column ended_at: is before started_at",
        "Line 6, column meeting_id: is empty; it is required",
    ]
    assert [a.record_id for a in parsed.activities] == ["m-1"]
    assert parsed.rows_read == 5


def test_call_values_outside_their_choices_and_urls_are_named() -> None:
    rows = (
        "c-1,着信,留守電,2025-05-01T10:00:00,2025-05-01T10:01:00,sato,03,,https://x/1\n"
        "c-2,in,fax,2025-05-01T10:00:00,2025-05-01T10:01:00,sato,03,,\n"
        "c-3,OUT,No Answer,2025-05-01T10:00:00,2025-05-01T10:01:00,sato,03,,ftp://x\n"
        "c-4,out,missed,2025-05-01T10:00:00,,sato,03,,\n"
    )
    header = (
        "call_id,direction,result,started_at,ended_at,miitel_user,counterpart_number,x,call_url\n"
    )
    parsed = parse_csv(kind=ActivityKind.CALL, data=header + rows)
    assert [p.text for p in parsed.problems] == [
        "Line 3, column result: 'fax' is not one of connected, answered, missed, voicemail",
        "Line 4, column call_url: 'ftp://x' is not an http or https URL",
        "Line 5, column ended_at: is empty; it is required",
    ]
    [call] = parsed.activities
    assert isinstance(call, Call)
    assert (call.direction, call.result, call.call_url) == (
        CallDirection.INBOUND,
        CallResult.VOICEMAIL,
        "https://x/1",
    )
    assert parsed.ignored_columns == ("x",)
