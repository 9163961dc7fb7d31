"""What placements cost: weekly cost by placement type and by contract route, projected annual
spend, and block-contract occupancy with the cost of empty places.

There is no DfE definition of placement cost or of block-contract occupancy (see
../shared/REFERENCE.md). The portal uses the weekly cost the national Placements Data Standard
(SocialCareData, v2) records: the total weekly fee in whole pounds, excluding VAT. Each measure
is ``(connection, scope, filters) -> Table`` and returns plain numbers; disclosure control is
applied afterwards by :mod:`projections.sufficiency.disclosure`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from domain import ssda903
from projections.sufficiency.common import (
    authorities,
    counted,
    long_date,
    open_on,
    shared,
    whole_region,
)
from projections.sufficiency.occupancy import block_contracts
from projections.sufficiency.selection import (
    NOT_RECORDED,
    ROUTE_LABELS,
    episodes,
    group_label,
    whole_pounds,
)
from projections.sufficiency.spend import spend_in_year
from projections.sufficiency.summary import is_month_end, open_on_month_end
from projections.sufficiency.tables import COUNT, MONEY, TEXT, Chart, Column, Filters, Scope, Table

__all__ = ["MEASURES", "block_contracts", "cost_by_type", "spend_by_route",
           "spend_by_type_and_route", "spend_in_year"]

WEEKS_A_YEAR = 52


def _definition(filters: Filters, grouped_by: str) -> str:
    return (
        f"Placements open on {long_date(filters.on)} (children looked after that day, leaving out "
        "children looked after only under a series of short breaks, legal status V3 or V4, as "
        f"the DfE does), {grouped_by}. The weekly cost is the total weekly fee paid for the "
        "placement, in whole pounds excluding VAT, as the national Placements Data Standard "
        "(v2) records it; the DfE publishes no definition of placement cost. Placements "
        "without a recorded cost are counted in their own column and left out of the average "
        "and the totals; a recorded cost of £0 is included. The average is the total weekly "
        "cost divided by the placements with a cost. Projected annual spend is the total "
        f"weekly cost multiplied by {WEEKS_A_YEAR}: what a year would cost if every "
        "placement open that day carried on all year at its present cost. It is a run rate, "
        "not the year's actual spend: the spend in the financial year is its own table.")


def _spend(connection: sa.Connection, scope: Scope,
           filters: Filters) -> list[tuple[str, str, int, int, int]]:
    """(placement type group, route, placements, placements with a cost, total weekly cost)
    of the placements open on the date, shared by the money measures of one dashboard: on a
    month's last day from the monthly summary (:mod:`projections.sufficiency.summary`), a few
    thousand rows for the whole region rather than every episode."""
    ids = [a.id for a in authorities(connection, scope, filters)]
    everyone = whole_region(scope, filters)
    key = ("money_spend", tuple(sorted(map(str, ids))), everyone, filters.on,
           filters.place_group)
    if is_month_end(filters.on):  # every view across authority lines, and most others
        return shared(key, lambda: open_on_month_end(connection, ids, everyone, filters.on,
                                                     filters.place_group))
    return shared(key, lambda: spend_from_episodes(connection, ids, everyone, filters))


def spend_from_episodes(connection: sa.Connection, ids: list, everyone: bool,
                        filters: Filters) -> list[tuple[str, str, int, int, int]]:
    """The same figures from the episodes themselves, for a day within a month (only an
    officer's own authority's view asks for one: a pass over one authority's episodes)."""
    route = sa.func.coalesce(episodes.contract_route, NOT_RECORDED)
    query = (sa.select(episodes.place_group, route, sa.func.count(),
                       sa.func.count(episodes.weekly_cost),
                       sa.func.coalesce(sa.func.sum(episodes.weekly_cost), 0))
             .where(open_on(filters.on), *counted(ids, filters, everyone=everyone))
             .group_by(episodes.place_group, route))
    return [tuple(row) for row in connection.execute(query)]


def _figures(placements: int, with_cost: int, weekly: int) -> dict[str, Any]:
    return {
        "with_cost": with_cost,
        "without_cost": placements - with_cost,
        "average": whole_pounds(weekly / with_cost) if with_cost else None,
        "weekly_total": weekly,
        "annual": weekly * WEEKS_A_YEAR,
    }


def _columns(first: Column) -> list[Column]:
    return [
        first,
        Column("with_cost", "Placements with a weekly cost", COUNT),
        Column("without_cost", "Placements without a cost recorded", COUNT),
        # A cost of a handful of placements tells their cost: hidden when their count is.
        Column("average", "Average weekly cost", MONEY, derived_from=("with_cost",),
               rounding="none"),
        Column("weekly_total", "Total weekly cost", MONEY, derived_from=("with_cost",)),
        Column("annual", f"Projected annual spend (weekly cost times {WEEKS_A_YEAR})", MONEY,
               derived_from=("with_cost",)),
    ]


def _folded(spend, key) -> dict[Any, list[int]]:
    sums: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0])
    for group, route, placements, with_cost, weekly in spend:
        total = sums[key(group, route)]
        total[0] += placements
        total[1] += with_cost
        total[2] += weekly
    return sums


