"""Children in care counted month by month: the history the forecast is fitted to, and today's
mix of placements.

Counts are taken on the date and on the same day of each of the 36 months before it, from
where the portal's records are complete (see :func:`_complete_from`). They come from one
grouped query however many episodes there are: episodes by authority and by the months they
started and ended in; a count on a day is the episodes started by then less those ended by
then.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from uuid import UUID

import sqlalchemy as sa

from domain import ssda903
from projections.sufficiency.common import counted, of_whole_region
from projections.sufficiency.selection import all_types, episodes
from projections.sufficiency.snapshot import in_care_on
from projections.sufficiency.tables import Filters
from projections.sufficiency.trend import MIN_POINTS, Line, add_months, fit

HISTORY_MONTHS = 36


@dataclass
class Series:
    """Monthly counts of children in care up to the date, oldest first."""

    days: list[date]
    counts: list[int]
    records_from: date | None  # where complete records begin (see ``_complete_from``)
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

    def add(self, started: int, ended: int | None, episodes_: int, new_periods: int,
            periods_ended: int) -> None:
        """A group of episodes that started in bucket ``started`` and ended in bucket
        ``ended`` (None: not ended by the date)."""
        self.started[started] += episodes_
        self.new_periods[started] += new_periods
        if ended is not None:
            self.ended[ended] += episodes_
            self.periods_ended[ended] += periods_ended

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


def _key(name: str, filters: Filters) -> tuple:
    return (name, filters.on, filters.place_group)


def _cut(whole: dict, wanted: set) -> dict:
    """The authorities ``wanted`` of a result by authority."""
    return {a: found for a, found in whole.items() if a in wanted}


def _flows(connection: sa.Connection, ids: list[UUID], filters: Filters,
           everyone: bool) -> dict[UUID, Flows]:
    """One grouped query: each authority's episodes by the months they started and ended in (a
    few hundred rows per authority, however many episodes). Episodes that ended by the first
    count day are left out: they add one to the starts and one to the ends before every count,
    so they change none. Shared by the measures of one dashboard (see
    :func:`projections.sufficiency.common.shared_queries`)."""

    def compute() -> dict[UUID, Flows]:
        days = count_days(filters.on)
        found: dict[UUID, Flows] = defaultdict(Flows)
        started, ended = _bucket(episodes.start, days), _bucket(episodes.end, days)
        query = (sa.select(episodes.authority_id, started, ended, sa.func.count(),
                           sa.func.count().filter(episodes.rne == "S"),
                           sa.func.count().filter(episodes.rec != ssda903.CONTINUING))
                 .where(*counted(ids, filters, everyone=everyone), episodes.start <= filters.on,
                        sa.or_(episodes.end.is_(None), episodes.end > days[0]))
                 .group_by(episodes.authority_id, started, ended))
        for authority, *figures in connection.execute(query):
            found[authority].add(*figures)
        return found

    return of_whole_region(_key("flows", filters), ids, everyone, compute, _cut)


def _complete(connection: sa.Connection, ids: list[UUID], filters: Filters,
              everyone: bool) -> dict[UUID, date]:
    """Where each authority's records are complete, from its earliest recorded start and end
    of any episode up to the date (read from the index on authority, start and end alone)."""
    on = filters.on

    def compute() -> dict[UUID, date]:
        rows = connection.execute(
            sa.select(episodes.authority_id, sa.func.min(episodes.start),
                      sa.func.min(sa.case((episodes.end <= on, episodes.end))))
            .where(*([] if everyone else [episodes.authority_id.in_(ids)]),
                   episodes.start <= on)
            .group_by(episodes.authority_id))
        return {a: day for a, first, end in rows
                if (day := _complete_from(first, end)) is not None}

    return of_whole_region(_key("complete", all_types(filters)), ids, everyone, compute, _cut)


def monthly_series(connection: sa.Connection, ids: list[UUID], filters: Filters, *,
                   everyone: bool = False) -> Series:
    """Children in care (of the filters' placement type) in the authorities together, counted
    from where every one of them has complete records. ``everyone``: ``ids`` are every
    partner authority, so no list is needed (see :func:`~projections.sufficiency.common.
    whole_region`)."""
    each = _flows(connection, ids, filters, everyone)
    complete = _complete(connection, ids, filters, everyone)
    together = Flows()
    for flows in each.values():
        for name in ("started", "new_periods", "ended", "periods_ended"):
            setattr(together, name, [a + b for a, b in zip(getattr(together, name),
                                                           getattr(flows, name), strict=True)])
    return together.series(max(complete.values(), default=None), filters.on)


def monthly_series_each(connection: sa.Connection, ids: list[UUID], filters: Filters, *,
                        everyone: bool = False) -> dict[UUID, Series]:
    """The same for each authority on its own."""
    each = _flows(connection, ids, filters, everyone)
    complete = _complete(connection, ids, filters, everyone)
    return {a: each.get(a, Flows()).series(complete.get(a), filters.on) for a in ids}


def today_by_group(connection: sa.Connection, ids: list[UUID], filters: Filters, *,
                   everyone: bool = False) -> dict[str, int]:
    """Children in care on the date by placement type group (every group)."""
    mix: dict[str, int] = defaultdict(int)
    for each in today_by_group_each(connection, ids, filters, everyone=everyone).values():
        for group, children in each.items():
            mix[group] += children
    return dict(mix)


def today_by_group_each(connection: sa.Connection, ids: list[UUID], filters: Filters, *,
                        everyone: bool = False) -> dict[UUID, dict[str, int]]:
    """The same for each authority, from the population measures' shared pass over the
    children in care on the date (:func:`projections.sufficiency.snapshot.in_care_on`)."""
    mix: dict[UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for group in in_care_on(connection, ids, all_types(filters), everyone=everyone):
        mix[group.authority_id][group.place_group] += group.children
    return {authority: dict(groups) for authority, groups in mix.items()}
