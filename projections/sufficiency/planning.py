"""Planning measures: local capacity against each authority's use of it, the forecast of
children in care and of need by placement type, the gap between forecast children's home need
and local places, and progress against each authority's own targets.

Each measure is ``(connection, scope, filters) -> Table`` returning plain numbers; disclosure
control is applied afterwards by :mod:`projections.sufficiency.disclosure`.
"""

from __future__ import annotations

import sqlalchemy as sa

from projections.sufficiency.capacity import local_use, setting_label
from projections.sufficiency.common import authorities, long_date, whole_region
from projections.sufficiency.forecast import forecast, forecast_need, need_at
from projections.sufficiency.history import monthly_series_each, today_by_group_each
from projections.sufficiency.selection import all_types, setting_types_for, whole_pounds
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
from projections.sufficiency.targets import targets_progress

__all__ = ["MEASURES", "capacity_gap", "forecast", "forecast_need", "local_capacity",
           "targets_progress"]

HOMES = "childrens_home"


def local_capacity(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found = authorities(connection, scope, filters)
    names = {a.id: a.name for a in found}
    types = setting_types_for(filters)
    uses = local_use(connection, list(names), filters, types,
                     everyone=whole_region(scope, filters))
    several = len(names) > 1
    rows = []
    for authority, name in names.items():
        for kind in types:
            use = uses.get((authority, kind))
            if use is None:
                continue
            label = setting_label(kind)
            rows.append({
                ROW_AUTHORITY: authority,
                "setting": f"{name}: {label}" if several else label,
                "places": use.places,
                "here": use.here,
                "share": use.share,
                "outside": use.outside,
                "outside_average": whole_pounds(use.outside_average),
                "unknown": use.unknown,
            })
    return Table(
        key="local-capacity",
        title="Local capacity and our children living in it",
        definition=(
            "Registered places in the settings in each authority's area (settings whose host "
            "authority it is, as the portal's provider directory records them today), by kind "
            "of setting, children's homes first. Against them: the authority's own children in "
            f"care on {long_date(filters.on)} (leaving out children looked after only under a "
            "series of short breaks) living in those settings, and the share of the places they "
            "fill. "
            "A placement counts by the setting it names; a placement that names no setting "
            "counts by its SSDA903 placement type (K2 children's home, K3 supported "
            "accommodation, U4 to U6 with an independent fostering agency) and where it is: "
            "the authority recorded for the placement, else the authority of its postcode "
            "district (ONS postcode directory). The authority's children in the same kind of "
            "setting outside its area are counted beside them, with their average weekly cost "
            "(whole pounds excluding VAT, placements without a recorded cost left out), and so "
            "are those whose placement location is not recorded. The other places are used by "
            "other authorities' children or are vacant."),
        columns=[
            Column("setting", "Area and kind of setting" if several else "Kind of setting"),
            Column("places", "Registered places in the area", NUMBER),
            Column("here", "Our children living in them", COUNT),
            Column("share", "Share of the places (%)", PERCENT, derived_from=("here",)),
            Column("outside", "Our children in this kind of setting outside the area", COUNT),
            Column("outside_average", "Average weekly cost outside the area", MONEY,
                   derived_from=("outside",), rounding="none"),
            Column("unknown", "Our children whose placement location is not recorded", COUNT),
        ],
        rows=rows,
        chart=Chart(value="share"),
    )


def capacity_gap(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    names = {a.id: a.name for a in authorities(connection, scope, filters)}
    relevant = filters.place_group in (None, HOMES)
    ids, everyone, everything = list(names), whole_region(scope, filters), all_types(filters)
    uses = local_use(connection, ids, filters, [HOMES], everyone=everyone) if relevant else {}
    series_each = (monthly_series_each(connection, ids, everything, everyone=everyone)
                   if relevant else {})
    mix_each = (today_by_group_each(connection, ids, everything, everyone=everyone)
                if relevant else {})
    rows = []
    for authority, name in names.items() if relevant else ():
        series, mix = series_each[authority], mix_each.get(authority, {})
        everyone, in_homes = sum(mix.values()), mix.get(HOMES, 0)
        share = in_homes / everyone if everyone else 0
        low, need, high = need_at(series.line, series.counts, 36)
        use = uses.get((authority, HOMES))
        here = use.here if use else 0
        rows.append({
            ROW_AUTHORITY: authority,
            "authority": name,
            "in_homes": in_homes,
            "need": None if need is None else round(need * share),
            "low": None if low is None else round(max(0.0, low) * share),
            "high": None if high is None else round(high * share),
            "places": use.places if use else 0,
            "here": here,
            "more": None if need is None else round(need * share) - here,
        })
    return Table(
        key="capacity-gap",
        title="Children's home need in three years against local places",
        definition=(
            "For each authority: its forecast of children in care 36 months after "
            f"{long_date(filters.on)} (a straight-line trend of the last three years' monthly "
            "counts, with its 95% prediction interval; see the forecast), multiplied by the "
            "share of "
            "its children in care living in children's homes (SSDA903 K1 and K2) that day. "
            "Against it: the registered children's home places in its area and how many of "
            "its own children live in them now. More local places needed is the forecast need "
            "less the children's home places in its area it uses now: the places it would need "
            "to add, or to secure from providers already there, for every child needing a "
            "children's home to live locally; a negative figure means fewer than it uses now. "
            "Where an authority's records are too short for a forecast, its need is blank."),
        columns=[
            Column("authority", "Authority", TEXT),
            Column("in_homes", "Our children in children's homes now", COUNT),
            Column("need", "Children's home need in 3 years", NUMBER,
                   derived_from=("in_homes",)),
            Column("low", "Need in 3 years: lower end", NUMBER, derived_from=("in_homes",)),
            Column("high", "Need in 3 years: upper end", NUMBER, derived_from=("in_homes",)),
            Column("places", "Registered children's home places in the area", NUMBER),
            Column("here", "Our children in those places now", COUNT),
            Column("more", "More local places needed", NUMBER,
                   derived_from=("in_homes", "here")),
        ],
        rows=rows,
        chart=Chart(value="more"),
        notes=[] if relevant else [
            "This measure is about children's homes: choose all placement types or children's "
            "homes to see it."],
    )


# The planning measures in the order the dashboard shows them.
MEASURES = (local_capacity, forecast, forecast_need, capacity_gap, targets_progress)
