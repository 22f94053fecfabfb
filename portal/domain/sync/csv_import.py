"""Reading calls or meetings from a CSV file, with a message per bad row.

The columns are :data:`portal.domain.calls.CALL_CSV_COLUMNS` and ``MEETING_CSV_COLUMNS``
(headers matched without case or surrounding spaces; other columns are ignored and named).
Files may be UTF-8 (with or without BOM) or Shift_JIS (CP932, what Japanese Excel writes).
Parsing never imports anything: it says which rows are good and what is wrong with the rest.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from portal.domain.calls import (
    JST,
    Activity,
    ActivityKind,
    Call,
    CallDirection,
    CallResult,
    Meeting,
    csv_columns,
)
from portal.domain.sync.phones import phone_key
from portal.domain.text import Text, msg

MAX_ROWS: Final = 10_000
MAX_BYTES: Final = 20 * 1024 * 1024

_DIRECTIONS: Final = {
    "inbound": CallDirection.INBOUND,
    "in": CallDirection.INBOUND,
    "着信": CallDirection.INBOUND,
    "outbound": CallDirection.OUTBOUND,
    "out": CallDirection.OUTBOUND,
    "発信": CallDirection.OUTBOUND,
}
_RESULTS: Final = {
    "connected": CallResult.CONNECTED,
    "answered": CallResult.CONNECTED,
    "応答": CallResult.CONNECTED,
    "missed": CallResult.MISSED,
    "no answer": CallResult.MISSED,
    "不在": CallResult.MISSED,
    "voicemail": CallResult.VOICEMAIL,
    "留守電": CallResult.VOICEMAIL,
}


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one line of the file (line 1 is the header)."""

    line: int
    column: str | None
    #: What is wrong (a message; its English ``str`` for logs and tests).
    message: str

    @property
    def text(self) -> Text:
        """Where and what, one line (a message: the page shows it in the person's language)."""
        if self.column:
            return msg(
                "Line {line}, column {column}: {problem}",
                line=self.line,
                column=self.column,
                problem=self.message,
            )
        return msg("Line {line}: {problem}", line=self.line, problem=self.message)


@dataclass(frozen=True)
class ParsedCsv:
    """The good rows as calls or meetings, and a problem per bad row (or for the whole file)."""

    kind: ActivityKind
    activities: tuple[Activity, ...]
    problems: tuple[RowProblem, ...]
    rows_read: int
    ignored_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


class _BadValue(ValueError):
    def __init__(self, column: str, problem: Text) -> None:
        super().__init__(problem)
        self.column = column
        self.problem = problem


