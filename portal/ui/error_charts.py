"""The error log's two charts (Vega-Lite through Altair), titled in the session's language.

"Errors by code" writes every code in full on its axis (and in the tooltip); "Errors by day"
is a time axis with one bar per day of the person's zone, days without errors included as 0
(the service fills them in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal

from portal.domain.integration_errors import CodeCount, DayCount
from portal.ui import i18n
from portal.ui.i18n import _

if TYPE_CHECKING:
    import altair as alt

#: Height of one code's bar row, so long lists of codes stay readable.
ROW_HEIGHT: Final = 30
MIN_HEIGHT: Final = 180
DAY_HEIGHT: Final = 260
# A day is a plain date: read and written as UTC so no browser zone shifts it.
_DAY_UNIT: Final = "utcyearmonthdate"


def _level_title(*, align: Literal["left", "right"], **axis: Any) -> alt.Axis:
    """A vertical axis whose title reads level, above the axis: Japanese is not read turned
    sideways, and beside long codes a turned title would cover them."""
    import altair as alt  # loaded with the first chart, not at start

    return alt.Axis(
        titleAngle=0, titleAnchor="end", titleBaseline="bottom", titleY=-8, titleAlign=align, **axis
    )


def by_code(counts: list[CodeCount]) -> alt.Chart:
    """One horizontal bar per error code, most frequent first, codes never cut short."""
    import altair as alt  # loaded with the first chart, not at start

    code_title, errors_title = _("Error code"), _("Errors")
    data = alt.Data(values=[{"code": c.status_code, "errors": c.count} for c in counts])
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(
                "code:N",
                sort="-x",
                title=code_title,
                axis=_level_title(align="right", labelLimit=0, labelOverlap=False),
            ),
            x=alt.X("errors:Q", title=errors_title, axis=alt.Axis(tickMinStep=1, format="d")),
            tooltip=[
                alt.Tooltip("code:N", title=code_title),
                alt.Tooltip("errors:Q", title=errors_title, format=","),
            ],
        )
        .properties(height=max(MIN_HEIGHT, ROW_HEIGHT * len(counts)))
    )


def by_day(counts: list[DayCount]) -> alt.Chart:
    """One bar per day on a time axis, zero days shown as 0."""
    import altair as alt  # loaded with the first chart, not at start

    day_title = _("Day ({zone})").format(zone=i18n.zone_label())
    errors_title = _("Errors")
    data = alt.Data(values=[{"day": d.day.isoformat(), "errors": d.count} for d in counts])
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                f"{_DAY_UNIT}(day):T",
                title=day_title,
                axis=alt.Axis(format="%m/%d", labelAngle=0),
            ),
            y=alt.Y(
                "errors:Q",
                title=errors_title,
                axis=_level_title(align="left", tickMinStep=1, format="d"),
            ),
            tooltip=[
                alt.Tooltip(f"{_DAY_UNIT}(day):T", title=day_title, format="%Y-%m-%d"),
                alt.Tooltip("errors:Q", title=errors_title, format=","),
            ],
        )
        .properties(height=DAY_HEIGHT)
    )
