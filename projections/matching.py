"""Matching a home search to the region's open vacancies: hard filters, then a published score.

Hard filters, in this order (a vacancy is counted against the first it fails):

1. the kind of setting is one the search recommends;
2. the child's age is within the vacancy's ages;
3. the vacancy meets every need the search names;
4. it offers places for the child and the brothers and sisters to be placed together;
5. it is available by the search's latest start;
6. it is not in a postcode district the search says to avoid;
7. when the child must stay near school, it is no more than ``SCHOOL_RADIUS_MILES`` from the
   school's district (a vacancy whose distance is not known is kept, and says so).

The child's sex is not a filter yet: the directory does not record whether a setting is
single-sex, so no vacancy can be excluded on it (the page says so).

Every vacancy left is scored out of 100 with the weights below, which the page publishes
beside each vacancy's points, component by component. An unknown distance earns no distance
points and reads "not known", never 0 miles.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.vacancy import AVAILABLE
from domain.vocabulary import SETTING_TYPES
from domain.words import counted
from projections.directory import organisations, settings
from projections.gazetteer import district_distance, districts
from projections.home_search_queries import home_search
from projections.placements import contracts, placement_episodes
from projections.quality_queries import setting_judgements
from projections.vacancies import vacancy_board

# --- the published weights (points out of 100) ----------------------------------------------
# Distance from the family's postcode district: the sufficiency duty is about homes close to
# home, so it weighs most. Full points at 0 miles, falling in a straight line to none at
# DISTANCE_ZERO_MILES (the DfE's "more than 20 miles" mark earns 60% of them).
DISTANCE_POINTS = 35
DISTANCE_ZERO_MILES = 50
# Inside the placing authority's own area: no out-of-area approval or notification needed,
# and the child stays near their social worker, school and family.
INSIDE_AUTHORITY_POINTS = 15
# How the place would be bought from the council's own contracts with the provider: block
# places are paid for whether used or not (an empty one is a void), so a free block place comes
# first; a framework's price and quality were agreed at tender; a spot purchase earns nothing.
ROUTE_POINTS = {"block": 20, "framework": 10, "spot": 0}
# Weekly fee: the lowest fee among the matching vacancies over this vacancy's fee, as the
# tenders score price.
FEE_POINTS = 20
# The setting's latest Ofsted judgement, from Ofsted's register as last imported (a setting
# with no judgement in it earns none).
OFSTED_POINTS = {"outstanding": 10, "good": 7, "requires_improvement": 2, "inadequate": 0}
MAX_POINTS = (DISTANCE_POINTS + INSIDE_AUTHORITY_POINTS + max(ROUTE_POINTS.values())
              + FEE_POINTS + max(OFSTED_POINTS.values()))
# A child who must stay near their school: the furthest a vacancy may be from the school.
SCHOOL_RADIUS_MILES = 15

FILTERS = {
    "type": "Not a kind of placement the search recommends",
    "age": "Does not take a child of this age",
    "needs": "Does not meet every need named",
    "places": "Not enough places for the brothers and sisters to be placed together",
    "available": "Not available by the latest start",
    "avoid": "In a postcode district to avoid",
    "school": f"More than {SCHOOL_RADIUS_MILES} miles from the school",
}
NOT_FILTERED = ("The child's sex is not used to filter: the directory does not yet record "
                "whether a setting takes only boys or only girls.")


@dataclass(frozen=True)
class Component:
    """One part of a vacancy's score: its points (out of ``out_of``) and why."""

    name: str
    points: float
    out_of: int
    why: str


@dataclass(frozen=True)
class Match:
    vacancy: dict[str, Any]
    distance: float | None  # miles, to one decimal place; None: not known
    inside_authority: bool
    route: str
    components: tuple[Component, ...]

    @property
    def score(self) -> float:
        return round(sum(c.points for c in self.components), 1)


@dataclass
class Matching:
    search: dict[str, Any]
    matches: list[Match]
    considered: int  # open vacancies on the board
    excluded: dict[str, int] = field(default_factory=dict)  # filter -> vacancies it excluded
    school_unknown: int = 0  # kept near-school vacancies whose distance is not known
    seconds: float = 0.0


# --- the score ---------------------------------------------------------------------------------

def distance_component(miles: float | None, from_where: str) -> Component:
    if miles is None:
        return Component("distance", 0.0, DISTANCE_POINTS,
                         f"Distance from {from_where} not known: no points")
    points = DISTANCE_POINTS * max(0.0, 1 - miles / DISTANCE_ZERO_MILES)
    return Component("distance", round(points, 1), DISTANCE_POINTS,
                     f"{miles:g} miles from {from_where}")


