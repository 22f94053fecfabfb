"""Reading back what a person did in ``st.data_editor``: its session value is the list of
changes (edited, deleted and added rows) against the rows it was given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def apply_editor_changes(
    rows: Sequence[Mapping[str, object]], changes: object
) -> list[dict[str, object]]:
    """``rows`` with the editor's ``changes`` applied: edits by original position first, then
    deletions by original position, then the added rows in order."""
    result = [dict(row) for row in rows]
    if not isinstance(changes, Mapping):
        return result
    edited = changes.get("edited_rows") or {}
    if isinstance(edited, Mapping):
        for position, values in edited.items():
            index = int(position)
            if 0 <= index < len(result) and isinstance(values, Mapping):
                result[index].update(values)
    deleted = changes.get("deleted_rows") or []
    if isinstance(deleted, Sequence):
        gone = {int(position) for position in deleted}
        result = [row for index, row in enumerate(result) if index not in gone]
    added = changes.get("added_rows") or []
    if isinstance(added, Sequence):
        result += [dict(row) for row in added if isinstance(row, Mapping)]
    return result
