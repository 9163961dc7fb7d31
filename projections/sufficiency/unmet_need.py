"""Unmet need: what the councils' home searches show about the homes that could not be found.

The one signal that proves insufficiency is a search that found nothing suitable, or nothing
close enough. There is no DfE definition; the portal counts the searches opened in the
period, where each stood at the period's end, and for those placed, how long it took and
whether the home was far away only because nothing nearer was offered (the Placements Data
Standard v2 records where a placement is and whether the location was preferred; the DfE's
location measures use the same 20 miles). Each measure is ``(connection, scope, filters) ->
Table`` returning plain numbers; disclosure control is applied afterwards, as for every other
measure (:mod:`projections.sufficiency.disclosure`, :mod:`projections.sufficiency.publication`).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from uuid import UUID

import sqlalchemy as sa

from domain import ssda903
from domain.home_search import UNFILLED_REASONS
from domain.timezone import LONDON
from domain.vocabulary import SETTING_TYPES
from projections.directory import settings
from projections.gazetteer import IRISH_GRID, postcode_districts
from projections.referral_queries import AGE_BANDS, age_band
from projections.sufficiency.common import (
    authorities,
    long_date,
    per_authority,
    shared,
    whole_region,
)
from projections.sufficiency.selection import setting_types_for
from projections.sufficiency.snapshot import LIMIT_SQUARED, METRES_A_MILE
from projections.sufficiency.tables import (
    ALL,
    COUNT,
    NUMBER,
    PERCENT,
    ROW_AUTHORITY,
    TOTAL_ROW,
    Chart,
    Column,
    Filters,
    Scope,
    Table,
)
from projections.unmet_need import SEVERAL, unmet_need_offers, unmet_need_searches

PLACED, UNFILLED, CANCELLED = "placed", "closed_unfilled", "cancelled"
OUTCOMES = (PLACED, UNFILLED, CANCELLED, "still_open")
COUNTS = ("opened", *OUTCOMES, "sent", "far")
KIND_LABELS = {**SETTING_TYPES, SEVERAL: "More than one kind recommended"}


@dataclass(frozen=True)
class Search:
    """One search opened in the period, as it stood at the period's end."""

    authority_id: UUID
    age: int
    kind: str  # a setting type, or SEVERAL
    types: tuple[str, ...]
    outcome: str  # one of OUTCOMES
    unfilled_reason: str | None
    sent: bool
    approached: int
    offers: int
    days_to_place: float | None
    far: bool  # placed outside the area or over 20 miles, with nothing nearer offered


def _utc(moment: datetime | None) -> datetime | None:
    """A stored moment as aware UTC (SQLite gives back naive UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def period_bounds(filters: Filters) -> tuple[datetime, datetime]:
    """The period as moments: from the start of its first day to the start of the day after
    its last (UK time), in UTC."""
    start = datetime.combine(filters.period_start, time(), LONDON)
    end = datetime.combine(filters.period_end + timedelta(days=1), time(), LONDON)
    return start.astimezone(UTC), end.astimezone(UTC)


def _centroids(connection: sa.Connection, districts: Iterable[str]) -> dict:
    wanted = sorted({d for d in districts if d})
    if not wanted:
        return {}
    p = postcode_districts.c
    return {row.district: row for row in connection.execute(
        sa.select(p.district, p.easting, p.northing, p.la_ons_code)
        .where(p.district.in_(wanted)))}


def _over_20(home, placed) -> bool | None:
    """Whether the straight line between two district centroids is over 20 miles; None when
    either is unknown or they lie on different grids."""
    if home is None or placed is None or \
            (home.la_ons_code == IRISH_GRID) != (placed.la_ons_code == IRISH_GRID):
        return None
    dx, dy = home.easting - placed.easting, home.northing - placed.northing
    return dx * dx + dy * dy > LIMIT_SQUARED


def _offers(connection: sa.Connection, conditions: list, end: datetime) -> dict:
    """The offers made before ``end`` for the searches ``conditions`` pick, by search: (offer
    id, host authority, district) of the setting offered."""
    s, o = unmet_need_searches.c, unmet_need_offers.c
    found: dict = {}
    for row in connection.execute(
            sa.select(o.search_id, o.offer_id, o.made_at, settings.c.host_authority_id,
                      settings.c.postcode_district)
            .select_from(unmet_need_offers.join(unmet_need_searches,
                                                s.search_id == o.search_id)
                         .outerjoin(settings, settings.c.id == o.setting_id))
            .where(*conditions)):
        if _utc(row.made_at) < end:
            found.setdefault(row.search_id, []).append(row)
    return found


def _near(offer, authority_id: UUID, home, centroids: dict) -> bool:
    """Inside the placing authority's area and not known to be over 20 miles from home."""
    if offer.host_authority_id != authority_id:
        return False
    return _over_20(home, centroids.get(offer.postcode_district)) is not True


