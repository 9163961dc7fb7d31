"""The money measures' figures read from the monthly summary (:mod:`projections.placement_summary`)
rather than from every episode: the same sums, taken from rows already added up per authority,
month, placement type group and contract route.

Each function returns ``(placement type group, route, placements, placements with a cost,
figure)`` for the groups and routes with at least one placement, as the grouped queries over
``placement_episodes`` they replace did (``tests/projections/test_placement_summary.py``
compares them on the demo region and on generated histories).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from uuid import UUID

import sqlalchemy as sa

from projections.placement_summary import (
    first_of_month,
    placement_months,
    placement_open_months,
)

Spend = list[tuple[str, str, int, int, int]]

months, opened = placement_months.c, placement_open_months.c


def is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _where(table: sa.Table, ids: Sequence[UUID], everyone: bool,
           place_group: str | None) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if not everyone:
        conditions.append(table.c.authority_id.in_(list(ids)))
    if place_group:
        conditions.append(table.c.place_group == place_group)
    return conditions


def _together(connection: sa.Connection, *queries: sa.Select) -> Spend:
    """The rows of ``queries`` (each grouped by type group and route) added together, leaving
    out the groups and routes with no placement."""
    found: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for query in queries:
        for group, route, *figures in connection.execute(query):
            total = found[group, route]
            for i, value in enumerate(figures):
                total[i] += int(value or 0)
    return [(group, route, *figures) for (group, route), figures in found.items()
            if figures[0]]


def open_on_month_end(connection: sa.Connection, ids: Sequence[UUID], everyone: bool,
                      on: date, place_group: str | None) -> Spend:
    """The placements open on ``on`` (the last day of a month), with their total weekly cost:
    the ended episodes open on that month's last day, and the episodes not ended that started
    by that month."""
    if not is_month_end(on):
        raise ValueError(f"{on} is not the last day of a month")
    month = first_of_month(on)
    ended = (sa.select(months.place_group, months.route, sa.func.sum(months.in_care),
                       sa.func.sum(months.in_care_costed), sa.func.sum(months.in_care_cost))
             .where(months.month == month,
                    *_where(placement_months, ids, everyone, place_group))
             .group_by(months.place_group, months.route))
    still_open = (sa.select(opened.place_group, opened.route, sa.func.sum(opened.episodes),
                            sa.func.sum(opened.costed), sa.func.sum(opened.cost))
                  .where(opened.start_month <= month,
                         *_where(placement_open_months, ids, everyone, place_group))
                  .group_by(opened.place_group, opened.route))
    return _together(connection, ended, still_open)


def open_in_period(connection: sa.Connection, ids: Sequence[UUID], everyone: bool,
                   first: date, last: date, place_group: str | None) -> Spend:
    """The episodes open on any day from ``first`` (a month's first day) to ``last`` (a month's
    last day), and the sum of weekly cost times the days of the period each was open (from its
    start to the day before its end)."""
    if first.day != 1 or not is_month_end(last) or last < first:
        raise ValueError(f"{first} to {last} is not a period of whole months")
    last_month, after = first_of_month(last), last + timedelta(days=1)
    # An ended episode open in the period is open on its first day, or starts within it (on a
    # month's first day after the period's first month, or after a month's first day).
    later = months.month > first
    ended = (sa.select(months.place_group, months.route,
                       sa.func.sum(sa.case((later, months.first_starts),
                                           else_=months.open_first) + months.later_starts),
                       sa.func.sum(sa.case((later, months.first_starts_costed),
                                           else_=months.open_first_costed)
                                   + months.later_starts_costed),
                       sa.func.sum(months.cost_days))
             .where(months.month.between(first, last_month),
                    *_where(placement_months, ids, everyone, place_group))
             .group_by(months.place_group, months.route))
    # An episode not ended runs to the period's end: from its first day if it started before,
    # else from its start (weekly cost times the day after the period, less cost times start).
    whole = (after - first).days
    days = sa.case((opened.start_month < first, opened.cost * whole),
                   else_=opened.cost * after.toordinal() - opened.cost_start_days)
    still_open = (sa.select(opened.place_group, opened.route, sa.func.sum(opened.episodes),
                            sa.func.sum(opened.costed), sa.func.sum(days))
                  .where(opened.start_month <= last_month,
                         *_where(placement_open_months, ids, everyone, place_group))
                  .group_by(opened.place_group, opened.route))
    return _together(connection, ended, still_open)
