"""Block-contract occupancy and the cost of empty places (voids).

A block contract pays for its places whether or not a child lives in them. There is no national
definition of occupancy (see ../shared/REFERENCE.md): the portal counts occupied place-nights
over contracted place-nights, night by night, from the placements recorded against the
contract. Contracts recorded by an authority and contracts a tender awards (``tender_id`` set)
live in the same ``contracts`` table and are measured the same way.

Dates follow the placements' convention: a contract is live on a night from its start up to the
day before its end date or termination date, as a placement is open from its start up to the
day before it ends.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from domain.vocabulary import SETTING_TYPES
from projections.directory import organisations
from projections.placements import contracts, placement_episodes
from projections.sufficiency.common import authorities
from projections.sufficiency.selection import setting_types_for, whole_pounds
from projections.sufficiency.tables import (
    COUNT,
    MONEY,
    NUMBER,
    PERCENT,
    ROW_AUTHORITY,
    TEXT,
    Chart,
    Column,
    Filters,
    Scope,
    Table,
)

DAY = timedelta(days=1)
c = contracts.c

COLUMNS = [
    Column("contract", "Contract", TEXT),
    Column("authority", "Authority", TEXT),
    Column("provider", "Provider", TEXT),
    Column("setting_type", "Provision", TEXT),
    Column("let_by", "How it was let", TEXT),
    Column("places", "Contracted places", NUMBER),
    Column("weekly_price", "Weekly price per place", MONEY),
    Column("children", "Children placed under it in the period", COUNT),
    Column("contracted_nights", "Contracted place-nights", NUMBER),
    Column("occupied_nights", "Occupied place-nights", NUMBER),
    Column("occupancy", "Occupancy over the period (%)", PERCENT),
    Column("empty_nights", "Empty place-nights", NUMBER),
    Column("empty_cost", "Cost of empty places", MONEY),
    Column("occupied_on", "Children living there on the date", COUNT),
    Column("occupancy_on", "Occupancy on the date (%)", PERCENT, derived_from=("occupied_on",)),
]


def _definition(filters: Filters, first: date, last: date) -> str:
    return (
        f"Block contracts of the authorities in view that were live at any time from "
        f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y} (a terminated contract up to "
        "its termination date). A contract is live from its start date up to the day before "
        "its end or termination date. Contracted place-nights are the contract's places times "
        "nights it was live in the period; occupied place-nights count, night by night, the "
        "children whose placement was recorded against the contract, up to the contracted "
        "places (a night with more children than places counts as full). Occupancy is "
        "occupied over contracted place-nights; the DfE has no definition of it, and "
        "children's homes in the sector commonly run at 80 to 85%. Empty place-nights are "
        "paid for all the same: their cost is empty place-nights times the weekly price per "
        "place divided by 7, in whole pounds excluding VAT. Places and price are the "
        "contract's present terms (a variation applies to the whole period). Nights after "
        f"{filters.on.day} {filters.on:%B %Y}, the date counts are taken on, are not counted.")


def _window(row: Any, first: date, stop: date) -> tuple[date, date]:
    """The contract's live nights within [first, stop), as a half-open range."""
    ends = [row.end] + ([row.terminated_on] if row.terminated_on is not None else [])
    return max(row.start, first), min(min(ends), stop)


def _occupied_nights(stays: list[tuple[date, date]], places: int) -> int:
    """Place-nights occupied, capped at the contracted places: a sweep over arrivals and
    departures (stays are half-open [arrival, departure) ranges within the window)."""
    changes: dict[date, int] = defaultdict(int)
    for arrival, departure in stays:
        changes[arrival] += 1
        changes[departure] -= 1
    occupied, living, since = 0, 0, None
    for day in sorted(changes):
        if since is not None:
            occupied += min(living, places) * (day - since).days
        living += changes[day]
        since = day
    return occupied


def _live(connection: sa.Connection, ids: list, types: list[str], first: date,
          stop: date) -> list:
    """Block contracts of these authorities live on some night in [first, stop)."""
    provider = organisations.alias("provider")
    return connection.execute(
        sa.select(c.id, c.authority_id, c.title, c.setting_type, c.places, c.weekly_price,
                  c.start, c.end, c.terminated_on, c.tender_id,
                  provider.c.name.label("provider"))
        .join(provider, provider.c.id == c.provider_id)
        .where(c.route == "block", c.authority_id.in_(ids), c.setting_type.in_(types),
               c.start < stop, c.end > first,
               sa.or_(c.terminated_on.is_(None), c.terminated_on > first))
        .order_by(c.title, c.start)).all()