def _read(connection: sa.Connection, ids: Sequence[UUID], filters: Filters,
          everyone: bool) -> list[Search]:
    start, end = period_bounds(filters)
    s = unmet_need_searches.c
    conditions = [s.opened_at >= start, s.opened_at < end]
    if not everyone:
        conditions.append(s.authority_id.in_(list(ids)))
    rows = [r for r in connection.execute(sa.select(unmet_need_searches).where(*conditions))
            if start <= _utc(r.opened_at) < end]
    offers = _offers(connection, conditions, end)
    centroids = _centroids(connection, [r.family_district for r in rows]
                           + [o.postcode_district for found in offers.values() for o in found])
    found = []
    for r in rows:
        settled = r.outcome if r.outcome_at is not None and _utc(r.outcome_at) < end else None
        made = offers.get(r.search_id, [])
        home = centroids.get(r.family_district)
        placed = settled == PLACED
        found.append(Search(
            authority_id=r.authority_id, age=r.age, kind=r.kind_sought,
            types=tuple(t for t in r.placement_types.split("|") if t),
            outcome=settled or "still_open",
            unfilled_reason=r.unfilled_reason if settled == UNFILLED else None,
            sent=r.sent_at is not None and _utc(r.sent_at) < end,
            approached=r.providers_approached, offers=len(made),
            days_to_place=((_utc(r.outcome_at) - _utc(r.opened_at)).total_seconds() / 86_400
                           if placed else None),
            far=placed and bool(made) and not any(
                _near(o, r.authority_id, home, centroids) for o in made)))
    return found


def searches_opened(connection: sa.Connection, ids: Sequence[UUID], filters: Filters, *,
                    everyone: bool = False) -> list[Search]:
    """The searches of these authorities (every authority: ``everyone``) opened in the
    filters' period and seeking a kind of placement of the chosen placement type."""
    key = ("unmet_need", tuple(sorted(map(str, ids))), everyone, filters.period_start,
           filters.period_end, filters.place_group)

    def compute() -> list[Search]:
        kinds = set(setting_types_for(filters))
        return [f for f in _read(connection, ids, filters, everyone)
                if any(t in kinds for t in f.types)]

    return shared(key, compute)


