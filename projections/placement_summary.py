"""Monthly summary of the placement episodes that count: what the money measures read instead of
scanning every episode.

A region's dashboard asked the episodes table, for the region and then for each partnership,
what the placements open on one day cost and what a financial year's placements cost: each
question a pass over some 300,000 episodes at national scale. These two tables hold the same
figures already added up per authority, month, placement type group and contract route, so a
question reads one or twelve months' rows (a few thousand for the whole region) instead.

Only episodes the sufficiency views count are summed: short-break-only episodes (legal status
V3, V4) are left out here, as :func:`projections.sufficiency.common.counted` leaves them out.

- ``placement_months``: the episodes that have ended, spread over the months they were open in
  (from the month of their start to the month of the day before their end): per month, those
  open on its last day (with their weekly costs), those open on its first day, those started
  in it (on its first day and after it), and weekly cost times the days of the month they were
  open. An episode's months are fixed by its own dates, so this never depends on the clock.
- ``placement_open_months``: the episodes not ended, by the month they started in: their count
  and weekly costs, and weekly cost times the day they started (as a day number), from which
  the days open in any later period follow (an open episode runs on to the period's end).

Both are kept by the placements projection (:class:`projections.placements.Placements`) in the
same batch as the episode rows: a changed child's old episodes are taken off and its new ones
added, so the summary always equals the sum over the episodes (a rebuild gives the same rows;
``tests/projections/test_placement_summary.py`` checks both).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from domain import ssda903
from projections.database import metadata

NOT_RECORDED = "not_recorded"  # the route of an episode with none recorded

MONTH_FIGURES = ("in_care", "in_care_costed", "in_care_cost", "open_first", "open_first_costed",
                 "later_starts", "later_starts_costed", "first_starts", "first_starts_costed",
                 "cost_days")
OPEN_FIGURES = ("episodes", "costed", "cost", "cost_start_days", "first_starts",
                "first_starts_costed")


def _table(name: str, month: str, figures: tuple[str, ...]) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        # The authority, month, type group and route in one key, so a batch's rows are read
        # and written back by one column (projections.base.BufferedRows).
        sa.Column("key", sa.String(96), primary_key=True),
        sa.Column("authority_id", sa.Uuid, nullable=False),
        sa.Column(month, sa.Date, nullable=False),  # the first day of the month
        sa.Column("place_group", sa.String(24), nullable=False),
        sa.Column("route", sa.String(16), nullable=False),
        *(sa.Column(f, sa.BigInteger, nullable=False) for f in figures),
        sa.Index(f"ix_{name}_{month}", month, "authority_id"),
    )


placement_months = _table("placement_months", "month", MONTH_FIGURES)
placement_open_months = _table("placement_open_months", "start_month", OPEN_FIGURES)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def _key(authority_id, month: date, group: str, route: str) -> str:
    return f"{authority_id}|{month.isoformat()}|{group}|{route}"


Contributions = dict[tuple[str, str], dict[str, int]]  # (table name, key) -> figures


def contributions(child: Mapping[str, Any], episodes: Iterable[Mapping[str, Any]]
                  ) -> Contributions:
    """What one child's episodes add to the summary rows (``child`` holds its authority;
    each episode its start, end, place, provider, legal status, weekly cost and route)."""
    found: Contributions = {}
    for episode in episodes:
        if episode.get("legal_status") in ssda903.SHORT_BREAK_LEGAL_STATUSES:
            continue
        group = ssda903.placement_group(episode["place"], episode.get("place_provider"))
        _add_episode(found, child["authority_id"], group,
                     episode.get("contract_route") or NOT_RECORDED, episode["start"],
                     episode.get("end"), episode.get("weekly_cost"))
    return found


def _add(found: Contributions, table: sa.Table, key: str, figures: dict[str, int]) -> None:
    row = found.setdefault((table.name, key), {})
    for name, value in figures.items():
        if value:
            row[name] = row.get(name, 0) + value


def _add_episode(found: Contributions, authority_id, group: str, route: str, start: date,
                 end: date | None, cost: int | None) -> None:
    costed = int(cost is not None)
    cost = cost or 0
    on_first = int(start.day == 1)
    if end is None:
        month = first_of_month(start)
        _add(found, placement_open_months, _key(authority_id, month, group, route),
             {"episodes": 1, "costed": costed, "cost": cost,
              "cost_start_days": cost * start.toordinal(), "first_starts": on_first,
              "first_starts_costed": on_first * costed})
        return
    month, last_month = first_of_month(start), first_of_month(max(start, end - timedelta(days=1)))
    while month <= last_month:
        after = next_month(month)
        last = after - timedelta(days=1)
        in_care = int(start <= last < end)
        open_first = int(start <= month < end)
        later = int(month < start <= last)
        first = int(start == month)
        days = max(0, (min(end, after) - max(start, month)).days)
        _add(found, placement_months, _key(authority_id, month, group, route), {
            "in_care": in_care, "in_care_costed": in_care * costed,
            "in_care_cost": in_care * cost, "open_first": open_first,
            "open_first_costed": open_first * costed, "later_starts": later,
            "later_starts_costed": later * costed, "first_starts": first,
            "first_starts_costed": first * costed, "cost_days": days * cost})
        month = after


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


TABLES = {t.name: t for t in (placement_months, placement_open_months)}
FIGURES = {placement_months.name: MONTH_FIGURES, placement_open_months.name: OPEN_FIGURES}
MONTH_COLUMN = {placement_months.name: "month", placement_open_months.name: "start_month"}


def new_row(table_name: str, key: str) -> dict[str, Any]:
    """A summary row of zeros for ``key``."""
    authority, month, group, route = key.split("|")
    return {"key": key, "authority_id": TABLES[table_name].c.authority_id.type.python_type(
        authority), MONTH_COLUMN[table_name]: date.fromisoformat(month), "place_group": group,
        "route": route, **dict.fromkeys(FIGURES[table_name], 0)}


def is_empty(table_name: str, row: Mapping[str, Any]) -> bool:
    return not any(row[name] for name in FIGURES[table_name])


def rows_from_episodes(episodes: Iterable[Mapping[str, Any]]
                       ) -> dict[str, list[dict[str, Any]]]:
    """The summary rows of every table for ``episodes`` (episode rows as stored, each with its
    ``authority_id``), by table name: what the projection holds after those episodes, for
    checking it and for writing read models straight into the tables (benchmarks)."""
    found: Contributions = {}
    for episode in episodes:
        for where, figures in contributions(episode, [episode]).items():
            row = found.setdefault(where, {})
            for name, value in figures.items():
                row[name] = row.get(name, 0) + value
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for (name, key), figures in sorted(found.items()):
        row = {**new_row(name, key), **figures}
        if not is_empty(name, row):
            rows[name].append(row)
    return rows