def authority_component(inside: bool, authority: str) -> Component:
    if inside:
        return Component("inside", INSIDE_AUTHORITY_POINTS, INSIDE_AUTHORITY_POINTS,
                         f"Inside {authority}")
    return Component("inside", 0, INSIDE_AUTHORITY_POINTS, f"Outside {authority}")


def route_component(route: str, why: str) -> Component:
    return Component("route", ROUTE_POINTS[route], max(ROUTE_POINTS.values()), why)


def fee_component(fee: int, lowest: int) -> Component:
    points = FEE_POINTS * lowest / fee
    return Component("fee", round(points, 1), FEE_POINTS,
                     f"£{fee:,} a week (lowest matching £{lowest:,})")


def ofsted_component(judgement: str | None, inspected: date | None = None) -> Component:
    out_of = max(OFSTED_POINTS.values())
    if judgement is None:
        return Component("ofsted", 0, out_of, "Ofsted judgement not known: no points")
    when = f", inspected {inspected.day} {inspected:%B %Y}" if inspected else ""
    return Component("ofsted", OFSTED_POINTS[judgement], out_of,
                     judgement.replace("_", " ").capitalize() + when)


# --- how each vacancy would be bought --------------------------------------------------------

def contract_routes(viewer_authority: UUID, connection: sa.Connection, today: date
                    ) -> dict[tuple[UUID, str], tuple[str, str]]:
    """(provider, setting type) -> (route, why), from the authority's contracts in force
    today: a block with places free, else a framework; anything else is a spot purchase."""
    return {key: (route, why) for key, (route, why, _) in
            contracts_in_force(viewer_authority, connection, today).items()}


def contracts_in_force(viewer_authority: UUID, connection: sa.Connection, today: date
                       ) -> dict[tuple[UUID, str], tuple[str, str, UUID]]:
    """(provider, setting type) -> (route, why, contract id): the contract a place of that
    kind with that provider would be bought under on ``today`` (:func:`contract_routes`)."""
    k = contracts
    rows = connection.execute(
        sa.select(k.c.id, k.c.provider_id, k.c.setting_type, k.c.route, k.c.title, k.c.places)
        .where(k.c.authority_id == viewer_authority, k.c.route.in_(("block", "framework")),
               k.c.start <= today, k.c.end >= today,
               sa.or_(k.c.terminated_on.is_(None), k.c.terminated_on > today))
        .order_by(k.c.title, k.c.id)).mappings().all()
    blocks = [row["id"] for row in rows if row["route"] == "block"]
    placed = dict(connection.execute(
        sa.select(placement_episodes.c.contract_id, sa.func.count())
        .where(placement_episodes.c.contract_id.in_(blocks),
               placement_episodes.c.end.is_(None))
        .group_by(placement_episodes.c.contract_id)).all()) if blocks else {}
    found: dict[tuple[UUID, str], tuple[str, str, UUID]] = {}
    for row in rows:
        key = (row["provider_id"], row["setting_type"])
        if row["route"] == "block":
            free = (row["places"] or 0) - placed.get(row["id"], 0)
            if free > 0:
                found[key] = ("block", f"Block contract {row['title']}: {free} of "
                                       f"{counted(row['places'], 'place')} free", row["id"])
        elif key not in found:
            found[key] = ("framework", f"Framework {row['title']}", row["id"])
    return found


# --- the query ---------------------------------------------------------------------------------

_COLUMNS = (vacancy_board.c.id, vacancy_board.c.provider_id, vacancy_board.c.setting_id,
            vacancy_board.c.setting_type, vacancy_board.c.host_authority_id,
            vacancy_board.c.postcode_district, vacancy_board.c.age_from,
            vacancy_board.c.age_to, vacancy_board.c.needs, vacancy_board.c.weekly_fee,
            vacancy_board.c.places, vacancy_board.c.available_from)


def _filters(search: dict[str, Any]) -> list[tuple[str, sa.ColumnElement[bool]]]:
    """The hard filters the board's columns can answer, in order, as SQL conditions (the
    distance from school needs the gazetteer and is applied after)."""
    t = vacancy_board
    needs = [t.c.needs.contains(f"|{need}|", autoescape=True) for need in search["needs"]]
    avoid = search["areas_to_avoid"]
    return [
        ("type", t.c.setting_type.in_(search["placement_types"])
         if search["placement_types"] else sa.false()),
        ("age", sa.and_(t.c.age_from <= search["age"], t.c.age_to >= search["age"])),
        ("needs", sa.and_(*needs) if needs else sa.true()),
        ("places", t.c.places >= search["places_needed"]),
        ("available", t.c.available_from <= search["latest_start"]),
        ("avoid", t.c.postcode_district.not_in(avoid) if avoid else sa.true()),
    ]


