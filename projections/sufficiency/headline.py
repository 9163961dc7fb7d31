"""A dashboard's headline: its few most telling figures, each read from the table that shows it
in full, with the same figure a year and two years earlier and the target it is measured
against.

Nothing here counts anything: every figure is taken from the dashboard's own tables after
disclosure control and publication (:func:`~projections.sufficiency.dashboard.build_dashboard`),
so a headline figure is always the figure its section shows, hidden where the section hides it.
The earlier years are the same dashboard built for the same day a year and two years before.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlalchemy as sa

from domain.organisation import TARGETS
from projections.sufficiency.dashboard import build_dashboard
from projections.sufficiency.flows import year_before
from projections.sufficiency.location import KINDS
from projections.sufficiency.publication import reporting_filters
from projections.sufficiency.tables import (
    COUNT,
    MONEY,
    PERCENT,
    RATE,
    ROW_AUTHORITY,
    Filters,
    Scope,
    Table,
)
from projections.sufficiency.targets import AT_LEAST, NO_TARGET

NOT_UASC = dict(KINDS)["not_uasc"]  # the out-of-area table's row for children other than UASC
YEARS_BACK = 2  # the headline's trend: the date counted on and the same day of two years before


@dataclass(frozen=True)
class Measure:
    """One headline figure: where it is read from and the target it answers to."""

    key: str
    label: str
    table: str  # the key of the table (and section) it is read from
    column: str
    kind: str
    target: str | None = None  # the name of the authority's target (domain.organisation.TARGETS)
    row: str | None = None  # a breakdown's row (its name's ending) rather than the whole scope's


MEASURES: tuple[Measure, ...] = (
    Measure("children", "Children in care", "children-in-care", "children", COUNT),
    Measure("rate", "Children in care per 10,000 children", "children-in-care", "rate", RATE,
            "children_per_10k"),
    Measure("rate_not_uasc", "Per 10,000 children, excluding unaccompanied asylum-seeking "
            "children", "children-in-care", "rate_not_uasc", RATE),
    Measure("pct_outside", "Placed outside the area", "placed-out-of-area", "pct_outside",
            PERCENT, "out_of_area_pct"),
    # As Dorset reports its trend (47% -> 42% -> 36%): its children other than unaccompanied
    # children, whom the National Transfer Scheme places across the country.
    Measure("pct_outside_not_uasc", "Placed outside the area, excluding unaccompanied "
            "asylum-seeking children", "placed-out-of-area", "pct_outside", PERCENT,
            row=NOT_UASC),
    Measure("pct_over_20", "Placed outside the area and more than 20 miles from home",
            "placed-out-of-area", "pct_over_20", PERCENT, "over_20_miles_pct"),
    Measure("average_cost", "Average weekly cost of a placement", "cost-by-type", "average",
            MONEY),
    Measure("voids_cost", "Cost of empty block-contract places over the period",
            "block-contracts", "empty_cost", MONEY),
    Measure("unmet_need", "Home searches closed unfilled over the period", "unmet-need",
            "pct_unfilled", PERCENT),
)


@dataclass(frozen=True)
class Reading:
    """A headline measure on one date: the figure as its table shows it (a number, or the
    word disclosure control or a missing record put there), or None when the table has no
    row to read it from."""

    on: date
    value: Any
    present: bool = True


@dataclass
class Figure:
    measure: Measure
    readings: list[Reading]  # oldest first; the last is the dashboard's own date
    target: Any = None  # the target's value, None when none is set
    at_least: bool = False  # met at or above the target (otherwise at or below)

    @property
    def now(self) -> Reading:
        return self.readings[-1]

    @property
    def year_earlier(self) -> Reading | None:
        return self.readings[-2] if len(self.readings) > 1 else None


@dataclass
class TargetsMet:
    """How many of the targets set in view are met, not met or cannot be told."""

    met: int = 0
    not_met: int = 0
    not_known: int = 0
    rows: list[tuple[str, str]] = field(default_factory=list)  # (measure, progress)

    @property
    def set(self) -> int:
        return self.met + self.not_met + self.not_known


@dataclass
class Headline:
    figures: list[Figure]
    targets: TargetsMet
    dates: list[date]


def headline_row(table: Table | None, ending: str | None = None) -> dict | None:
    """The row that stands for the whole scope: the total where the table has one, otherwise
    the first row (one authority's figures for all its children). With ``ending``, the row of
    that breakdown for the whole scope: the total's ("Total: ...") where there is a total."""
    if table is None:
        return None
    if ending is not None:
        return next((row for row in table.rows
                     if str(row.get("name", "")).endswith(f": {ending}")
                     and (table.total is None or str(row["name"]).startswith("Total:"))),
                    None)
    if table.total is not None:
        return table.total
    return table.rows[0] if table.rows else None


def _reading(tables: dict[str, Table], measure: Measure, on: date) -> Reading:
    row = headline_row(tables.get(measure.table), measure.row)
    if row is None:
        return Reading(on, None, present=False)
    return Reading(on, row.get(measure.column))


def scope_targets(table: Table | None) -> dict[str, Any]:
    """The targets of the one authority in view, by name; none for several authorities (a
    partnership or the region has no target of its own)."""
    if table is None or len({row.get(ROW_AUTHORITY) for row in table.rows}) != 1:
        return {}
    labels = {label: name for name, (label, _) in TARGETS.items()}
    found = {}
    for row in table.rows:
        if row.get("measure") in labels and row.get("target") != NO_TARGET:
            found[labels[row["measure"]]] = float(row["target"])
    return found


def targets_met(table: Table | None) -> TargetsMet:
    found = TargetsMet()
    for row in table.rows if table is not None else []:
        progress = row.get("status")
        if progress == "Met":
            found.met += 1
        elif progress == "Not met":
            found.not_met += 1
        elif progress == "Not known":
            found.not_known += 1
        else:
            continue
        found.rows.append((row.get("measure", ""), progress))
    return found


def earlier(filters: Filters, years: int) -> Filters:
    """The same filters ``years`` years before: the date counted on and the period."""
    on, start, end = filters.on, filters.period_start, filters.period_end
    for _ in range(years):
        on, start, end = year_before(on), year_before(start), year_before(end)
    return replace(filters, on=on, period_start=start, period_end=end)


def headline(dated: list[tuple[date, list[Table]]]) -> Headline:
    """The headline from the dashboard's tables on each date (oldest first; the last is the
    dashboard's own)."""
    by_date = [(on, {t.key: t for t in tables}) for on, tables in dated]
    now = by_date[-1][1]
    targets = scope_targets(now.get("targets-progress"))
    figures = [Figure(measure=m, readings=[_reading(t, m, on) for on, t in by_date],
                      target=targets.get(m.target) if m.target else None,
                      at_least=m.target in AT_LEAST)
               for m in MEASURES]
    return Headline(figures=figures, targets=targets_met(now.get("targets-progress")),
                    dates=[on for on, _ in by_date])


def dashboard_years(viewer, connection: sa.Connection, scope: Scope, filters: Filters,
                    tables: list[Table]) -> list[tuple[date, list[Table]]]:
    """The dashboard on the same day of each of the ``YEARS_BACK`` years before (oldest
    first), then ``tables`` itself: each built and published exactly as the dashboard is."""
    dated = []
    for years in range(YEARS_BACK, 0, -1):
        then = earlier(filters, years)
        if not scope.disclose:  # the month end the published figures are taken at
            then = reporting_filters(then)
        dated.append((then.on, build_dashboard(viewer, connection, scope, then)))
    return [*dated, (filters.on, tables)]
