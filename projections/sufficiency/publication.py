"""How another authority's figures are published: at fixed reporting points, rounded.

Suppressing counts from 1 to 4 within one dashboard is not enough when a reader may choose the
dates. As Kent, Dorset's children in care on 5 March (444) and 6 March (445), with starts for
the one-day period 6 to 6 March shown as low and ends as 0, gave starts = 1: two published
totals, differenced, gave a hidden count back (outside security test, issue 17). So every
view that crosses authority lines follows the practice of official statistics, which publish
at fixed points and round (DfE, "Children looked after in England including adoptions":
figures at 31 March, counts at local-authority level rounded; ONS and GSS guidance on
disclosure by differencing):

- **Fixed reporting points.** Counts on a date are taken at the last month end on or before
  the date asked for (the current month's figures appear once it has ended); a period is made
  of whole calendar months, from the first day of the month it starts in to the last month end
  on or before its end. So the dates of two views differ by whole months, never by a day.
- **Rounding.** Every count of 5 or more is rounded to the nearest 5; counts from 1 to 4 are
  "low" and 0 is 0, as before (:mod:`projections.sufficiency.disclosure`, which decides on the
  exact counts what to hide). Two published counts then each stand for a range of at least
  three values, so their difference is never one number from 1 to 4 (unless both are 0).
- **Derived figures from the published counts.** A rate, percentage or total worked out from a
  count is worked out again from the rounded count, so it gives back nothing the count does
  not: a rate is its count (rounded) over the population, a percentage its rounded part over
  its rounded whole; an average stays as it is (it does not grow with the count).
- **What the reader already knows** (an officer's own authority's figures in a partnership or
  the region) is shown exactly, as it is to them on their own dashboard.

An officer's own authority's dashboard is exact, on any date and for any period.
"""

from __future__ import annotations

import calendar
import dataclasses
from datetime import date, timedelta
from uuid import UUID

from projections.sufficiency.disclosure import copy_table, known_cells
from projections.sufficiency.tables import (
    COUNT,
    PERCENT,
    RATE,
    TOTAL_ROW,
    Column,
    Filters,
    Table,
)

ROUND_TO = 5

NOTE = ("Figures for other authorities are taken at month ends and over whole months, and "
        "every count of 5 or more is rounded to the nearest 5 (rates and percentages are "
        "worked out from the rounded counts), so that no two views can be set side by side "
        "to work out a small number of children.")

def month_end_on_or_before(day: date) -> date:
    last = calendar.monthrange(day.year, day.month)[1]
    if day.day == last:
        return day
    return day.replace(day=1) - timedelta(days=1)


def reporting_filters(filters: Filters) -> Filters:
    """``filters`` moved to fixed reporting points: the date to the last month end on or
    before it, the period to whole calendar months (at least one)."""
    on = month_end_on_or_before(filters.on)
    end = month_end_on_or_before(filters.period_end)
    start = filters.period_start.replace(day=1)
    if start > end:  # a period within one unfinished month: that month's predecessor
        start = end.replace(day=1)
    return dataclasses.replace(filters, on=on, period_start=start, period_end=end)


def rounded(count: int) -> int:
    """A count as published across authority lines: the nearest multiple of ROUND_TO (halves
    cannot occur for ROUND_TO = 5). Counts from 1 to 4 never reach here: they are "low"."""
    return ROUND_TO * ((2 * count + ROUND_TO) // (2 * ROUND_TO))


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _scale(value, factor: float, kind: str):
    if factor == 1.0 or not isinstance(value, (int, float)) or isinstance(value, bool):
        return value
    scaled = value * factor  # shown to the column's precision when it is presented
    return round(scaled) if isinstance(value, int) and kind not in (PERCENT, RATE) else scaled


def _factor(exact: dict | None, published: dict | None, key: str) -> float:
    """How much rounding moved the count ``key`` of a row (1 when it did not)."""
    if exact is None or published is None:
        return 1.0
    before, after = exact.get(key), published.get(key)
    if not (_is_count(before) and _is_count(after)) or before == 0:
        return 1.0
    return after / before


def _derived_again(column: Column, rows: tuple[dict, dict], totals: tuple[dict, dict] | None):
    """A derived figure worked out again from the published counts of its row (``rows``:
    exact, published) and, for a share, of the table's total."""
    exact, published = rows
    value = published.get(column.key)
    if column.rounding == "none" or not column.derived_from:
        return value
    first = column.derived_from[0]
    factor = _factor(exact, published, first)
    if column.rounding == "share":
        whole = _factor(*(totals or (None, None)), first)
    elif column.kind == PERCENT and len(column.derived_from) >= 2:
        whole = _factor(exact, published, column.derived_from[1])
    else:
        whole = 1.0
    return _scale(value, factor / whole if whole else factor, column.kind)


def publish(tables: list[Table], viewer_authority: UUID | None = None) -> list[Table]:
    """Copies of ``tables`` (already through disclosure control) as published across
    authority lines: counts of 5 or more rounded to the nearest 5 and the figures derived
    from them worked out again; the viewer's own authority's figures left exact."""
    results = []
    for table in tables:
        result = copy_table(table)
        known = known_cells(table, viewer_authority)
        counts = [c.key for c in table.columns if c.kind == COUNT]
        derived = [c for c in table.columns if c.derived_from]
        pairs = [(i, exact, row) for i, (exact, row) in
                 enumerate(zip(table.rows, result.rows, strict=True))]
        if table.total is not None:
            pairs.append((TOTAL_ROW, table.total, result.total))
        for where, _exact, row in pairs:
            for key in counts:
                if (where, key) not in known and _is_count(row.get(key)) and row[key] >= ROUND_TO:
                    row[key] = rounded(row[key])
        totals = (table.total, result.total) if table.total is not None else None
        for where, exact, row in pairs:
            for column in derived:
                if (where, column.key) not in known:
                    row[column.key] = _derived_again(column, (exact, row), totals)
        if NOTE not in result.notes:
            result.notes.append(NOTE)
        results.append(result)
    return results
