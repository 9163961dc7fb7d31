"""What was spent on placements in a financial year, by placement type and contract route.

Councils report spend by financial year (1 April to 31 March): Plymouth City Council's
2021/22 spend of £8.04m on independent fostering, £3.75m on its residential block contract and
£12.52m on residential framework and spot placements (quoted in issue 3). The run rate of
:mod:`projections.sufficiency.money` (the weekly cost of the placements open on one day, times
52) answers another question: what a year would cost if nothing changed. This measure adds up
what each placement cost over the days of the year it was open:

    spend = weekly cost x days of the financial year in the placement / 7

An episode counts from its start to the day before its end (the day it ends, the child is in
the next placement or has left care), within the year. There is no DfE definition of placement
cost; the weekly cost is the one the national Placements Data Standard (v2) records: the total
weekly fee in whole pounds, excluding VAT.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from domain import ssda903
from projections.sufficiency.common import authorities, long_date, shared, whole_region
from projections.sufficiency.selection import ROUTE_LABELS, group_label, whole_pounds
from projections.sufficiency.summary import open_in_period
from projections.sufficiency.tables import COUNT, MONEY, TEXT, Chart, Column, Filters, Scope, Table

__all__ = ["financial_year", "spend_in_year"]


def financial_year(on: date) -> tuple[date, date]:
    """The last financial year (1 April to 31 March) that ended on or before ``on``."""
    return ssda903.last_financial_year(on)


def year_label(start: date) -> str:
    """A financial year as councils write it: "2025/26"."""
    return f"{start.year}/{(start.year + 1) % 100:02d}"


def _spend(connection: sa.Connection, scope: Scope,
           filters: Filters) -> list[tuple[str, str, int, int, int]]:
    """(placement type group, route, episodes, episodes with a cost, the sum of weekly cost x
    days in the year) of every episode open on a day of the financial year, read from the
    monthly summary (:mod:`projections.sufficiency.summary`): the year is twelve whole months,
    so their rows add up to it exactly."""
    ids = [a.id for a in authorities(connection, scope, filters)]
    everyone = whole_region(scope, filters)
    first, last = financial_year(filters.on)
    key = ("spend_in_year", tuple(sorted(map(str, ids))), everyone, first, filters.place_group)
    return shared(key, lambda: open_in_period(connection, ids, everyone, first, last,
                                              filters.place_group))


def _figures(placements: int, with_cost: int, cost_days: int) -> dict[str, Any]:
    return {"with_cost": with_cost, "without_cost": placements - with_cost,
            "spend": whole_pounds(cost_days / 7)}


def spend_in_year(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    first, last = financial_year(filters.on)
    spend = _spend(connection, scope, filters)
    sums: dict[tuple[str, str], list[int]] = {}
    for group, route, placements, with_cost, cost_days in spend:
        sums[group, route] = [placements, with_cost, cost_days]
    rows = [{"type_route": f"{group_label(group)}: {label}", **_figures(*sums[group, route])}
            for group in ssda903.GROUPS for route, label in ROUTE_LABELS.items()
            if (group, route) in sums]
    total = None
    if spend:
        placements, with_cost, cost_days = (sum(v[i] for v in sums.values()) for i in range(3))
        total = {"type_route": "All placements", **_figures(placements, with_cost, cost_days)}
    return Table(
        key="spend-in-year",
        title=f"Spend in the financial year {year_label(first)}",
        definition=(
            f"What placements cost over the financial year {long_date(first)} to "
            f"{long_date(last)} (the last financial year ended by {long_date(filters.on)}), "
            "grouped by placement type and by how each placement was bought. Spend is the "
            "weekly cost times the days of the year the child was in the placement, divided "
            "by 7, in whole pounds: a placement counts from its start to the day before it "
            "ended, within the year. The weekly cost is the total weekly fee paid, in whole "
            "pounds excluding VAT, as the national Placements Data Standard (v2) records it; "
            "the DfE publishes no definition of placement cost. Children looked after only "
            "under a series of short breaks (legal status V3 or V4) are left out, as the DfE "
            "leaves them out. Placements are counted as SSDA903 episodes: a change of legal "
            "status starts a new one. Episodes without a recorded cost are counted in their "
            "own column and left out of the spend."),
        columns=[
            Column("type_route", "Placement type and route", TEXT),
            Column("with_cost", "Placements in the year with a weekly cost", COUNT),
            Column("without_cost", "Placements in the year without a cost recorded", COUNT),
            Column("spend", f"Spend in {year_label(first)}", MONEY,
                   derived_from=("with_cost",)),
        ],
        rows=rows,
        total=total,
        chart=Chart(value="spend"),
    )