# --- figures for a group of searches ---------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least ``share`` of the values
    at or below it (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def figures(found: Sequence[Search]) -> dict:
    outcomes = Counter(f.outcome for f in found)
    sent = [f for f in found if f.sent]
    days = [f.days_to_place for f in found if f.days_to_place is not None]
    row = {"opened": len(found), **{o: outcomes.get(o, 0) for o in OUTCOMES},
           "sent": len(sent), "far": sum(1 for f in found if f.far)}
    reasons = Counter(f.unfilled_reason for f in found if f.outcome == UNFILLED)
    row.update({f"reason_{r}": reasons.get(r, 0) for r in UNFILLED_REASONS})
    row["pct_unfilled"] = 100 * row[UNFILLED] / len(found) if found else None
    row["approached"] = statistics.fmean(f.approached for f in sent) if sent else None
    row["offers"] = statistics.fmean(f.offers for f in sent) if sent else None
    row["median_days"] = statistics.median(days) if days else None
    row["p90_days"] = percentile(days, 0.9)
    return row


# --- the tables ------------------------------------------------------------------------------

def _columns(first: str) -> list[Column]:
    return [
        Column("name", first),
        Column("opened", "Searches opened", COUNT, parts=OUTCOMES),
        Column(PLACED, "Placed", COUNT),
        Column(UNFILLED, "Closed unfilled", COUNT),
        Column(CANCELLED, "Cancelled", COUNT),
        Column("still_open", "Still open", COUNT),
        Column("pct_unfilled", "Percentage closed unfilled", PERCENT,
               derived_from=(UNFILLED, "opened")),
        Column("median_days", "Time to place: median (days)", NUMBER,
               derived_from=(PLACED,), rounding="none"),
        Column("p90_days", "Time to place: 90th percentile (days)", NUMBER,
               derived_from=(PLACED,), rounding="none"),
        Column("sent", "Sent to providers", COUNT),
        Column("approached", "Providers approached per search sent", NUMBER,
               derived_from=("sent",), rounding="none"),
        Column("offers", "Offers per search sent", NUMBER, derived_from=("sent",),
               rounding="none"),
        Column("far", "Placed out of area or over 20 miles: nothing nearer offered", COUNT),
    ]


FIGURE_KEYS = ("opened", *OUTCOMES, "sent", "far")


def fact(who: UUID | str, key: str) -> tuple:
    """The fact "unmet need figure ``key`` for ``who``" (an authority, or ALL of the view),
    so the same figure is hidden alike in every table that shows it."""
    return ("unmet_need", who, key)


def kind_fact(kind: str, key: str) -> tuple:
    return ("unmet_need_kind", kind, key)


def _facts(rows: list[dict], total: dict | None, keys: Sequence[str]) -> dict:
    found = {(i, k): fact(row[ROW_AUTHORITY], k) for i, row in enumerate(rows)
             if row.get(ROW_AUTHORITY) is not None for k in keys}
    if total is not None:
        found.update({(TOTAL_ROW, k): fact(ALL, k) for k in keys})
    return found


def _by_authority(connection: sa.Connection, found: list, opened: list[Search]):
    """Rows for each authority, a subtotal for each partnership wholly in view, and the total
    (with more than one authority), with their row sums."""
    by_id: dict[UUID, list[Search]] = {a.id: [] for a in found}
    for f in opened:
        by_id.setdefault(f.authority_id, []).append(f)
    return per_authority(found, lambda ids: figures([f for i in ids for f in by_id[i]]),
                         connection)


def _scope_who(found: list) -> UUID | str:
    return found[0].id if len(found) == 1 else ALL


def _opened(connection: sa.Connection, scope: Scope, filters: Filters):
    found = authorities(connection, scope, filters)
    return found, searches_opened(connection, [a.id for a in found], filters,
                                  everyone=whole_region(scope, filters))


def _period(filters: Filters) -> str:
    return f"{long_date(filters.period_start)} to {long_date(filters.period_end)}"


def definition(filters: Filters) -> str:
    return (
        f"Home searches opened (drafted by a council officer) from {_period(filters)}, UK "
        "time, and where each stood at the end of that period: placed (an offer accepted and "
        "the child's placement started), closed unfilled (no home was found: unmet need), "
        "cancelled (the child no longer needed the home) or still open. There is no DfE "
        "definition of unmet need; a search closed unfilled is the portal's. Time to place "
        "is from the moment a search was opened to the moment an offer for it was accepted, "
        "in days, for the searches placed: the median (half took less, half longer) and the "
        "90th percentile (the nearest-rank value that nine in ten placed searches took no "
        "longer than). Providers approached and offers are averages over the searches sent "
        "to providers by the period's end: how many providers each was sent to and how many "
        "offers each received. \"Placed out of area or over 20 miles: nothing nearer "
        "offered\" counts placed searches where no offer made for the search (the accepted "
        "one included) was for a setting inside the placing authority's area and not more "
        "than 20 miles from the family's postcode district: the child was placed far away "
        "because nothing closer was offered. Where a setting is, and the 20 miles, are "
        "measured as for children placed outside their authority's area (the setting's host "
        "authority; the straight line between postcode district centres, 20 x "
        f"{METRES_A_MILE:,} metres); where the family's district is not known, only the "
        "area counts. A search counts under the placement type filter when it recommends a "
        "kind of setting used for that type.")


def unmet_need(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found, opened = _opened(connection, scope, filters)
    rows, total, sums = _by_authority(connection, found, opened)
    return Table(
        key="unmet-need", title="Unmet need: home searches and how they ended",
        definition=definition(filters), columns=_columns("Authority"), rows=rows,
        total=total, row_sums=sums, facts=_facts(rows, total, FIGURE_KEYS),
        chart=Chart("pct_unfilled"))


def unmet_need_reasons(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found, opened = _opened(connection, scope, filters)
    rows, total, sums = _by_authority(connection, found, opened)
    reasons = [f"reason_{r}" for r in UNFILLED_REASONS]
    return Table(
        key="unmet-need-reasons", title="Unmet need: why searches closed unfilled",
        definition=(
            f"Home searches opened from {_period(filters)} and closed unfilled by the end of "
            "it (see unmet need above), by the reason the officer chose when closing the "
            "search, from the portal's fixed list."),
        columns=[Column("name", "Authority"),
                 Column(UNFILLED, "Closed unfilled", COUNT, parts=tuple(reasons)),
                 *(Column(f"reason_{r}", label, COUNT)
                   for r, label in UNFILLED_REASONS.items())],
        rows=rows, total=total, row_sums=sums, facts=_facts(rows, total, (UNFILLED,)))


def _breakdown(key: str, title: str, label: str, groups: list[tuple[str, list[Search]]],
               found: list, filters: Filters, extra: dict | None = None) -> Table:
    rows = [{"name": label, **figures(part)} for label, part in groups]
    everyone = [f for _, part in groups for f in part]
    total = {"name": "All searches", **figures(everyone)}
    who = _scope_who(found)
    facts = {(TOTAL_ROW, k): fact(who, k) for k in FIGURE_KEYS}
    facts.update(extra or {})
    return Table(
        key=key, title=title, definition=(
            f"The searches of unmet need above (opened from {_period(filters)}), by "
            f"{label.lower()}."),
        columns=_columns(label),
        rows=rows, total=total, facts=facts, chart=Chart("pct_unfilled"))


def unmet_need_by_kind(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found, opened = _opened(connection, scope, filters)
    kinds = [*setting_types_for(filters), SEVERAL]
    groups = [(KIND_LABELS[k], [f for f in opened if f.kind == k]) for k in kinds]
    extra = {(i, k): kind_fact(kind, k) for i, kind in enumerate(kinds) for k in FIGURE_KEYS}
    table = _breakdown("unmet-need-by-kind", "Unmet need by kind of placement sought",
                       "Kind of placement sought", groups, found, filters, extra)
    table.definition += (" A search recommending one kind of placement counts under it; one "
                         "recommending several counts under \"more than one kind\".")
    return table


def unmet_need_by_age(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found, opened = _opened(connection, scope, filters)
    bands = [label for _, label in AGE_BANDS]
    groups = [(band, [f for f in opened if age_band(f.age) == band]) for band in bands]
    table = _breakdown("unmet-need-by-age", "Unmet need by age band", "Age band", groups,
                       found, filters)
    table.definition += " The child's age is as the search records it."
    return table


# --- observed unmet demand, for the forecast -------------------------------------------------

def kind_group(kind: str, on) -> str:
    """The placement type group a place in a setting of this kind is recorded as."""
    return ssda903.placement_group(*ssda903.setting_placement(kind, on))


def unmet_demand(connection: sa.Connection, scope: Scope, filters: Filters) -> dict[str, int]:
    """Searches closed unfilled (opened in the period) by the placement type group of the one
    kind of placement each sought (searches recommending several kinds are left out)."""
    _found, opened = _opened(connection, scope, filters)
    return dict(Counter(kind_group(f.kind, filters.on) for f in opened
                        if f.outcome == UNFILLED and f.kind != SEVERAL))


def unmet_demand_lines(filters: Filters, group: str) -> tuple:
    """The forecast's unmet demand for ``group`` as a sum of the unmet-need-by-kind figures,
    for disclosure control: (the group's fact, the kinds' facts)."""
    kinds = [k for k in setting_types_for(filters) if kind_group(k, filters.on) == group]
    return ((("unmet_demand", group),), tuple(kind_fact(k, UNFILLED) for k in kinds))


MEASURES = (unmet_need, unmet_need_reasons, unmet_need_by_kind, unmet_need_by_age)