def _excluded_by(connection: sa.Connection, filters) -> dict[str, int]:
    """How many open vacancies each filter excludes (each counted against the first it
    fails), counted by the database: at national scale that is 20,000 rows never fetched."""
    first_failed = sa.case(*((~condition, name) for name, condition in filters),
                           else_=sa.null()).label("failed")
    rows = connection.execute(
        sa.select(first_failed, sa.func.count()).where(vacancy_board.c.status == AVAILABLE)
        .group_by(first_failed)).all()
    return {name: count for name, count in rows}


def match_vacancies(viewer, connection: sa.Connection, search_id: UUID,
                    today: date | None = None) -> Matching:
    """The region's available vacancies that pass the search's hard filters, best first,
    each with its score's components. Only the search's own authority's officers may ask."""
    started = time.perf_counter()
    search = home_search(viewer, connection, search_id)
    today = today or date.today()
    filters = _filters(search)
    counted = _excluded_by(connection, filters)
    excluded = {name: counted.get(name, 0) for name in FILTERS}
    considered = sum(counted.values())
    rows = connection.execute(
        sa.select(*_COLUMNS).where(vacancy_board.c.status == AVAILABLE,
                                   *(condition for _, condition in filters))).all()
    found = districts(connection, {search["family_district"], search["school_district"],
                                   *(r.postcode_district for r in rows)} - {None})
    family = found.get(search["family_district"] or "")
    school = found.get(search["school_district"] or "")
    kept = []
    for row in rows:
        if search["stay_near_school"] and school is not None:
            miles = district_distance(school, found.get(row.postcode_district))
            if miles is not None and miles > SCHOOL_RADIUS_MILES:
                excluded["school"] += 1
                continue
        kept.append(row)
    matching = Matching(search=search, matches=[], considered=considered, excluded=excluded)
    if not kept:
        matching.seconds = time.perf_counter() - started
        return matching

    names = _names(connection, kept)
    authority = names["authorities"].get(search["authority_id"], "your authority")
    routes = contract_routes(search["authority_id"], connection, today)
    lowest = min(r.weekly_fee for r in kept)
    judged = setting_judgements(connection, (r.setting_id for r in kept))
    from_where = (f"the family's district {search['family_district']}"
                  if search["family_district"] else "the family's district (none given)")
    for row in kept:
        miles = district_distance(family, found.get(row.postcode_district))
        inside = row.host_authority_id == search["authority_id"]
        route, route_why = routes.get((row.provider_id, row.setting_type),
                                      ("spot", "No block or framework contract with the "
                                               "provider for this kind of placement: spot"))
        if search["stay_near_school"] and school is not None and \
                district_distance(school, found.get(row.postcode_district)) is None:
            matching.school_unknown += 1
        vacancy = {**row._mapping,
                   "needs_list": [n for n in row.needs.split("|") if n],
                   "setting_type_label": SETTING_TYPES.get(row.setting_type, row.setting_type),
                   "setting_name": names["settings"].get(row.setting_id, ""),
                   "provider_name": names["providers"].get(row.provider_id, ""),
                   "host_authority_name": names["authorities"].get(row.host_authority_id, "")}
        matching.matches.append(Match(
            vacancy=vacancy, distance=miles, inside_authority=inside, route=route,
            components=(distance_component(miles, from_where),
                        authority_component(inside, authority),
                        route_component(route, route_why),
                        fee_component(row.weekly_fee, lowest),
                        ofsted_component(*judged.get(row.setting_id, (None, None))))))
    matching.matches.sort(key=lambda m: (-m.score, m.distance is None, m.distance or 0,
                                         m.vacancy["weekly_fee"], str(m.vacancy["id"])))
    matching.seconds = time.perf_counter() - started
    return matching


def _names(connection: sa.Connection, rows) -> dict[str, dict[UUID, str]]:
    setting_ids = sorted({r.setting_id for r in rows}, key=str)
    named = {"settings": {}, "providers": {}, "authorities": {}}
    for start in range(0, len(setting_ids), 500):
        named["settings"].update(connection.execute(
            sa.select(settings.c.id, settings.c.name)
            .where(settings.c.id.in_(setting_ids[start:start + 500]))).all())
    for kind, column in (("providers", "provider"), ("authorities", "authority")):
        named[kind] = dict(connection.execute(
            sa.select(organisations.c.id, organisations.c.name)
            .where(organisations.c.kind == column)).all())
    return named

