"""Step 8's errors where they belong: per tab, and next to the field they concern.

The last validation report is remembered for the session (step 8 and the settings tabs show
the same one); a Save's problems replace it for that tab until the next check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import streamlit as st

from portal.domain.settings import SettingsArea
from portal.domain.validation import SettingsProblem
from portal.ui.i18n import t

#: The remembered :class:`~portal.services.validation.ValidationReport` (see ``ui.session``).
VALIDATION_REPORT: Final = "validation.report"


def problems_by_tab(problems: Iterable[SettingsProblem]) -> dict[str, list[str]]:
    """Problem messages grouped under their tab's label, in the tabs' order, both in the
    session's language."""
    grouped: dict[SettingsArea, list[str]] = {}
    for problem in problems:
        grouped.setdefault(problem.area, []).append(t(problem.message))
    return {t(area.label): grouped[area] for area in SettingsArea if area in grouped}


class FieldProblems:
    """One tab's problems, handed out field by field; what no field claimed is left over."""

    def __init__(self, problems: Iterable[SettingsProblem]) -> None:
        self._problems = list(problems)
        self._shown: set[int] = set()

    def __bool__(self) -> bool:
        return bool(self._problems)

    def show(self, setting: str, *, under: bool = False) -> None:
        """Show, in place, the problems of the setting key ``setting`` (and, with ``under``,
        of the keys below it, e.g. every row of ``user_mappings``)."""
        for index, problem in enumerate(self._problems):
            if index in self._shown:
                continue
            below = under and problem.setting.startswith(setting + ".")
            if problem.setting == setting or below:
                self._shown.add(index)
                st.error(t(problem.message), icon=":material/error:")

    def rest(self) -> list[SettingsProblem]:
        """The problems no field showed."""
        return [p for i, p in enumerate(self._problems) if i not in self._shown]