def _stays(connection: sa.Connection, ids: list, types: list[str], first: date, last: date,
           on: date) -> dict[Any, list[tuple[Any, date, date | None]]]:
    """(child, start, end) of the episodes recorded against those contracts that overlap the
    period or are open on the date, by contract."""
    e = placement_episodes.c
    stays: dict[Any, list[tuple[Any, date, date | None]]] = defaultdict(list)
    query = (sa.select(e.contract_id, e.placement_id, e.start, e.end)
             .join(contracts, c.id == e.contract_id)
             .where(c.route == "block", c.authority_id.in_(ids), c.setting_type.in_(types),
                    e.start <= max(last, on),
                    sa.or_(e.end.is_(None), e.end > min(first, on))))
    for contract_id, child, start, end in connection.execute(query):
        stays[contract_id].append((child, start, end))
    return stays


def block_contracts(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    first = filters.period_start
    last = min(filters.period_end, filters.on)
    stop = last + DAY
    found = authorities(connection, scope, filters)
    ids = [a.id for a in found]
    names = {a.id: a.name for a in found}
    types = setting_types_for(filters)
    live = _live(connection, ids, types, first, stop)
    stays = _stays(connection, ids, types, first, last, filters.on) if live else {}
    rows = [_row(r, stays.get(r.id, []), names, first, stop, filters.on) for r in live]
    return Table(
        key="block-contracts",
        title="Block contracts: occupancy and the cost of empty places",
        definition=_definition(filters, first, last),
        columns=COLUMNS,
        rows=rows,
        total=_total(rows),
        chart=Chart(value="occupancy"),
    )


def _row(r: Any, stays: list[tuple[Any, date, date | None]], names: dict, first: date,
         stop: date, on: date) -> dict[str, Any]:
    start, end = _window(r, first, stop)
    nights = max(0, (end - start).days)
    within = [(max(s, start), min(e or end, end)) for _, s, e in stays]
    within = [(s, e) for s, e in within if s < e]
    children = {child for child, s, e in stays if s < end and (e is None or e > start)}
    contracted = r.places * nights
    occupied = _occupied_nights(within, r.places)
    live_on = r.start <= on < min(d for d in (r.end, r.terminated_on) if d is not None)
    living = sum(1 for _, s, e in stays if s <= on and (e is None or e > on))
    return {
        ROW_AUTHORITY: r.authority_id,
        "contract": r.title,
        "authority": names.get(r.authority_id, ""),
        "provider": r.provider,
        "setting_type": SETTING_TYPES.get(r.setting_type, r.setting_type),
        "let_by": "Awarded by a tender in the portal" if r.tender_id else "Recorded by the "
                  "authority",
        "places": r.places,
        "weekly_price": r.weekly_price,
        "children": len(children),
        "contracted_nights": contracted,
        "occupied_nights": occupied,
        "occupancy": _percent(occupied, contracted),
        "empty_nights": contracted - occupied,
        "empty_cost": whole_pounds((contracted - occupied) * r.weekly_price / 7),
        "occupied_on": living if live_on else None,
        "occupancy_on": _percent(min(living, r.places), r.places) if live_on else None,
    }


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _total(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not rows:
        return None
    sums = {k: sum(r[k] for r in rows)
            for k in ("places", "children", "contracted_nights", "occupied_nights",
                      "empty_nights", "empty_cost")}
    live = [r for r in rows if r["occupied_on"] is not None]
    living = sum(r["occupied_on"] for r in live)
    full = sum(min(r["occupied_on"], r["places"]) for r in live)
    places_on = sum(r["places"] for r in live)
    return {
        "contract": "All block contracts",
        "places": sums["places"],
        "children": sums["children"],
        "contracted_nights": sums["contracted_nights"],
        "occupied_nights": sums["occupied_nights"],
        "occupancy": _percent(sums["occupied_nights"], sums["contracted_nights"]),
        "empty_nights": sums["empty_nights"],
        "empty_cost": sums["empty_cost"],
        "occupied_on": living if live else None,
        "occupancy_on": _percent(full, places_on) if live else None,
    }
