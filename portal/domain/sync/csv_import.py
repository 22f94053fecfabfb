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
from typing import TYPE_CHECKING, Final

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

if TYPE_CHECKING:
    from _csv import Reader as _CsvReader

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
    try:
        reader = csv.reader(io.StringIO(_text_of(data)))
        header = _header(reader)
        names = [h.strip().lower() for h in header]
        _check_columns(kind, names)
    except _BadFile as exc:
        return _file_problem(kind, exc.problem)
    rows = _Rows(kind, names)
    rows.read(reader)
    return ParsedCsv(
        kind=kind,
        activities=tuple(rows.activities),
        problems=tuple(rows.problems),
        rows_read=rows.rows_read,
        ignored_columns=_ignored_columns(kind, header, names),
    )


class _BadFile(ValueError):
    """The whole file cannot be read: one problem, on line 1."""

    def __init__(self, problem: Text) -> None:
        super().__init__(problem)
        self.problem = problem


def _text_of(data: bytes | str) -> str:
    """The file's text; :class:`_BadFile` when it is too large or not text."""
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        raise _BadFile(msg("the file is larger than {mb} MB", mb=MAX_BYTES // 1024 // 1024))
    try:
        return decode(data)
    except ValueError as exc:
        said = exc.args[0] if exc.args else None
        raise _BadFile(said if isinstance(said, Text) else msg(str(exc))) from None


def _header(reader: _CsvReader) -> list[str]:
    try:
        return next(reader)
    except StopIteration:
        raise _BadFile(msg("the file is empty; the first line must name the columns")) from None
    except csv.Error as exc:
        raise _BadFile(msg("the header line is not valid CSV ({error})", error=exc)) from None


def _check_columns(kind: ActivityKind, names: list[str]) -> None:
    """Every required column is there, and none twice."""
    columns = csv_columns(kind)
    missing = [c.name for c in columns if c.required and c.name not in names]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if missing or repeated:
        every = ", ".join(c.name for c in columns)
        raise _BadFile(_columns_problem(missing, repeated, every))


def _columns_problem(missing: list[str], repeated: list[str], every: str) -> Text:
    if missing and repeated:
        return msg(
            "missing required column(s) {missing}; repeated column(s) {repeated}. The "
            "columns are: {columns}.",
            missing=", ".join(missing),
            repeated=", ".join(repeated),
            columns=every,
        )
    if missing:
        return msg(
            "missing required column(s) {missing}. The columns are: {columns}.",
            missing=", ".join(missing),
            columns=every,
        )
    return msg(
        "repeated column(s) {repeated}. The columns are: {columns}.",
        repeated=", ".join(repeated),
        columns=every,
    )


def _ignored_columns(kind: ActivityKind, header: list[str], names: list[str]) -> tuple[str, ...]:
    """The headers that name no column (as spelled in the file; blank ones left out)."""
    known = {c.name for c in csv_columns(kind)}
    return tuple(h.strip() for h, n in zip(header, names, strict=True) if n not in known and n)


class _Rows:
    """The rows after the header: good activities and a problem per bad row, in file order."""

    def __init__(self, kind: ActivityKind, names: list[str]) -> None:
        self._names = names
        self._id_column = _ID_COLUMNS[kind]
        self._build = _BUILDERS[kind]
        self._first_line: dict[str, int] = {}
        self.activities: list[Activity] = []
        self.problems: list[RowProblem] = []
        self.rows_read = 0

    def read(self, reader: _CsvReader) -> None:
        """Every non-blank line until the end, the row limit, or a line that is not CSV."""
        try:
            for raw in reader:
                if any(cell.strip() for cell in raw) and not self._add(reader.line_num, raw):
                    return
        except csv.Error as exc:
            # The reader cannot be trusted past a malformed line: stop and say where.
            self.problems.append(
                RowProblem(
                    reader.line_num,
                    None,
                    msg("not valid CSV ({error}); rows after it unread", error=exc),
                )
            )

    def _add(self, line: int, raw: list[str]) -> bool:
        """Take one row; False when it is one too many and reading must stop."""
        self.rows_read += 1
        if self.rows_read > MAX_ROWS:
            self.problems.append(
                RowProblem(line, None, msg("more than {most} rows; split the file", most=MAX_ROWS))
            )
            return False
        parsed = self._parse(line, raw)
        if isinstance(parsed, RowProblem):
            self.problems.append(parsed)
        else:
            self.activities.append(parsed)
        return True

    def _parse(self, line: int, raw: list[str]) -> Activity | RowProblem:
        """The row's activity, or what is wrong with it (first problem found)."""
        if len(raw) > len(self._names):
            return RowProblem(
                line,
                None,
                msg(
                    "has {values} values for {columns} columns",
                    values=len(raw),
                    columns=len(self._names),
                ),
            )
        row = {name: raw[i].strip() if i < len(raw) else "" for i, name in enumerate(self._names)}
        try:
            activity = self._build(row)
        except _BadValue as exc:
            return RowProblem(line, exc.column, exc.problem)
        earlier = self._first_line.get(activity.record_id)
        if earlier is not None:
            return RowProblem(
                line, self._id_column, msg("repeats the id of line {line}", line=earlier)
            )
        self._first_line[activity.record_id] = line
        return activity


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


_BUILDERS: Final[Mapping[ActivityKind, Callable[[Mapping[str, str]], Activity]]] = {
    ActivityKind.CALL: _call_from_row,
    ActivityKind.MEETING: _meeting_from_row,
}
_ID_COLUMNS: Final[Mapping[ActivityKind, str]] = {
    ActivityKind.CALL: "call_id",
    ActivityKind.MEETING: "meeting_id",
}
