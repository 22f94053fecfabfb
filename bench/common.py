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


def markdown_table(measures: list[Measure]) -> str:
    lines = [
        "| measure | figure | anchor | ratio | goal | met |",
        "| --- | ---: | --- | ---: | --- | --- |",
    ]
    for m in measures:
        lines.append(
            f"| {m.name} | {m.figure:,.2f} {m.unit} | {m.anchor_name}: {m.anchor:,.2f} {m.unit} "
            f"| {m.ratio:.2f}x | {m.goal} | {'yes' if m.met else 'no'} |"
        )
    return "\n".join(lines)
