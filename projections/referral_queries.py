"""Queries over the referrals read model, each taking the viewer first.

A provider reads only the searches sent to it, and of each only what a referral shares: the
age band, sex, needs, kinds of placement, postcode districts and dates; never the child's
reference, legal status or the areas to avoid. It sees its own offers, never another
provider's. The placing authority's officers see every offer on their own searches, ranked
with the matching's published weights.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.errors import NotFound
from domain.home_search import DECLINE_REASONS, STATUS_LABELS, URGENCIES
from domain.vocabulary import NEEDS, SETTING_TYPES
from projections.directory import organisations, settings
from projections.gazetteer import district_distance, districts
from projections.home_search_queries import home_search
from projections.home_searches import as_list, home_searches
from projections.matching import (
    Match,
    authority_component,
    contract_routes,
    contracts_in_force,
    distance_component,
    fee_component,
    ofsted_component,
    route_component,
)
from projections.quality_queries import setting_judgements
from projections.referrals import offers, referrals
from projections.scoping import in_scope_condition
from projections.tender_queries import aware

MISSING = "There is no such home search"
# What a provider is shown of a search (never the child's reference).
SHARED = ("id", "status", "urgency", "needed_by", "latest_start", "placement_types", "age",
          "sex", "siblings", "needs", "family_district", "school_district", "stay_near_school")
AGE_BANDS = ((0, "Under 1"), (1, "1 to 4"), (5, "5 to 9"), (10, "10 to 15"), (16, "16 and 17"),
             (18, "18 and over"))


def age_band(age: int) -> str:
    """The SSDA903 statistics' age bands: a provider learns the band, never the age."""
    return [label for lowest, label in AGE_BANDS if age >= lowest][-1]


def _shared(row) -> dict[str, Any]:
    search = {k: row[k] for k in SHARED if k != "age"}
    for name in ("placement_types", "needs"):
        search[name] = as_list(search[name])
    search["age_band"] = age_band(row["age"])
    search["status_label"] = STATUS_LABELS[search["status"]]
    search["urgency_label"] = URGENCIES[search["urgency"]]
    search["placement_type_labels"] = [SETTING_TYPES[t] for t in search["placement_types"]]
    search["need_labels"] = [NEEDS.get(n, n) for n in search["needs"]]
    search["places_needed"] = 1 + row["siblings"]
    for name in ("authority_name", "answer", "decline_reason"):
        search[name] = row[name]
    search["offers_close_at"] = aware(row["offers_close_at"])
    search["decline_reason_label"] = DECLINE_REASONS.get(row["decline_reason"] or "")
    return search


def _sent_to_viewer(viewer):
    r, h = referrals, home_searches
    return (sa.select(*(h.c[k] for k in SHARED), organisations.c.name.label("authority_name"),
                      r.c.offers_close_at, r.c.answer, r.c.decline_reason)
            .select_from(r.join(h, h.c.id == r.c.search_id)
                         .join(organisations, organisations.c.id == r.c.authority_id))
            .where(in_scope_condition(viewer, "referrals.answer", r.c.provider_id)))


def referrals_for(viewer, connection: sa.Connection) -> list[dict[str, Any]]:
    """The searches sent to the viewer's organisation, the latest deadline first."""
    rows = connection.execute(_sent_to_viewer(viewer).order_by(
        referrals.c.offers_close_at.desc(), referrals.c.search_id)).mappings()
    return [_shared(row) for row in rows]


