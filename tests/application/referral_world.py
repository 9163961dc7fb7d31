"""A small region for the referral tests (in memory, SQLite and PostgreSQL alike): an authority,
two children's home providers with a setting each, and a search drafted and sent to both."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from domain.actor import Actor

SYSTEM = Actor.system()
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
DEADLINE = NOW + timedelta(hours=4)
AFTER = NOW + timedelta(hours=5)


def officer(organisation) -> Actor:
    return Actor(user_id=uuid4(), organisation_id=organisation)


def region(portal) -> dict:
    ids = {}
    for la, ons, name in [("886", "E10000016", "Kent"), ("838", "E06000059", "Dorset")]:
        ids[name], _ = portal.register_authority(
            SYSTEM, la_code=la, ons_code=ons, name=name, population_0_17=60_000,
            partnerships=["P"], key_decision_threshold=500_000)
    for key, name, district in (("weald", "Weald Homes", "ME14"),
                                ("downs", "Downs Care", "TN27")):
        ids[key], _ = portal.register_provider(SYSTEM, name=name,
                                               kind="childrens_home_operator")
        ids[key + "_setting"], _ = portal.add_setting(
            SYSTEM, ids[key], name=f"{name} House", setting_type="childrens_home",
            ofsted_urn=f"SC9{len(key):05d}", host_authority_id=ids["Kent"],
            postcode_district=district, registered_places=4)
    return ids


def vacancy(portal, ids, provider="weald", places=1):
    vacancy_id, _ = portal.publish_vacancy(
        SYSTEM, provider_id=ids[provider], setting_id=ids[provider + "_setting"], age_from=10,
        age_to=17, needs_met=["exploitation_risk"], weekly_fee=5200, places=places,
        available_from=TODAY, today=TODAY)
    return vacancy_id


def sent_search(portal, ids, actor=None, child_ref="CAAAAAAAAAAA1", to=("weald", "downs")):
    actor = actor or officer(ids["Kent"])
    search_id, _ = portal.draft_home_search(
        actor, authority_id=ids["Kent"], child_ref=child_ref, urgency="emergency",
        needed_by=TODAY, latest_start=TODAY + timedelta(days=2),
        placement_types=["childrens_home"], age=14, sex="1", siblings=0, legal_status="C2",
        needs=["exploitation_risk"], family_district="ME14", today=TODAY)
    portal.send_home_search(actor, search_id, provider_ids=[ids[p] for p in to],
                            offers_close_at=DEADLINE, now=NOW)
    return search_id


def offer(portal, ids, search_id, vacancy_id, provider="weald", price=5100, **kwargs):
    offer_id, _ = portal.offer_place(
        officer(ids[provider]), search_id, vacancy_id=vacancy_id, weekly_price=price,
        start_on=TODAY, notes=kwargs.pop("notes", "A calm home"),
        now=kwargs.pop("now", NOW + timedelta(hours=1)), **kwargs)
    return offer_id
