"""Planning measures: local capacity against each authority's use of it, the forecast of
children in care and of need by placement type, the gap between forecast need and capacity for
every kind of home (children's homes, fostering, supported accommodation) with what the places
in development close, and progress against each authority's own targets.

Each measure is ``(connection, scope, filters) -> Table`` returning plain numbers; disclosure
control is applied afterwards by :mod:`projections.sufficiency.disclosure`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import sqlalchemy as sa

from domain.fostering import FOSTERING_TYPES
from projections.sufficiency.capacity import local_use, setting_label
from projections.sufficiency.common import authorities, long_date, whole_region
from projections.sufficiency.forecast import forecast, forecast_need, need_at
from projections.sufficiency.fostering import (
    AGENCY,
    FOSTER_GROUPS,
    fostered_children_fact,
    fostering_places,
    latest_returns,
)
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
    in_care,
)
from projections.sufficiency.targets import targets_progress
from projections.supply_queries import YEARS, pipeline_by_year

__all__ = ["MEASURES", "capacity_gap", "forecast", "forecast_need", "local_capacity",
           "targets_progress"]

HOMES = "childrens_home"
FOSTERING = "fostering"
SUPPORTED = "supported_accommodation"
# Short-break carers look after children for short stays (mostly children not in care, or
# looked after only under a series of short breaks, whom the forecast leaves out): their
# places are not capacity for the fostered children forecast.
FULL_TIME = tuple(kind for kind in FOSTERING_TYPES if kind != "short_break")


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
                "in_house": use.in_house,
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
            "other authorities' children or are vacant. Places in the council's own (in-house) "
            "homes and services count once registered with Ofsted (their pipeline's step on "
            "the date is registered or open), and are shown apart as well; planned homes and "
            "those applying for registration are places in development, not capacity."),
        columns=[
            Column("setting", "Area and kind of setting" if several else "Kind of setting"),
            Column("places", "Registered places in the area", NUMBER),
            Column("in_house", "Of them, the council's own (in-house)", NUMBER),
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


@dataclass(frozen=True)
class Capacity:
    """One authority's capacity of one kind of home on the date: ``places`` registered in its
    area (None for a kind that has none: foster carers' homes are not registered places) and
    ``counted``, what is set against its need (None where it is not known). ``fact`` names
    ``counted`` for disclosure control and ``parts`` the facts it is the sum of, so a figure
    hidden in another table of the dashboard cannot be worked back from it."""

    places: int | None
    counted: int | None
    fact: Hashable | None = None
    parts: tuple[Hashable, ...] = ()


@dataclass(frozen=True)
class GapKind:
    """One kind of home the capacity gap compares need with capacity for. ``groups`` are the
    placement type groups (:data:`domain.ssda903.GROUPS`) whose share of the forecast is the
    need; ``capacity`` gives each authority's :class:`Capacity` on the date; ``pipeline`` its
    places in development opening within 1, 2 and 3 years; ``children`` names the fact of its
    children in that kind of home now, where other tables of the dashboard show it."""

    key: str
    groups: tuple[str, ...]
    label: str
    definition: str
    capacity: Callable[[sa.Connection, list[UUID], Filters, bool], dict[UUID, Capacity]]
    pipeline: Callable[[sa.Connection, list[UUID], date, bool], dict[UUID, dict[int, int]]]
    children: Callable[[UUID], Hashable] | None = None


def _local(setting_type: str):
    """Registered places of one kind in the area; counted against the need, the places the
    authority's own children fill (the others are other authorities' or vacant)."""
    def capacity(connection, ids, filters, everyone):
        uses = local_use(connection, ids, filters, [setting_type], everyone=everyone)
        return {a: Capacity(use.places, use.here) for (a, _), use in uses.items()}
    return capacity


def _developing(setting_type: str):
    def pipeline(connection, ids, on, everyone):
        return pipeline_by_year(connection, ids, setting_type, on, everyone=everyone)
    return pipeline


def _fostering_capacity(connection, ids, filters, everyone):
    """The authority's own approved foster places (not short breaks) at its latest return,
    all of them its own whether in use or not, and the agencies' places its children use."""
    mix = today_by_group_each(connection, ids, all_types(filters), everyone=everyone)
    latest = latest_returns(connection, ids, filters.on)
    found = {}
    for authority in ids:
        figures = latest.get(authority)
        if figures is None:
            found[authority] = Capacity(None, None)
            continue
        own = sum(figures[f"places_{k}"] for k in FULL_TIME)
        found[authority] = Capacity(
            None, own + mix.get(authority, {}).get(AGENCY, 0),
            fact=("fostering_capacity", authority),
            parts=(*(fostering_places(authority, k) for k in FULL_TIME),
                   in_care(authority, group=AGENCY)))
    return found


