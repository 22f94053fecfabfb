"""What every benchmark returns: one row of the `make bench` table per measure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """A figure and the anchor it is compared with (``ratio = figure / anchor``).

    ``goal`` states the target in words (e.g. "<= 1.5x"), ``met`` whether the ratio meets it.
    """

    name: str
    figure: float
    unit: str
    anchor_name: str
    anchor: float
    goal: str
    met: bool

    @property
    def ratio(self) -> float:
        return self.figure / self.anchor if self.anchor else float("inf")


def _number(value: float) -> str:
    """Whole numbers as such (counts), others with two decimals."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _ratio(value: float) -> str:
    """Two significant digits below 0.1 (``0.0035x``), else two decimals."""
    return f"{value:.2g}x" if 0 < value < 0.1 else f"{value:.2f}x"


def markdown_table(measures: list[Measure]) -> str:
    lines = [
        "| measure | figure | anchor | ratio | goal | met |",
        "| --- | ---: | --- | ---: | --- | --- |",
    ]
    for m in measures:
        lines.append(
            f"| {m.name} | {_number(m.figure)} {m.unit} | {m.anchor_name}: {_number(m.anchor)} "
            f"{m.unit} | {_ratio(m.ratio)} | {m.goal} | {'yes' if m.met else 'no'} |"
        )
    return "\n".join(lines)