def decode(data: bytes) -> str:
    """The text of ``data``: UTF-8 (BOM or not), else Shift_JIS; ``ValueError`` if neither."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(msg("the file is neither UTF-8 nor Shift_JIS text; save it as CSV (UTF-8)"))


def kind_of(data: bytes) -> ActivityKind | None:
    """What a file holds, from its header line: calls (``call_id``), meetings
    (``meeting_id``), or None when it names neither (or is not text)."""
    try:
        first = decode(data.split(b"\n", 1)[0])
    except ValueError:
        return None
    names = {h.strip().lower() for h in first.split(",")}
    if "call_id" in names:
        return ActivityKind.CALL
    if "meeting_id" in names:
        return ActivityKind.MEETING
    return None


def parse_csv(*, kind: ActivityKind, data: bytes | str) -> ParsedCsv:
    """The calls (or meetings) of a CSV file, and what is wrong with each bad row."""
    columns = csv_columns(kind)
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            return _file_problem(
                kind, msg("the file is larger than {mb} MB", mb=MAX_BYTES // 1024 // 1024)
            )
        try:
            text = decode(data)
        except ValueError as exc:
            said = exc.args[0] if exc.args else None
            return _file_problem(kind, said if isinstance(said, Text) else msg(str(exc)))
    else:
        text = data
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return _file_problem(kind, msg("the file is empty; the first line must name the columns"))
    except csv.Error as exc:
        return _file_problem(kind, msg("the header line is not valid CSV ({error})", error=exc))
    names = [h.strip().lower() for h in header]
    known = {c.name for c in columns}
    missing = [c.name for c in columns if c.required and c.name not in names]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if missing or repeated:
        every = ", ".join(c.name for c in columns)
        if missing and repeated:
            problem = msg(
                "missing required column(s) {missing}; repeated column(s) {repeated}. The "
                "columns are: {columns}.",
                missing=", ".join(missing),
                repeated=", ".join(repeated),
                columns=every,
            )
        elif missing:
            problem = msg(
                "missing required column(s) {missing}. The columns are: {columns}.",
                missing=", ".join(missing),
                columns=every,
            )
        else:
            problem = msg(
                "repeated column(s) {repeated}. The columns are: {columns}.",
                repeated=", ".join(repeated),
                columns=every,
            )
        return _file_problem(kind, problem)
    ignored = tuple(h.strip() for h, n in zip(header, names, strict=True) if n not in known and n)
    build: Callable[[Mapping[str, str]], Activity] = (
        _call_from_row if kind is ActivityKind.CALL else _meeting_from_row
    )

    activities: list[Activity] = []
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    rows_read = 0
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader cannot be trusted past a malformed line: stop and say where.
            problems.append(
                RowProblem(
                    reader.line_num,
                    None,
                    msg("not valid CSV ({error}); rows after it unread", error=exc),
                )
            )
            break
        line = reader.line_num
        if not any(cell.strip() for cell in raw):
            continue
        rows_read += 1
        if rows_read > MAX_ROWS:
            problems.append(
                RowProblem(line, None, msg("more than {most} rows; split the file", most=MAX_ROWS))
            )
            break
        if len(raw) > len(names):
            problems.append(
                RowProblem(
                    line,
                    None,
                    msg(
                        "has {values} values for {columns} columns",
                        values=len(raw),
                        columns=len(names),
                    ),
                )
            )
            continue
        row = {name: raw[i].strip() if i < len(raw) else "" for i, name in enumerate(names)}
        try:
            activity = build(row)
        except _BadValue as exc:
            problems.append(RowProblem(line, exc.column, exc.problem))
            continue
        earlier = first_line.get(activity.record_id)
        if earlier is not None:
            id_column = "call_id" if kind is ActivityKind.CALL else "meeting_id"
            problems.append(
                RowProblem(line, id_column, msg("repeats the id of line {line}", line=earlier))
            )
            continue
        first_line[activity.record_id] = line
        activities.append(activity)
    return ParsedCsv(
        kind=kind,
        activities=tuple(activities),
        problems=tuple(problems),
        rows_read=rows_read,
        ignored_columns=ignored,
    )


def _file_problem(kind: ActivityKind, message: Text) -> ParsedCsv:
    return ParsedCsv(
        kind=kind, activities=(), problems=(RowProblem(1, None, message),), rows_read=0
    )


def _required(row: Mapping[str, str], column: str) -> str:
    value = row.get(column, "")
    if not value:
        raise _BadValue(column, msg("is empty; it is required"))
    return value


def _choice(row: Mapping[str, str], column: str, choices: Mapping[str, object]) -> object:
    value = _required(row, column)
    found = choices.get(value.lower())
    if found is None:
        allowed = ", ".join(k for k in choices if k.isascii() and " " not in k)
        raise _BadValue(
            column, msg("{value} is not one of {allowed}", value=repr(value), allowed=allowed)
        )
    return found


def _time(row: Mapping[str, str], column: str) -> datetime:
    value = _required(row, column)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _BadValue(
            column, msg("{value} is not a time like 2025-05-01T10:23:00+09:00", value=repr(value))
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=JST)


def _url(row: Mapping[str, str], column: str) -> str:
    value = row.get(column, "")
    if value and not value.lower().startswith(("http://", "https://")):
        raise _BadValue(column, msg("{value} is not an http or https URL", value=repr(value)))
    return value


def _times(row: Mapping[str, str]) -> tuple[datetime, datetime]:
    started, ended = _time(row, "started_at"), _time(row, "ended_at")
    if ended < started:
        raise _BadValue("ended_at", msg("is before started_at"))
    return started, ended


def _call_from_row(row: Mapping[str, str]) -> Call:
    call_id = _required(row, "call_id")
    direction = _choice(row, "direction", _DIRECTIONS)
    result = _choice(row, "result", _RESULTS)
    started, ended = _times(row)
    number = _required(row, "counterpart_number")
    if not phone_key(number):
        raise _BadValue("counterpart_number", msg("{value} has no digits", value=repr(number)))
    assert isinstance(direction, CallDirection) and isinstance(result, CallResult)
    return Call(
        call_id=call_id,
        direction=direction,
        result=result,
        started_at=started,
        ended_at=ended,
        miitel_user=_required(row, "miitel_user"),
        counterpart_number=number,
        user_name=row.get("user_name", ""),
        call_url=_url(row, "call_url"),
        transcript=row.get("transcript", ""),
        summary=row.get("summary", ""),
        memo=row.get("memo", ""),
    )


def _meeting_from_row(row: Mapping[str, str]) -> Meeting:
    started, ended = _times(row)
    return Meeting(
        meeting_id=_required(row, "meeting_id"),
        title=_required(row, "title"),
        host=_required(row, "host"),
        started_at=started,
        ended_at=ended,
        participants=tuple(p for p in row.get("participants", "").split(";")),
        host_name=row.get("host_name", ""),
        recording_url=_url(row, "recording_url"),
        transcript=row.get("transcript", ""),
        summary=row.get("summary", ""),
    )
