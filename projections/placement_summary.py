"""Monthly summary of the placement episodes that count: what the money measures read instead of
scanning every episode.

A region's dashboard asked the episodes table, for the region and then for each partnership,
what the placements open on one day cost and what a financial year's placements cost: each
question a pass over some 300,000 episodes at national scale. These two tables hold the same
episodes added up per authority, placement type group and contract route, so a question about
a recent month reads the rows of the months since and one row per authority, type and route.

Only episodes the sufficiency views count are summed: short-break-only episodes (legal status
V3, V4) are left out here, as :func:`projections.sufficiency.common.counted` leaves them out.

- ``placement_flows``: per month, the episodes that started in it and those that ended in it
  (their count, how many have a weekly cost, the sum of those costs, and the sum of cost times
  the day as a day number), and how many ended on its first day.
- ``placement_open``: the episodes not ended: their count, how many have a cost, and its sum.

Those open on a month's last day are the episodes not ended, less those started after that
month, plus those ended after it; what a period's placements cost follows from the same
figures (:mod:`projections.sufficiency.summary`). An episode adds to at most two months and
one open row, whatever its length, and nothing here depends on the clock.

Both are kept by the placements projection (:class:`projections.placements.Placements`) in the
same batch as the episode rows: a changed child's old episodes are taken off and its new ones
added, so the summary always equals the sum over the episodes (a rebuild gives the same rows;
``tests/projections/test_placement_summary.py`` checks both).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain import ssda903
from projections.database import metadata

NOT_RECORDED = "not_recorded"  # the route of an episode with none recorded

FLOW_FIGURES = ("starts", "starts_costed", "starts_cost", "starts_cost_days",
                "ends", "ends_costed", "ends_cost", "ends_cost_days",
                "ends_first", "ends_first_costed")
OPEN_FIGURES = ("episodes", "costed", "cost")


def _figures(names: tuple[str, ...]) -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger, nullable=False) for name in names]


# Each row's authority, (month,) type group and route are in one key too, so a batch's rows are
# read and written back by one column (projections.base.BufferedRows).
placement_flows = sa.Table(
    "placement_flows",
    metadata,
    sa.Column("key", sa.String(96), primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("month", sa.Date, nullable=False),  # the first day of the month
    sa.Column("place_group", sa.String(24), nullable=False),
    sa.Column("route", sa.String(16), nullable=False),
    *_figures(FLOW_FIGURES),
    # The whole region's months after a date; one authority's (or a partnership's) months.
    sa.Index("ix_placement_flows_month", "month", "authority_id"),
    sa.Index("ix_placement_flows_authority", "authority_id", "month"),
)

placement_open = sa.Table(
    "placement_open",
    metadata,
    sa.Column("key", sa.String(96), primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("place_group", sa.String(24), nullable=False),
    sa.Column("route", sa.String(16), nullable=False),
    *_figures(OPEN_FIGURES),
)

TABLES = {t.name: t for t in (placement_flows, placement_open)}
FIGURES = {placement_flows.name: FLOW_FIGURES, placement_open.name: OPEN_FIGURES}

Contributions = dict[tuple[str, str], dict[str, int]]  # (table name, key) -> figures


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def contributions(child: Mapping[str, Any], episodes: Iterable[Mapping[str, Any]]
                  ) -> Contributions:
    """What one child's episodes add to the summary rows (``child`` holds its authority;
    each episode its start, end, place, provider, legal status, weekly cost and route)."""
    found: Contributions = {}
    authority = child["authority_id"]
    for episode in episodes:
        if episode.get("legal_status") in ssda903.SHORT_BREAK_LEGAL_STATUSES:
            continue
        group = ssda903.placement_group(episode["place"], episode.get("place_provider"))
        route = episode.get("contract_route") or NOT_RECORDED
        start, end, cost = episode["start"], episode.get("end"), episode.get("weekly_cost")
        costed, cost = int(cost is not None), cost or 0
        _add(found, placement_flows.name, f"{authority}|{start:%Y-%m}-01|{group}|{route}", {
            "starts": 1, "starts_costed": costed, "starts_cost": cost,
            "starts_cost_days": cost * start.toordinal()})
        if end is None:
            _add(found, placement_open.name, f"{authority}|{group}|{route}",
                 {"episodes": 1, "costed": costed, "cost": cost})
            continue
        first = int(end.day == 1)
        _add(found, placement_flows.name, f"{authority}|{end:%Y-%m}-01|{group}|{route}", {
            "ends": 1, "ends_costed": costed, "ends_cost": cost,
            "ends_cost_days": cost * end.toordinal(), "ends_first": first,
            "ends_first_costed": first * costed})
    return found


def _add(found: Contributions, table: str, key: str, figures: dict[str, int]) -> None:
    row = found.setdefault((table, key), {})
    for name, value in figures.items():
        if value:
            row[name] = row.get(name, 0) + value


def difference(after: Contributions, before: Contributions) -> Contributions:
    """What changes from ``before`` to ``after`` (figures that stay the same left out)."""
    found: Contributions = defaultdict(dict)
    for sign, side in ((1, after), (-1, before)):
        for where, figures in side.items():
            row = found[where]
            for name, value in figures.items():
                row[name] = row.get(name, 0) + sign * value
    return {where: changed for where, figures in found.items()
            if (changed := {n: v for n, v in figures.items() if v})}


def new_row(table_name: str, key: str) -> dict[str, Any]:
    """A summary row of zeros for ``key``."""
    if table_name == placement_flows.name:
        authority, month, group, route = key.split("|")
        where = {"month": date.fromisoformat(month)}
    else:
        authority, group, route = key.split("|")
        where = {}
    return {"key": key, "authority_id": UUID(authority), **where, "place_group": group,
            "route": route, **dict.fromkeys(FIGURES[table_name], 0)}


def is_empty(table_name: str, row: Mapping[str, Any]) -> bool:
    return not any(row[name] for name in FIGURES[table_name])


def add(total: Contributions, more: Contributions) -> None:
    """Add ``more`` into ``total``, figure by figure."""
    for where, figures in more.items():
        row = total.setdefault(where, {})
        for name, value in figures.items():
            row[name] = row.get(name, 0) + value


def rows_of(found: Contributions) -> dict[str, list[dict[str, Any]]]:
    """The summary rows that hold ``found`` (the whole of what every episode adds up to),
    by table name, in key order: rows whose figures are all zero are left out, as the
    projection deletes them."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for (name, key), figures in sorted(found.items()):
        row = {**new_row(name, key), **figures}
        if not is_empty(name, row):
            rows[name].append(row)
    return rows


def rows_from_episodes(episodes: Iterable[Mapping[str, Any]]
                       ) -> dict[str, list[dict[str, Any]]]:
    """The summary rows of every table for ``episodes`` (episode rows as stored, each with its
    ``authority_id``), by table name: what the projection holds after those episodes, for
    checking it and for writing read models straight into the tables (benchmarks)."""
    found: Contributions = {}
    for episode in episodes:
        add(found, contributions(episode, [episode]))
    return rows_of(found)