def _no_schemes(connection, ids, on, everyone):
    """Foster places are recruited, not built: no scheme of places in development provides
    them (:data:`domain.development.SCHEME_SETTING_TYPES`)."""
    return {}


GAP_KINDS: tuple[GapKind, ...] = (
    GapKind(
        HOMES, ("childrens_home",), "Children's homes",
        "Children's homes: need is the forecast times the share of the authority's children "
        "in care living in children's homes (SSDA903 K1 and K2); the places are the "
        "registered children's home places in its area (independent homes, and the council's "
        "own once registered), and counted against the need are those its own children live "
        "in now.",
        _local(HOMES), _developing(HOMES)),
    GapKind(
        FOSTERING, FOSTER_GROUPS, "Fostering",
        "Fostering: need is the forecast times the share of the authority's children in care "
        "in foster care (SSDA903 U1 to U6: with relatives or friends, with its own carers and "
        "with independent fostering agencies' carers); foster carers' homes are not "
        "registered places of an area, so the places are blank, and counted against the need "
        "are its own approved fostering places (mainstream, kinship and parent and child; not "
        "short breaks, which look after children for short stays) at the end of the latest "
        "month ended by the date for which it recorded its monthly fostering return, every "
        "one of them whether in use or not, and the independent fostering agencies' places "
        "its children live in that day (U4 to U6 with placement provider PR4 or PR5); without "
        "a fostering return they are blank. Foster places are recruited, not built: no scheme "
        "of places in development provides them (see foster carer recruitment).",
        _fostering_capacity, _no_schemes, fostered_children_fact),
    GapKind(
        SUPPORTED, ("supported",), "Supported accommodation",
        "Supported accommodation: need is the forecast times the share of the authority's "
        "children in care in supported and independent accommodation (SSDA903 K3 registered "
        "supported accommodation, and H5 and P2 in the years they were recorded); the places "
        "are the registered supported accommodation places (16+) in its area, and counted "
        "against the need are those its own children live in now.",
        _local(SUPPORTED), _developing(SUPPORTED)),
)


def _gap_row(kind: GapKind, name: str, several: bool, series, mix: dict[str, int],
             capacity: Capacity, pipeline: dict[int, int]) -> dict:
    everyone, in_now = sum(mix.values()), sum(mix.get(g, 0) for g in kind.groups)
    share = in_now / everyone if everyone else 0
    low, need, high = need_at(series.line, series.counts, 36)
    places, counted = capacity.places, capacity.counted
    need = None if need is None else round(need * share)
    more = None if need is None or counted is None else need - counted
    row = {"kind": f"{name}: {kind.label}" if several else kind.label,
           "in_now": in_now, "need": need,
           "low": None if low is None else round(max(0.0, low) * share),
           "high": None if high is None else round(high * share),
           "places": places, "counted": counted, "more": more,
           "pipeline_3": pipeline[3],
           "capacity_3": None if places is None else places + pipeline[3]}
    for y in YEARS:
        row[f"closed_{y}"] = None if more is None else min(max(more, 0), pipeline[y])
    row["left"] = None if more is None else more - row["closed_3"]
    return row


