"""Forecast of children in care for three years, and of need by placement type.

The method (explained on the page, see :func:`forecast`): count the children in care on the
date and on the same day of each of the 36 months before it; fit a least-squares straight line
through those counts (the line's slope is the average net flow a month, starts less ends);
carry it 36 months forward with a 95% prediction interval (:mod:`projections.sufficiency.trend`).
Need by placement type divides the forecast in proportion to today's mix of placements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from uuid import UUID

import sqlalchemy as sa

from domain import ssda903
from projections.sufficiency.common import authorities, counted, long_date, open_on
from projections.sufficiency.selection import all_types, episodes, group_label
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

HISTORY_MONTHS = 36
HORIZON_MONTHS = 36


@dataclass
class Series:
    """Monthly counts of children in care up to the date, oldest first."""

    days: list[date]
    counts: list[int]
    records_from: date | None  # where complete records begin (see ``records_from``)
    starts: int  # children starting to be looked after within the history
    ends: int  # periods of care ending within the history

    @property
    def line(self) -> Line | None:
        return fit(self.counts) if len(self.counts) >= MIN_POINTS else None


def _complete_from(first_start: date | None, first_end: date | None) -> date | None:
    """Where one authority's records are complete. An SSDA903 return holds every episode open
    at any time in its collection year (1 April to 31 March), so records are complete from the
    1 April that begins the year of the earliest recorded episode end; before it, children who
    had already left care would be missing. Never before the earliest recorded start."""
    if first_start is None:
        return None
    if first_end is None:
        return first_start
    return max(first_start, date(ssda903.collection_year(first_end), 4, 1))


def count_days(on: date) -> list[date]:
    """The date and the same day of each of the 36 months before it, oldest first."""
    return [add_months(on, -k) for k in range(HISTORY_MONTHS, -1, -1)]


@dataclass
class Flows:
    """One authority's (or several together) episodes counted into the months between the
    count days: bucket b holds those on or before day b and after day b - 1 (bucket 0: on or
    before the first day)."""

    started: list[int] = field(default_factory=lambda: [0] * (HISTORY_MONTHS + 1))
    new_periods: list[int] = field(default_factory=lambda: [0] * (HISTORY_MONTHS + 1))
    ended: list[int] = field(default_factory=lambda: [0] * (HISTORY_MONTHS + 1))
    periods_ended: list[int] = field(default_factory=lambda: [0] * (HISTORY_MONTHS + 1))
    first_start: date | None = None
    first_end: date | None = None

    def add(self, started: int | None, ended: int | None, episodes_: int, new_periods: int,
            periods_ended: int, first_start: date, first_end: date | None) -> None:
        """A group of episodes that started in bucket ``started`` and ended in bucket
        ``ended`` (None: not ended by the date)."""
        self.started[started] += episodes_
        self.new_periods[started] += new_periods
        self.first_start = min(filter(None, (self.first_start, first_start)))
        if ended is not None:
            self.ended[ended] += episodes_
            self.periods_ended[ended] += periods_ended
            self.first_end = min(filter(None, (self.first_end, first_end)))

    def series(self, begins: date | None, on: date) -> Series:
        """Counts on the count days from where the records are complete: on a day, the
        episodes started by then less those ended by then."""
        days = count_days(on)
        first = next((k for k, d in enumerate(days) if begins is not None and d >= begins),
                     len(days))
        started, ended = list(accumulate(self.started)), list(accumulate(self.ended))
        return Series(days=days[first:],
                      counts=[started[k] - ended[k] for k in range(first, len(days))],
                      records_from=begins,
                      starts=sum(self.new_periods[first + 1:]),
                      ends=sum(self.periods_ended[first + 1:]))


def _bucket(day: sa.ColumnElement, days: list[date]) -> sa.ColumnElement:
    """The index of the first count day on or after ``day``; None when ``day`` is empty or
    after the last. A binary search written as nested CASEs: six comparisons a row, not 37."""

    def search(low: int, high: int) -> sa.ColumnElement:
        if low == high:
            return sa.literal(low)
        middle = (low + high) // 2
        return sa.case((day <= days[middle], search(low, middle)), else_=search(middle + 1, high))

    return sa.case((day.is_(None), None), (day > days[-1], None),
                   else_=search(0, len(days) - 1))


def _flows(connection: sa.Connection, ids: list[UUID], filters: Filters,
           each: bool) -> dict[UUID | None, Flows]:
    """One grouped query: episodes by authority, by the month they started in and by the
    month they ended in (a few hundred rows per authority, however many episodes), for the
    authorities together (key None) or for each."""
    days = count_days(filters.on)
    found: dict[UUID | None, Flows] = defaultdict(Flows)
    keys = [episodes.authority_id] if each else []
    started, ended = _bucket(episodes.start, days), _bucket(episodes.end, days)
    query = (sa.select(*keys, started, ended, sa.func.count(),
                       sa.func.count().filter(episodes.rne == "S"),
                       sa.func.count().filter(episodes.rec != ssda903.CONTINUING),
                       sa.func.min(episodes.start), sa.func.min(episodes.end))
             .where(*counted(ids, filters), episodes.start <= filters.on)
             .group_by(*keys, started, ended))
    for row in connection.execute(query):
        found[row[0] if each else None].add(*row[-7:])
    return found


def _complete(connection: sa.Connection, ids: list[UUID], filters: Filters,
              flows: dict[UUID | None, Flows]) -> dict[UUID, date]:
    """Where each authority's records are complete, from every placement type's episodes (the
    flows already hold their first start and end unless a type was chosen)."""
    if filters.place_group is not None:
        flows = _flows(connection, ids, all_types(filters), each=True)
    return {a: day for a, f in flows.items()
            if (day := _complete_from(f.first_start, f.first_end)) is not None}


def monthly_series(connection: sa.Connection, ids: list[UUID], filters: Filters) -> Series:
    """Children in care (of the filters' placement type) in the authorities together, counted
    from where every one of them has complete records."""
    each = _flows(connection, ids, filters, each=True)
    complete = _complete(connection, ids, filters, each)
    together = Flows()
    for flows in each.values():
        for name in ("started", "new_periods", "ended", "periods_ended"):
            setattr(together, name, [a + b for a, b in zip(getattr(together, name),
                                                           getattr(flows, name), strict=True)])
    return together.series(max(complete.values(), default=None), filters.on)


def monthly_series_each(connection: sa.Connection, ids: list[UUID],
                        filters: Filters) -> dict[UUID, Series]:
    """The same for each authority on its own."""
    each = _flows(connection, ids, filters, each=True)
    complete = _complete(connection, ids, filters, each)
    return {a: each.get(a, Flows()).series(complete.get(a), filters.on) for a in ids}


def _month(day: date) -> str:
    return f"{day:%B %Y}"


def _whole(value: float) -> int:
    return max(0, round(value))


def forecast(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    ids = [a.id for a in authorities(connection, scope, filters)]
    series = monthly_series(connection, ids, filters)
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


def today_by_group(connection: sa.Connection, ids: list[UUID],
                   filters: Filters) -> dict[str, int]:
    """Children in care on the date by placement type group (every group)."""
    mix: dict[str, int] = defaultdict(int)
    for each in today_by_group_each(connection, ids, filters).values():
        for group, children in each.items():
            mix[group] += children
    return dict(mix)


def today_by_group_each(connection: sa.Connection, ids: list[UUID],
                        filters: Filters) -> dict[UUID, dict[str, int]]:
    """The same for each authority."""
    mix: dict[UUID, dict[str, int]] = defaultdict(dict)
    for authority, group, children in connection.execute(
            sa.select(episodes.authority_id, episodes.place_group, sa.func.count())
            .where(open_on(filters.on), *counted(ids, all_types(filters)))
            .group_by(episodes.authority_id, episodes.place_group)):
        mix[authority][group] = children
    return mix


def forecast_need(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    ids = [a.id for a in authorities(connection, scope, filters)]
    series = monthly_series(connection, ids, all_types(filters))
    line = series.line
    mix = today_by_group(connection, ids, filters)
    everyone = sum(mix.values())
    years = {year: need_at(line, series.counts, 12 * year) for year in (1, 2, 3)}

    def figures(children: int) -> dict:
        share = children / everyone if everyone else 0
        scaled = {f"year_{y}": None if n[1] is None else round(n[1] * share, 1)
                  for y, n in years.items()}
        low, _, high = years[3]
        return {"children": children, "share": round(100 * share, 1) if everyone else None,
                **scaled,
                "low_3": None if low is None else round(max(0.0, low) * share, 1),
                "high_3": None if high is None else round(high * share, 1)}

    rows = [{"group": group_label(g), **figures(mix[g])} for g in ssda903.GROUPS
            if g in mix and filters.place_group in (None, g)]
    return Table(
        key="forecast-need",
        title="Forecast need by placement type",
        definition=(
            "The forecast of children in care (see the forecast above: a straight-line trend "
            "of the last three years' monthly counts) divided among placement types in "
            f"proportion to the children in each type on {long_date(filters.on)}. It assumes "
            "today's mix of placements stays as it is; the range for three years ahead is the "
            "forecast's 95% prediction interval divided the same way."),
        columns=[
            Column("group", "Placement type", TEXT),
            Column("children", "Children now", COUNT),
            Column("share", "Share now (%)", PERCENT, derived_from=("children",)),
            *(Column(f"year_{y}", f"Need in {y} year{'s' if y > 1 else ''}", NUMBER,
                     derived_from=("children",)) for y in (1, 2, 3)),
            Column("low_3", "Need in 3 years: lower end", NUMBER, derived_from=("children",)),
            Column("high_3", "Need in 3 years: upper end", NUMBER, derived_from=("children",)),
        ],
        rows=rows,
        total=({"group": "All placement types", **figures(everyone)}
               if everyone and filters.place_group is None else None),
        chart=Chart(value="year_3"),
        notes=[] if line is not None else [_cannot(series)],
    )