def referrals_after(viewer, connection: sa.Connection, *, after: UUID | None,
                    limit: int) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` of the searches sent to the viewer's organisation in id order,
    after ``after`` (the API's cursor pages)."""
    query = _sent_to_viewer(viewer)
    if after is not None:
        query = query.where(referrals.c.search_id > after)
    rows = connection.execute(query.order_by(referrals.c.search_id).limit(limit + 1))
    return [_shared(row) for row in rows.mappings()]


def referral_for(viewer, connection: sa.Connection, search_id: UUID) -> dict[str, Any]:
    """One search sent to the viewer's organisation, with its own offers only."""
    row = connection.execute(_sent_to_viewer(viewer).where(
        referrals.c.search_id == search_id)).mappings().first()
    if row is None:
        raise NotFound(MISSING)
    search = _shared(row)
    search["own_offers"] = [_offer(o) for o in connection.execute(
        _offers_query().where(offers.c.search_id == search_id,
                              offers.c.provider_id == viewer.organisation_id)
        .order_by(offers.c.made_at, offers.c.id)).mappings()]
    return search


def _offers_query():
    o, s = offers, settings
    return (sa.select(o, s.c.name.label("setting_name"), s.c.postcode_district,
                      s.c.host_authority_id, organisations.c.name.label("provider_name"))
            .select_from(o.join(s, s.c.id == o.c.setting_id)
                         .join(organisations, organisations.c.id == o.c.provider_id)))


def _offer(row) -> dict[str, Any]:
    return {**row, "made_at": aware(row["made_at"]),
            "setting_type_label": SETTING_TYPES.get(row["setting_type"], "")}


def offers_on(viewer, connection: sa.Connection, search_id: UUID,
              today: date | None = None) -> dict[str, Any]:
    """For the placing authority's officers: the search, the providers it was sent to with
    their answers, and every offer ranked best first by the matching's published weights
    (distance from the family's district, inside the authority, contract route, weekly price
    against the lowest offered, Ofsted judgement)."""
    search = home_search(viewer, connection, search_id)  # NotFound for another authority
    sent = [{**row, "decline_reason_label": DECLINE_REASONS.get(row["decline_reason"] or "")}
            for row in connection.execute(
                sa.select(referrals.c.provider_id, referrals.c.answer,
                          referrals.c.decline_reason, organisations.c.name.label("name"))
                .join(organisations, organisations.c.id == referrals.c.provider_id)
                .where(referrals.c.search_id == search_id)
                .order_by(organisations.c.name)).mappings()]
    rows = [_offer(row) for row in connection.execute(
        _offers_query().where(offers.c.search_id == search_id)).mappings()]
    return {"search": search, "sent_to": sent, "offers": _ranked(
        search, rows, connection, today or date.today())}


def offer_contract(viewer, connection: sa.Connection, search_id: UUID,
                   offer_id: UUID) -> dict[str, Any]:
    """For the placing authority's officers accepting an offer: how its place would be bought
    on the offer's start day (the authority's block contract with places free, else its
    framework, with the provider for that kind of placement; otherwise spot) and the contract
    the placement links to, with the offer's start day. NotFound for another's search or an
    unknown offer."""
    search = home_search(viewer, connection, search_id)
    row = connection.execute(sa.select(offers.c.provider_id, offers.c.setting_type,
                                       offers.c.start_on)
                             .where(offers.c.id == offer_id,
                                    offers.c.search_id == search_id)).first()
    if row is None:
        raise NotFound("There is no such offer")
    found = contracts_in_force(search["authority_id"], connection, row.start_on).get(
        (row.provider_id, row.setting_type))
    route, contract_id = (found[0], found[2]) if found else ("spot", None)
    return {"contract_route": route, "contract_id": contract_id, "start_on": row.start_on}


def _ranked(search: dict[str, Any], rows: list[dict[str, Any]], connection: sa.Connection,
            today: date) -> list[Match]:
    if not rows:
        return []
    found = districts(connection, {search["family_district"],
                                   *(r["postcode_district"] for r in rows)} - {None})
    family = found.get(search["family_district"] or "")
    authority = connection.execute(sa.select(organisations.c.name).where(
        organisations.c.id == search["authority_id"])).scalar() or "your authority"
    routes = contract_routes(search["authority_id"], connection, today)
    lowest = min(r["weekly_price"] for r in rows)
    judged = setting_judgements(connection, (r["setting_id"] for r in rows))
    from_where = (f"the family's district {search['family_district']}"
                  if search["family_district"] else "the family's district (none given)")
    ranked = []
    for row in rows:
        miles = district_distance(family, found.get(row["postcode_district"]))
        inside = row["host_authority_id"] == search["authority_id"]
        route, why = routes.get((row["provider_id"], row["setting_type"]),
                                ("spot", "No block or framework contract with the provider "
                                         "for this kind of placement: spot"))
        ranked.append(Match(vacancy=row, distance=miles, inside_authority=inside, route=route,
                            components=(distance_component(miles, from_where),
                                        authority_component(inside, authority),
                                        route_component(route, why),
                                        fee_component(row["weekly_price"], lowest),
                                        ofsted_component(*judged.get(
                                            row["setting_id"], (None, None))))))
    ranked.sort(key=lambda m: (-m.score, m.distance is None, m.distance or 0,
                               m.vacancy["weekly_price"], str(m.vacancy["id"])))
    return ranked