def _total(spend, label_key: str, label: str) -> dict[str, Any] | None:
    if not spend:
        return None
    placements, with_cost, weekly = _folded(spend, lambda g, r: None)[None]
    return {label_key: label, **_figures(placements, with_cost, weekly)}


def cost_by_type(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    spend = _spend(connection, scope, filters)
    sums = _folded(spend, lambda group, route: group)
    rows = [{"group": group_label(group), **_figures(*sums[group])}
            for group in ssda903.GROUPS if group in sums]
    return Table(
        key="cost-by-type",
        title="Weekly cost by placement type",
        definition=_definition(filters, "grouped by placement type (SSDA903 placement codes; "
                               "council and agency foster care are told apart by the "
                               "placement provider code)"),
        columns=_columns(Column("group", "Placement type", TEXT)),
        rows=rows,
        total=_total(spend, "group", "All placement types"),
        chart=Chart(value="average"),
    )


def spend_by_route(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    spend = _spend(connection, scope, filters)
    sums = _folded(spend, lambda group, route: route)
    rows = [{"route": label, **_figures(*sums[route])}
            for route, label in ROUTE_LABELS.items() if route in sums]
    return Table(
        key="spend-by-route",
        title="Spend by contract route",
        definition=_definition(filters, "grouped by how each placement was bought: in-house "
                               "(the council's own provision), a block contract, a framework "
                               "or dynamic purchasing system, or a spot purchase"),
        columns=_columns(Column("route", "Contract route", TEXT)),
        rows=rows,
        total=_total(spend, "route", "All routes"),
        chart=Chart(value="annual"),
    )


def spend_by_type_and_route(connection: sa.Connection, scope: Scope,
                            filters: Filters) -> Table:
    """Route within type: how each kind of placement was bought (Plymouth's report splits its
    residential spend between its block contract and framework and spot purchases)."""
    spend = _spend(connection, scope, filters)
    sums = _folded(spend, lambda group, route: (group, route))
    rows = [{"type_route": f"{group_label(group)}: {label}", **_figures(*sums[group, route])}
            for group in ssda903.GROUPS for route, label in ROUTE_LABELS.items()
            if (group, route) in sums]
    return Table(
        key="spend-by-type-and-route",
        title="Spend by placement type and contract route",
        definition=_definition(filters, "grouped by placement type and, within each type, by "
                               "how the placement was bought (in-house, block contract, "
                               "framework or dynamic purchasing system, spot purchase)"),
        columns=_columns(Column("type_route", "Placement type and route", TEXT)),
        rows=rows,
        total=_total(spend, "type_route", "All placements"),
        chart=Chart(value="annual"),
    )


# The money measures in the order the dashboard shows them.
MEASURES = (cost_by_type, spend_by_route, spend_by_type_and_route, spend_in_year, block_contracts)
