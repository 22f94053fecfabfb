"""The benchmark table people read in the README: counts as counts, small ratios legible."""

from __future__ import annotations

from bench.common import Measure, markdown_table


def _row(figure: float, anchor: float) -> str:
    measure = Measure(
        name="m", figure=figure, unit="u", anchor_name="a", anchor=anchor, goal="g", met=True
    )
    return markdown_table([measure]).splitlines()[-1]


def test_counts_show_as_whole_numbers_and_small_ratios_keep_their_digits() -> None:
    assert _row(14, 4000) == "| m | 14 u | a: 4,000 u | 0.0035x | g | yes |"


def test_rates_keep_two_decimals() -> None:
    assert _row(144.784, 54.31) == "| m | 144.78 u | a: 54.31 u | 2.67x | g | yes |"
