"""What a vacancy's page on the board shows beyond the vacancy itself: the provider's named
contact, the setting's Ofsted URN, the distance from the family's district of one of the
officer's own open home searches, and which of those searches the place was asked for. Each
query takes the viewer first."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.home_search import DRAFT, HOLDABLE, OFFERS_OPEN
from domain.permissions import can, check
from domain.vacancy import AVAILABLE
from projections.directory import settings
from projections.gazetteer import district_distance, districts
from projections.home_search_queries import home_searches_for
from projections.provider_contacts import provider_contact
from projections.referral_queries import referrals_for
from projections.referrals import asked_places, offers
from projections.vacancy_queries import vacancy_on_board

# The searches a place can be asked for: a draft (sent with the place) or one open to offers.
ASKABLE = (DRAFT, OFFERS_OPEN)
NO_SUCH_SEARCH = "Choose one of your authority's open home searches"


def vacancy_page(viewer, connection: sa.Connection, vacancy_id: UUID,
                 search_id: UUID | None = None) -> dict[str, Any]:
    """The vacancy on the board (NotFound unless available), its provider's contact and its
    setting's Ofsted URN; for an officer, their authority's open searches, the distance of the
    one chosen (``search_id``) from its family's district (None: not known, never 0) and the
    searches this place was already asked for. A search that is not one of the officer's own
    open searches is refused exactly like a missing one (``search_error``)."""
    check(viewer, "vacancies.search")
    vacancy = dict(vacancy_on_board(viewer, connection, vacancy_id))
    vacancy["setting_urn"] = connection.execute(sa.select(settings.c.ofsted_urn).where(
        settings.c.id == vacancy["setting_id"])).scalar()
    page: dict[str, Any] = {
        "vacancy": vacancy, "contact": provider_contact(connection, vacancy["provider_id"]),
        "searches": [], "chosen": None, "distance": None,
        "search_error": None, "asked": set()}
    if not can(viewer, "home_searches.view"):
        return page
    searches = [s for s in home_searches_for(viewer, connection) if s["is_open"]]
    page["searches"] = searches
    page["asked"] = set(connection.execute(sa.select(asked_places.c.search_id).where(
        asked_places.c.vacancy_id == vacancy_id,
        asked_places.c.authority_id == viewer.organisation_id)).scalars())
    if search_id is not None:
        chosen = next((s for s in searches if s["id"] == search_id), None)
        if chosen is None:
            page["search_error"] = NO_SUCH_SEARCH
        else:
            page["chosen"] = chosen
            found = districts(connection, {chosen["family_district"],
                                           vacancy["postcode_district"]} - {None})
            page["distance"] = district_distance(found.get(chosen["family_district"] or ""),
                                                 found.get(vacancy["postcode_district"]))
    return page


def searches_to_offer(viewer, connection: sa.Connection, vacancy: dict[str, Any],
                      now: datetime) -> list[dict[str, Any]]:
    """For a provider's own open vacancy: the searches sent to the provider that are open to
    offers now, that it has not declined, that this vacancy fits (a kind of placement asked
    for, places for the sibling group) and that it has not offered this vacancy for yet. Each
    says whether the council asked for this very place. Only what a referral shares."""
    check(viewer, "referrals.answer")
    if vacancy["status"] != AVAILABLE:
        return []
    offered = set(connection.execute(sa.select(offers.c.search_id).where(
        offers.c.vacancy_id == vacancy["id"],
        offers.c.provider_id == viewer.organisation_id)).scalars())
    asked = set(connection.execute(sa.select(asked_places.c.search_id).where(
        asked_places.c.vacancy_id == vacancy["id"],
        asked_places.c.provider_id == viewer.organisation_id)).scalars())
    found = []
    for search in referrals_for(viewer, connection):
        if search["status"] != OFFERS_OPEN or search["offers_close_at"] <= now \
                or search["answer"] == "declined" or search["id"] in offered \
                or vacancy["setting_type"] not in search["placement_types"] \
                or vacancy["places"] < search["places_needed"]:
            continue
        found.append({**search, "asked": search["id"] in asked})
    return sorted(found, key=lambda s: (not s["asked"], s["offers_close_at"], str(s["id"])))


def searches_to_hold(viewer, connection: sa.Connection,
                     vacancy: dict[str, Any]) -> list[dict[str, Any]]:
    """For a provider's own available vacancy: the searches sent to the provider that still
    wait for the council's decision, that it has not declined and that this vacancy fits, to
    hold the place for (the council then sees the vacancy while it is held). Only what a
    referral shares."""
    check(viewer, "referrals.answer")
    if vacancy["status"] != AVAILABLE:
        return []
    return [s for s in referrals_for(viewer, connection)
            if s["status"] in HOLDABLE and s["answer"] != "declined"
            and vacancy["setting_type"] in s["placement_types"]
            and vacancy["places"] >= s["places_needed"]]


def asked_of_provider(viewer, connection: sa.Connection, search_id: UUID) -> set[UUID]:
    """The viewer's provider's vacancies the council asked for, for a search sent to it."""
    check(viewer, "referrals.answer")
    return set(connection.execute(sa.select(asked_places.c.vacancy_id).where(
        asked_places.c.search_id == search_id,
        asked_places.c.provider_id == viewer.organisation_id)).scalars())
