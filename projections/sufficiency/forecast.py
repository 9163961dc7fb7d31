"""Forecast of children in care for three years, and of need by placement type.

The method (explained on the page, see :func:`forecast`): count the children in care on the
date and on the same day of each of the 36 months before it; fit a least-squares straight line
through those counts (the line's slope is the average net flow a month, starts less ends);
carry it 36 months forward with a 95% prediction interval (:mod:`projections.sufficiency.trend`).
Need by placement type divides the forecast in proportion to today's mix of placements. The
counts come from :mod:`projections.sufficiency.history`.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from domain import ssda903
from projections.sufficiency.builds import kept_or_built
from projections.sufficiency.common import authorities, long_date, whole_region
from projections.sufficiency.history import Series, monthly_series, today_by_group
from projections.sufficiency.selection import all_types, group_label
from projections.sufficiency.tables import (
    COUNT,
    NUMBER,
    PERCENT,
    TEXT,
    Chart,
    Column,
    Filters,
    Scope,
    Table,
)
from projections.sufficiency.trend import MIN_POINTS, Line, add_months, fit
from projections.sufficiency.unmet_need import unmet_demand, unmet_demand_lines

HORIZON_MONTHS = 36


def _month(day: date) -> str:
    return f"{day:%B %Y}"


def _whole(value: float) -> int:
    return max(0, round(value))


def forecast(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    """The forecast for the authorities counted (the scope's, or the one area), worked out once
    a day for each of them and placement type, and kept until the read models move on
    (:mod:`~projections.sufficiency.builds`): every dashboard of theirs (every reader's, each
    partnership's within the region's, the headline's) reads the same one. What is kept is the
    forecast before disclosure control; only a dashboard's own build ever reads it."""
    ids = tuple(a.id for a in authorities(connection, scope, filters))
    everyone = whole_region(scope, filters)
    key = ("forecast", ids, everyone, filters.on, filters.place_group)
    return kept_or_built(connection, key, lambda: _forecast(connection, list(ids), everyone,
                                                             filters))


def _forecast(connection: sa.Connection, ids: list, everyone: bool, filters: Filters) -> Table:
    series = monthly_series(connection, ids, filters, everyone=everyone)
    rows = [{"month": _month(d), "basis": "Counted", "children": n, "low": None, "high": None}
            for d, n in zip(series.days, series.counts, strict=True)]
    line = series.line
    notes = []
    if line is None:
        notes.append(_cannot(series))
    else:
        last = len(series.counts) - 1
        for h in range(1, HORIZON_MONTHS + 1):
            low, centre, high = line.interval(last + h)
            rows.append({"month": _month(add_months(filters.on, h)), "basis": "Forecast",
                         "children": _whole(centre), "low": _whole(low), "high": _whole(high)})
        notes.append(_explained(series, line, filters))
    return Table(
        key="forecast",
        title="Forecast of children in care",
        definition=_definition(filters),
        columns=[
            Column("month", "Month", TEXT),
            Column("basis", "Counted or forecast", TEXT),
            Column("children", "Children in care", COUNT),
            Column("low", "Lower end of the 95% range", NUMBER, derived_from=("children",)),
            Column("high", "Upper end of the 95% range", NUMBER, derived_from=("children",)),
        ],
        rows=rows,
        chart=Chart(value="children", kind="line", low="low", high="high"),
        notes=notes,
    )


def _definition(filters: Filters) -> str:
    group = (f" placed in {group_label(filters.place_group).lower()}"
             if filters.place_group else "")
    return (
        f"Children in care{group} (leaving out children looked after only under a series of "
        "short breaks, as the DfE does) counted on "
        f"{long_date(filters.on)} and on the same day of each of the 36 months "
        "before it, from where the portal's records are complete: from the 1 April that "
        "begins the collection year of the earliest recorded end of an episode (an SSDA903 "
        "return holds every episode open during its year, so before it children who had "
        "already left care would be missing), and, for several authorities together, from "
        "where every one of them has complete records. A straight line is fitted "
        "through these counts by least squares; its slope is the average change a month, which "
        "is the number of children starting to be looked after less the number leaving care. "
        "The line is carried forward 36 months. The range around it is a 95% prediction "
        "interval: the scatter of the counts about the line, widened the further ahead the "
        "month is (Student's t with the number of counts less two degrees of freedom). It "
        "assumes the trend of the last three years carries on and treats each month as "
        "independent, so the true uncertainty is larger than shown, more so where a policy or "
        "a change in the number of unaccompanied children alters the trend. A forecast needs "
        "at least 12 months of records before the date.")


def yearly_rows(table: Table) -> list[int]:
    """The rows of a forecast table a year apart: the counts on the date and on the same day
    of each earlier year counted, then the forecast one, two and three years ahead."""
    counted = [i for i, row in enumerate(table.rows) if row["basis"] == "Counted"]
    if not counted:
        return []
    month = table.rows[counted[-1]]["month"].split()[0]
    return [i for i, row in enumerate(table.rows) if row["month"].split()[0] == month]


def _cannot(series: Series) -> str:
    if series.records_from is None:
        return "There are no placement records here, so no forecast can be made."
    return (f"The forecast cannot be made: it needs at least 12 months of records before the "
            f"date, and complete records here begin on {series.records_from.day} "
            f"{series.records_from:%B %Y}.")


def _explained(series: Series, line: Line, filters: Filters) -> str:
    months = len(series.counts) - 1
    end = line.interval(months + HORIZON_MONTHS)
    moves = (" Moves between placement types also change this count."
             if filters.place_group else "")
    return (f"Over the {months} months counted, {series.starts} children started to be "
            f"looked after and {series.ends} periods of care ended: a net change of "
            f"{(series.starts - series.ends) / months:+.1f} a month.{moves} The fitted line "
            f"changes by {line.slope:+.1f} a month and reaches {_whole(end[1])} in 36 months "
            f"(95% range {_whole(end[0])} to {_whole(end[2])}).")


def need_at(line: Line | None, counts: list[int], months_ahead: int):
    """(low, forecast, high) ``months_ahead`` after the last count, or Nones."""
    if line is None:
        return None, None, None
    return line.interval(len(counts) - 1 + months_ahead)


def _counted(table: Table) -> tuple[list[int], Line | None]:
    """The monthly counts a forecast table was fitted to, and its line (None when too few)."""
    counts = [row["children"] for row in table.rows if row["basis"] == "Counted"]
    return counts, fit(counts) if len(counts) >= MIN_POINTS else None


def forecast_need(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    ids = [a.id for a in authorities(connection, scope, filters)]
    everyone = whole_region(scope, filters)
    # The forecast of every placement type, as the forecast table (kept) has it.
    whole = forecast(connection, scope, all_types(filters))
    counts, line = _counted(whole)
    mix = today_by_group(connection, ids, filters, everyone=everyone)
    everyone = sum(mix.values())
    years = {year: need_at(line, counts, 12 * year) for year in (1, 2, 3)}
    demand = unmet_demand(connection, scope, filters)

    def figures(children: int, unmet: int) -> dict:
        share = children / everyone if everyone else 0
        # Whole children: a type's share of the forecast, rounded to the nearest child.
        scaled = {f"year_{y}": None if n[1] is None else _whole(n[1] * share)
                  for y, n in years.items()}
        low, _, high = years[3]
        return {"children": children, "share": round(100 * share, 1) if everyone else None,
                **scaled,
                "low_3": None if low is None else _whole(low * share),
                "high_3": None if high is None else _whole(high * share),
                "unmet": unmet,
                "with_unmet_3": None if scaled["year_3"] is None else scaled["year_3"] + unmet}

    groups = [g for g in ssda903.GROUPS if g in mix and filters.place_group in (None, g)]
    rows = [{"group": group_label(g), **figures(mix[g], demand.get(g, 0))} for g in groups]
    return Table(
        key="forecast-need",
        title="Forecast need by placement type",
        definition=(
            "The forecast of children in care (see the forecast above: a straight-line trend "
            "of the last three years' monthly counts) divided among placement types in "
            f"proportion to the children in each type on {long_date(filters.on)}. It assumes "
            "today's mix of placements stays as it is; the range for three years ahead is the "
            "forecast's 95% prediction interval divided the same way. Each figure is rounded "
            "to the nearest whole child, so the types may not add up exactly to the total. "
            "Observed unmet need is added on the need side: the home searches opened from "
            f"{long_date(filters.period_start)} to {long_date(filters.period_end)} and closed "
            "unfilled by then (see unmet need), counted under the placement type a place in "
            "the one kind of setting each search recommended is recorded as (a children's home "
            "or short-break unit K2, an independent fostering agency U6, supported "
            "accommodation K3, a parent and child unit R3). These children needed a home of "
            "that type and none was found, so today's mix, and the forecast built on it, "
            "leaves them out: need in 3 years with observed unmet need is the forecast need "
            "plus them. Searches recommending more than one kind are not counted here, and "
            "nor are types with no children in them now."),
        columns=[
            Column("group", "Placement type", TEXT),
            Column("children", "Children now", COUNT),
            Column("share", "Share now (%)", PERCENT, derived_from=("children",),
                   rounding="share"),
            *(Column(f"year_{y}", f"Need in {y} year{'s' if y > 1 else ''}", NUMBER,
                     derived_from=("children",)) for y in (1, 2, 3)),
            Column("low_3", "Need in 3 years: lower end", NUMBER, derived_from=("children",)),
            Column("high_3", "Need in 3 years: upper end", NUMBER, derived_from=("children",)),
            Column("unmet", "Observed unmet need (searches closed unfilled)", COUNT),
            Column("with_unmet_3", "Need in 3 years with observed unmet need", NUMBER,
                   derived_from=("children", "unmet")),
        ],
        rows=rows,
        total=({"group": "All placement types",
                **figures(everyone, sum(r["unmet"] for r in rows))}
               if everyone and filters.place_group is None else None),
        chart=Chart(value="year_3"),
        notes=[] if line is not None else whole.notes[:1],
        facts={(i, "unmet"): ("unmet_demand", g) for i, g in enumerate(groups)},
        fact_lines=[unmet_demand_lines(filters, g) for g in groups],
    )
