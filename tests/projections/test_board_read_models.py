"""The vacancy page's read models: a provider's named contact, the places asked for from the
board (a provider it reaches sees the search with its deadline, and which place was asked
for), the distance from an officer's own search (None when not known, never 0), and rebuild
equals incremental."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.errors import NotFound
from domain.principal import Principal
from projections.board_queries import (
    NO_SUCH_SEARCH,
    asked_of_provider,
    searches_to_offer,
    vacancy_page,
)
from projections.referral_queries import referrals_for
from projections.vacancy_queries import own_vacancy
from tests.application.referral_world import (
    DEADLINE,
    NOW,
    TODAY,
    officer,
    region,
    sent_search,
    vacancy,
)
from tests.projections.scenario import dump

NAMES = {"provider_contacts", "home_search_referrals", "home_search_asked_places"}


def viewer(organisation, role) -> Principal:
    kind = "provider" if role == "provider_user" else "authority"
    return Principal(user_id=uuid4(), email="", display_name="", organisation_id=organisation,
                     organisation_kind=kind, organisation_name="", roles=frozenset({role}))


@pytest.fixture
def asked(services):
    portal = services.portal
    ids = region(portal)
    portal.set_provider_contact(officer(ids["downs"]), ids["downs"], name="Sam Okafor",
                                phone="01632 960 001", email="sam@downs.example.org")
    kent = officer(ids["Kent"])
    ids["place"] = vacancy(portal, ids, "downs")
    ids["search"] = sent_search(portal, ids, actor=kent, to=("weald",))
    portal.ask_for_place(kent, ids["place"], search_ref=ids["search"], now=NOW)
    ids["far"], _ = portal.draft_home_search(
        kent, authority_id=ids["Kent"], child_ref="CAAAAAAAAAAA2", urgency="planned",
        needed_by=TODAY, latest_start=TODAY, placement_types=["childrens_home"], age=14,
        sex="1", siblings=0, legal_status="C2", family_district="ZZ99", today=TODAY)
    services.projections.catch_up()
    return services, ids


def test_the_provider_asked_sees_the_search_with_its_deadline_and_the_place(asked):
    services, ids = asked
    downs = viewer(ids["downs"], "provider_user")
    with services.engine.connect() as c:
        [search] = referrals_for(downs, c)
        assert search["id"] == ids["search"] and search["offers_close_at"] == DEADLINE
        assert asked_of_provider(downs, c, ids["search"]) == {ids["place"]}
        place = own_vacancy(downs, c, ids["place"])
        [offerable] = searches_to_offer(downs, c, place, NOW)
        assert offerable["id"] == ids["search"] and offerable["asked"]
        assert searches_to_offer(downs, c, place, DEADLINE) == []  # offers closed
        weald = viewer(ids["weald"], "provider_user")
        assert asked_of_provider(weald, c, ids["search"]) == set()


def test_the_officer_sees_the_contact_and_the_distance_from_their_own_search(asked):
    services, ids = asked
    kent = viewer(ids["Kent"], "council_officer")
    with services.engine.connect() as c:
        page = vacancy_page(kent, c, ids["place"], ids["search"])
        assert page["contact"]["name"] == "Sam Okafor"
        assert page["vacancy"]["setting_urn"] == "SC900005"
        assert page["asked"] == {ids["search"]}
        # ME14 to TN27, both shipped districts: a real distance.
        assert page["distance"] is not None and page["distance"] > 0
        unknown = vacancy_page(kent, c, ids["place"], ids["far"])
        assert unknown["chosen"]["id"] == ids["far"] and unknown["distance"] is None
        dorset = viewer(ids["Dorset"], "council_officer")
        other = vacancy_page(dorset, c, ids["place"], ids["search"])
        assert other["search_error"] == NO_SUCH_SEARCH and other["chosen"] is None
        assert other["asked"] == set()
        auditor = vacancy_page(viewer(ids["Kent"], "auditor"), c, ids["place"])
        assert auditor["searches"] == [] and auditor["contact"]["name"] == "Sam Okafor"
        with pytest.raises(NotFound):
            vacancy_page(kent, c, uuid4())


def test_the_board_read_models_rebuild_equal_incremental(asked):
    services, _ = asked
    incremental = dump(services.engine, names=NAMES)
    assert len(incremental["home_search_asked_places"]) == 1
    assert len(incremental["home_search_referrals"]) == 2
    assert len(incremental["provider_contacts"]) == 1
    assert services.projections.rebuild() > 0
    assert dump(services.engine, names=NAMES) == incremental