def capacity_gap(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    names = {a.id: a.name for a in authorities(connection, scope, filters)}
    kinds = [k for k in GAP_KINDS if filters.place_group is None
             or filters.place_group in k.groups]
    ids, everyone, everything = list(names), whole_region(scope, filters), all_types(filters)
    series_each = (monthly_series_each(connection, ids, everything, everyone=everyone)
                   if kinds else {})
    mix_each = (today_by_group_each(connection, ids, everything, everyone=everyone)
                if kinds else {})
    found = {k.key: (k.capacity(connection, ids, filters, everyone),
                     k.pipeline(connection, ids, filters.on, everyone)) for k in kinds}
    rows, facts, lines = [], {}, []
    for authority, name in names.items():
        for kind in kinds:
            capacity, pipeline = found[kind.key]
            own = capacity.get(authority, Capacity(0, 0))
            if kind.children is not None:
                facts[(len(rows), "in_now")] = kind.children(authority)
            if own.fact is not None:
                facts[(len(rows), "counted")] = own.fact
                lines.append(((own.fact,), own.parts))
            rows.append({ROW_AUTHORITY: authority, **_gap_row(
                kind, name, len(names) > 1, series_each[authority],
                mix_each.get(authority, {}), own,
                pipeline.get(authority, dict.fromkeys(YEARS, 0)))})
    return Table(
        key="capacity-gap",
        title="Need in three years against local places, and what the pipeline adds",
        definition=(
            "For each authority and kind of home: its forecast of children in care 36 months "
            f"after {long_date(filters.on)} (a straight-line trend of the last three years' "
            "monthly counts, with its 95% prediction interval; see the forecast), multiplied by "
            "the share of its children in care living in that kind of home that day. "
            + " ".join(k.definition for k in kinds) + " "
            "More places needed is the forecast need less the places counted against it now: "
            "for children's homes and supported accommodation, the places it would need to "
            "add, or to secure from providers already there, for every child needing that kind "
            "of home to live locally; for fostering, the foster places it would need to "
            "recruit, or to buy from agencies. A negative figure means fewer than it has now. "
            "Places in development are the "
            "authority's own schemes of new places of that kind (council homes, block "
            "contracts' new builds, supported accommodation schemes) not yet opened or "
            "dropped, whatever their confidence, counted from their expected opening date (a "
            "scheme whose date has passed without opening counts from the first year); local "
            "places in 3 years adds them to today's. The gap the pipeline closes within one, "
            "two and three years is the smaller of the places needed and the places opened by "
            "then; the gap left is what remains after three years. Where an authority's "
            "records are too short for a forecast, its need is blank."),
        facts=facts, fact_lines=lines,
        columns=[
            Column("kind", "Authority and kind of home" if len(names) > 1 else "Kind of home",
                   TEXT),
            Column("in_now", "Our children in this kind of home now", COUNT),
            Column("need", "Need in 3 years", NUMBER, derived_from=("in_now",)),
            Column("low", "Need in 3 years: lower end", NUMBER, derived_from=("in_now",)),
            Column("high", "Need in 3 years: upper end", NUMBER, derived_from=("in_now",)),
            Column("places", "Registered places in the area now", NUMBER),
            Column("counted", "Places counted against the need now", COUNT),
            Column("more", "More places needed", NUMBER, derived_from=("in_now", "counted")),
            Column("pipeline_3", "Places in development opening within 3 years", NUMBER),
            Column("capacity_3", "Local places in 3 years with the pipeline", NUMBER),
            *(Column(f"closed_{y}", f"Gap the pipeline closes within {y} "
                     f"year{'s' if y > 1 else ''}", NUMBER, derived_from=("in_now", "counted"))
              for y in YEARS),
            Column("left", "Gap left after 3 years", NUMBER,
                   derived_from=("in_now", "counted")),
        ],
        rows=rows,
        chart=Chart(value="more"),
        notes=[] if kinds else [
            "This measure is about children's homes, fostering and supported accommodation: "
            "choose all placement types, children's homes, a foster care type, or supported "
            "and independent accommodation to see it."],
    )


# The planning measures in the order the dashboard shows them.
MEASURES = (local_capacity, forecast, forecast_need, capacity_gap, targets_progress)
