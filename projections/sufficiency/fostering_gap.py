"""The capacity gap for fostering: each authority's forecast need for foster homes in three
years against the fostering capacity it has now, its own approved places and the independent
fostering agencies' places its children use.

A self-contained measure beside the children's homes gap (:func:`projections.sufficiency.
planning.capacity_gap`), made the same way: the forecast of children in care (a straight-line
trend of the last three years' monthly counts) times the share of them in foster care today.
"""

from __future__ import annotations

import sqlalchemy as sa

from domain.fostering import FOSTERING_TYPES
from projections.sufficiency.common import authorities, long_date, whole_region
from projections.sufficiency.forecast import need_at
from projections.sufficiency.fostering import (
    AGENCY,
    FOSTER_GROUPS,
    fostered_children_fact,
    fostering_places,
    latest_returns,
)
from projections.sufficiency.history import monthly_series_each, today_by_group_each
from projections.sufficiency.selection import all_types
from projections.sufficiency.tables import (
    COUNT,
    NUMBER,
    ROW_AUTHORITY,
    TEXT,
    Chart,
    Column,
    Filters,
    Scope,
    Table,
    in_care,
)

# Short-break carers look after children for short stays (mostly children not in care, or
# looked after only under a series of short breaks, whom the forecast leaves out): their
# places are not capacity for the fostered children forecast.
FULL_TIME = tuple(kind for kind in FOSTERING_TYPES if kind != "short_break")
MONTHS_AHEAD = 36

FOSTERING_GAP_DEFINITION = (
    "For each authority: its forecast of children in care 36 months after {day} (a "
    "straight-line trend of the last three years' monthly counts, with its 95% prediction "
    "interval; see the forecast), multiplied by the share of its children in care in foster "
    "care that day (SSDA903 U1 to U6: with relatives or friends, with its own carers and with "
    "independent fostering agencies' carers). Against that need, the fostering capacity it "
    "has now: its own approved fostering places (mainstream, kinship and parent and child; "
    "not short breaks) at the end of the latest month ended by {day} for which it recorded "
    "its monthly fostering return, and the independent fostering agencies' places its "
    "children live in that day (U4 to U6 with placement provider PR4 or PR5). More places "
    "needed is the forecast need less that capacity: the foster places it would need to "
    "recruit, or to buy from agencies, for every child needing foster care in three years; "
    "a negative figure means more than the forecast needs (approved places not in use "
    "included). Where an authority's records are too short for a forecast, its need is "
    "blank; without a fostering return its own places are blank.")


def fostering_gap(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    """Fostering need in three years against in-house approved places plus the independent
    agencies' places used, one row per authority."""
    found = authorities(connection, scope, filters)
    ids, everyone, everything = [a.id for a in found], whole_region(scope, filters), \
        all_types(filters)
    relevant = filters.place_group in (None, *FOSTER_GROUPS)
    series_each = (monthly_series_each(connection, ids, everything, everyone=everyone)
                   if relevant else {})
    mix_each = (today_by_group_each(connection, ids, everything, everyone=everyone)
                if relevant else {})
    latest = latest_returns(connection, ids, filters.on) if relevant else {}
    rows, facts, lines = [], {}, []
    for authority in found if relevant else ():
        series, mix = series_each[authority.id], mix_each.get(authority.id, {})
        children = sum(mix.values())
        fostered = sum(mix.get(g, 0) for g in FOSTER_GROUPS)
        share = fostered / children if children else 0
        low, need, high = need_at(series.line, series.counts, MONTHS_AHEAD)
        figures = latest.get(authority.id)
        own = sum(figures[f"places_{k}"] for k in FULL_TIME) if figures else None
        agency = mix.get(AGENCY, 0)
        need_now = None if need is None else round(need * share)
        index = len(rows)
        rows.append({
            ROW_AUTHORITY: authority.id, "authority": authority.name,
            "fostered": fostered,
            "need": need_now,
            "low": None if low is None else round(max(0.0, low) * share),
            "high": None if high is None else round(high * share),
            "own_places": own,
            "agency": agency,
            "more": None if need_now is None or own is None else need_now - own - agency,
        })
        facts[(index, "fostered")] = fostered_children_fact(authority.id)
        facts[(index, "agency")] = in_care(authority.id, group=AGENCY)
        facts[(index, "own_places")] = ("fostering_full_time_places", authority.id)
        lines.append(((("fostering_full_time_places", authority.id),),
                      tuple(fostering_places(authority.id, k) for k in FULL_TIME)))
    return Table(
        key="fostering-gap",
        title="Fostering need in three years against foster places",
        definition=FOSTERING_GAP_DEFINITION.format(day=long_date(filters.on)),
        columns=[
            Column("authority", "Authority", TEXT),
            Column("fostered", "Our fostered children now", COUNT),
            Column("need", "Fostering need in 3 years", NUMBER, derived_from=("fostered",)),
            Column("low", "Need in 3 years: lower end", NUMBER, derived_from=("fostered",)),
            Column("high", "Need in 3 years: upper end", NUMBER, derived_from=("fostered",)),
            Column("own_places", "Our approved foster places", COUNT),
            Column("agency", "Agency places our children use", COUNT),
            Column("more", "More foster places needed", NUMBER,
                   derived_from=("fostered", "own_places", "agency")),
        ],
        rows=rows, facts=facts, fact_lines=lines, chart=Chart(value="more"),
        notes=[] if relevant else [
            "This measure is about foster care: choose all placement types or a foster care "
            "type to see it."])


MEASURES = (fostering_gap,)
