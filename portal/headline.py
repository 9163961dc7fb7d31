"""The dashboard's headline panel in words: each figure as its section shows it, its change from
a year earlier, a mark against its target in words (never colour alone) and its trend.

The figures come from :mod:`projections.sufficiency.headline`, which reads them from the
dashboard's published tables, so a figure hidden in a section reads the same here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from markupsafe import Markup

from portal.dashboards import Cell, anchor_for
from portal.figures import display, explanation, number
from projections.sufficiency.headline import Figure, Headline, Reading, TargetsMet
from projections.sufficiency.tables import PERCENT, RATE

# A figure not meeting its target but within this share of it is marked amber: close.
CLOSE = 0.1
MARKS = {
    "met": ("On target", "govuk-tag--green"),
    "close": ("Close to target", "govuk-tag--yellow"),
    "off": ("Off target", "govuk-tag--red"),
    "none": ("No target set", "govuk-tag--grey"),
    "unknown": ("Not known against its target", "govuk-tag--grey"),
}


@dataclass(frozen=True)
class PresentedFigure:
    key: str
    label: str
    value: Cell
    change: str
    mark: str
    mark_class: str
    target: str  # the target in words, or "No target set"
    trend: list[tuple[str, str]]  # (year, figure), oldest first
    sparkline: Markup | None
    section: str  # the anchor of the section that shows the figure in full


def value_cell(reading: Reading, kind: str) -> Cell:
    if not reading.present:
        return Cell("None")
    return Cell(text=display(reading.value, kind), hidden=explanation(reading.value, kind),
                numeric=True)


def mark(figure: Figure) -> str:
    """"met", "close", "off", "none" (no target set) or "unknown" (the figure is hidden or
    cannot be worked out)."""
    target = number(figure.target)
    if target is None:
        return "none"
    value = number(figure.now.value) if figure.now.present else None
    if value is None:
        return "unknown"
    if (value >= target) if figure.at_least else (value <= target):
        return "met"
    return "close" if target and abs(value - target) <= CLOSE * abs(target) else "off"


def _amount(difference: float, kind: str) -> str:
    if kind == PERCENT:
        return f"{display(difference, RATE)} percentage points"
    return display(difference, kind)


def change(figure: Figure) -> str:
    """The change from a year earlier, in words."""
    then, kind = figure.year_earlier, figure.measure.kind
    if then is None or not then.present or not figure.now.present:
        return "No figure a year earlier to compare with"
    before, after = number(then.value), number(figure.now.value)
    if before is None or after is None:
        return "Cannot be compared with a year earlier"
    amount = _amount(abs(after - before), kind)
    try:
        unchanged = Decimal(amount.split()[0].lstrip("£").replace(",", "")) == 0
    except InvalidOperation:  # "low": a change too small to show at this precision
        unchanged = True
    if unchanged:
        return "No change on a year earlier"
    return f"{'Up' if after > before else 'Down'} {amount} on a year earlier"


def target_words(figure: Figure) -> str:
    if number(figure.target) is None:
        return "No target set"
    aim = "at least" if figure.at_least else "at most"
    return f"Target: {aim} {display(figure.target, figure.measure.kind)}"


def sparkline(readings: list[Reading]) -> Markup | None:
    """A small line through the figures (drawn for sighted readers; the words beside it say
    the same, so it is hidden from assistive technology). None with fewer than two figures."""
    values = [number(r.value) if r.present else None for r in readings]
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return None
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = 100 / max(len(values) - 1, 1)
    points = " ".join(f"{i * step + 4:.1f},{28 - (v - low) / span * 24:.1f}"
                      for i, v in enumerate(values) if v is not None)
    return Markup(  # noqa: S704 (numbers only)
        '<svg class="app-sparkline" viewBox="0 0 108 32" width="108" height="32" '
        'aria-hidden="true" focusable="false"><polyline fill="none" stroke="#1d70b8" '
        f'stroke-width="2.5" points="{points}"/></svg>')


def present_figure(figure: Figure) -> PresentedFigure:
    kind = figure.measure.kind
    text, css = MARKS[mark(figure)]
    return PresentedFigure(
        key=figure.measure.key, label=figure.measure.label,
        value=value_cell(figure.now, kind), change=change(figure), mark=text, mark_class=css,
        target=target_words(figure),
        trend=[(str(r.on.year), value_cell(r, kind).text) for r in figure.readings],
        sparkline=sparkline(figure.readings), section=anchor_for(figure.measure.table))


def targets_words(targets: TargetsMet) -> tuple[str, str, str]:
    """The targets figure: (figure, mark, tag class)."""
    if not targets.set:
        return "No target set", *MARKS["none"]
    figure = f"{targets.met} of {targets.set}"
    if targets.met == targets.set:
        return figure, *MARKS["met"]
    if targets.not_met:
        return figure, "Not all met", "govuk-tag--red"
    return figure, "Some not known", "govuk-tag--grey"


def present_headline(found: Headline) -> dict:
    figure, words, css = targets_words(found.targets)
    return {"figures": [present_figure(f) for f in found.figures],
            "targets": {"figure": figure, "mark": words, "mark_class": css,
                        "rows": found.targets.rows, "section": anchor_for("targets-progress")},
            "on": found.dates[-1],
            "year_earlier": found.dates[-2] if len(found.dates) > 1 else None}
