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
