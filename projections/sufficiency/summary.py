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
from collections.abc import Sequence
from datetime import date, timedelta
from uuid import UUID

import sqlalchemy as sa

from projections.placement_summary import first_of_month, placement_flows, placement_open

Spend = list[tuple[str, str, int, int, int]]

flows, still_open = placement_flows.c, placement_open.c


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


def _by_group(connection: sa.Connection, query: sa.Select) -> dict[tuple[str, str], list[int]]:
    """The rows of ``query`` (type group, route, then sums) by type group and route."""
    return {(group, route): [int(value or 0) for value in figures]
            for group, route, *figures in connection.execute(query)}


def _open(connection: sa.Connection, ids: Sequence[UUID], everyone: bool,
          place_group: str | None) -> dict[tuple[str, str], list[int]]:
    """The episodes not ended: (count, with a cost, total weekly cost) by type and route."""
    return _by_group(connection, sa.select(
        still_open.place_group, still_open.route, sa.func.sum(still_open.episodes),
        sa.func.sum(still_open.costed), sa.func.sum(still_open.cost))
        .where(*_where(placement_open, ids, everyone, place_group))
        .group_by(still_open.place_group, still_open.route))


def _sum_where(condition: sa.ColumnElement[bool], column: sa.ColumnElement) -> sa.ColumnElement:
    return sa.func.sum(sa.case((condition, column), else_=0))


def _placements(found: dict[tuple[str, str], list[int]]) -> Spend:
    return sorted((group, route, *figures) for (group, route), figures in found.items()
                  if figures[0])


def open_on_month_end(connection: sa.Connection, ids: Sequence[UUID], everyone: bool,
                      on: date, place_group: str | None) -> Spend:
    """The placements open on ``on`` (the last day of a month), with their total weekly cost:
    the episodes not ended, less those started after that month, plus those ended after it."""
    if not is_month_end(on):
        raise ValueError(f"{on} is not the last day of a month")
    month = first_of_month(on)
    later = _by_group(connection, sa.select(
        flows.place_group, flows.route,
        *(sa.func.sum(flows[f"ends{part}"] - flows[f"starts{part}"])
          for part in ("", "_costed", "_cost")))
        .where(flows.month > month, *_where(placement_flows, ids, everyone, place_group))
        .group_by(flows.place_group, flows.route))
    found = _open(connection, ids, everyone, place_group)
    for where, figures in later.items():
        total = found.setdefault(where, [0, 0, 0])
        for i, value in enumerate(figures):
            total[i] += value
    return _placements(found)


def open_in_period(connection: sa.Connection, ids: Sequence[UUID], everyone: bool,
                   first: date, last: date, place_group: str | None) -> Spend:
    """The episodes open on any day from ``first`` (a month's first day) to ``last`` (a month's
    last day), and the sum of weekly cost times the days of the period each was open (from its
    start to the day before its end).

    Those open on a day of it are those open the day before it begins, less those that ended on
    its first day, plus those that started within it. Cost times days open is cost times the
    day after the period for those still open at its end, less cost times its first day for
    those open the day before it, plus cost times the end of those ending within it, less cost
    times the start of those starting within it (an episode open for none of its days adds
    nothing: its two terms cancel)."""
    if first.day != 1 or not is_month_end(last) or last < first:
        raise ValueError(f"{first} to {last} is not a period of whole months")
    last_month, after = first_of_month(last), last + timedelta(days=1)
    within = flows.month <= last_month
    # By type and route: the flows after the period, those from its start (both to take the
    # episodes not ended back to the period's end or to the day before it), and those within.
    sums = _by_group(connection, sa.select(
        flows.place_group, flows.route,
        _sum_where(sa.not_(within), flows.ends_cost - flows.starts_cost),
        *(sa.func.sum(flows[f"ends{p}"] - flows[f"starts{p}"])
          for p in ("", "_costed", "_cost")),
        _sum_where(within, flows.starts), _sum_where(within, flows.starts_costed),
        _sum_where(flows.month == first, flows.ends_first),
        _sum_where(flows.month == first, flows.ends_first_costed),
        _sum_where(within, flows.ends_cost_days - flows.starts_cost_days))
        .where(flows.month >= first, *_where(placement_flows, ids, everyone, place_group))
        .group_by(flows.place_group, flows.route))
    found: dict[tuple[str, str], list[int]] = {}
    opened = _open(connection, ids, everyone, place_group)
    for where in {*opened, *sums}:
        count, costed, cost = opened.get(where, [0, 0, 0])
        (after_cost, from_count, from_costed, from_cost, starts, starts_costed, ends_first,
         ends_first_costed, cost_days) = sums.get(where, [0] * 9)
        before = (count + from_count, costed + from_costed, cost + from_cost)
        at_end_cost = cost + after_cost
        found[where] = [before[0] - ends_first + starts,
                        before[1] - ends_first_costed + starts_costed,
                        after.toordinal() * at_end_cost - first.toordinal() * before[2]
                        + cost_days]
    return _placements(found)
