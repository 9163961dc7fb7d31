"""Which council holds or filled a vacancy: a provider holds a place for a search sent to it
(refused for any other search, or one no longer waiting for a decision, with nothing stored);
the holding council reads the vacancy and lists it, another council is told there is no such
vacancy; accepting an offer fills the vacancy for the council, and the child's placement links
back to it; the provider sees the council's name; a hold or fill stored before the change
(version 1) still loads and belongs to no council; rebuild equals incremental."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.errors import DomainError, NotFound
from domain.vacancy import FILLED, HELD
from projections.board_queries import searches_to_hold
from projections.vacancy_queries import (
    own_vacancies,
    own_vacancy,
    vacancies_filled_for_child,
    vacancies_held_for,
    vacancy_on_board,
)
from tests.application.referral_world import (
    AFTER,
    NOW,
    offer,
    officer,
    region,
    sent_search,
    vacancy,
)
from tests.projections.scenario import dump
from tests.projections.test_board_read_models import viewer

CHILD = "CAAAAAAAAAAA1"
OFFICER = "council_officer"


@pytest.fixture
def holders(services):
    portal = services.portal
    ids = region(portal)
    ids["held"] = vacancy(portal, ids, "weald")
    ids["filled"] = vacancy(portal, ids, "weald")
    ids["search"] = sent_search(portal, ids, to=("weald",))
    return services, ids


def test_a_place_held_for_a_search_is_read_by_its_council_only(holders):
    services, ids = holders
    portal, weald = services.portal, officer(ids["weald"])
    services.projections.catch_up()
    with services.engine.connect() as c:
        place = own_vacancy(viewer(ids["weald"], "provider_user"), c, ids["held"])
        [holdable] = searches_to_hold(viewer(ids["weald"], "provider_user"), c, place)
        assert holdable["id"] == ids["search"] and "child_ref" not in holdable
    portal.hold_vacancy(weald, ids["held"], home_search_id=ids["search"], reason="Kept")
    services.projections.catch_up()
    kent, dorset = viewer(ids["Kent"], OFFICER), viewer(ids["Dorset"], OFFICER)
    with services.engine.connect() as c:
        row = vacancy_on_board(kent, c, ids["held"])
        assert row["status"] == HELD
        assert (row["holder"]["status"], row["holder"]["home_search_id"],
                row["holder"]["child_ref"]) == (HELD, ids["search"], CHILD)
        assert vacancy_on_board(kent, c, ids["filled"])["holder"] is None  # available
        with pytest.raises(NotFound):
            vacancy_on_board(dorset, c, ids["held"])
        [listed] = vacancies_held_for(kent, c)
        assert (listed["id"], listed["home_search_id"]) == (ids["held"], ids["search"])
        assert vacancies_held_for(dorset, c) == []
        provider = viewer(ids["weald"], "provider_user")
        assert own_vacancy(provider, c, ids["held"])["holder_authority_name"] == "Kent"
        open_rows, _ = own_vacancies(provider, c)
        assert {r["id"]: r["holder_authority_name"] for r in open_rows} == {
            ids["held"]: "Kent", ids["filled"]: None}
    portal.release_vacancy(weald, ids["held"])
    services.projections.catch_up()
    with services.engine.connect() as c:
        assert vacancy_on_board(dorset, c, ids["held"])["holder"] is None  # on the board
        assert vacancies_held_for(kent, c) == []


def test_a_hold_for_a_search_not_sent_or_no_longer_waiting_is_refused(holders):
    services, ids = holders
    portal = services.portal
    downs_place = vacancy(portal, ids, "downs")
    # The search was sent to Weald only: Downs is told there is no such search to hold for.
    for search in (ids["search"], uuid4()):
        with pytest.raises(DomainError, match="Choose one of the home searches sent to you") \
                as refused:
            portal.hold_vacancy(officer(ids["downs"]), downs_place, home_search_id=search)
        assert refused.value.field == "home_search_id"
    portal.cancel_home_search(officer(ids["Kent"]), ids["search"], reason="Went home")
    with pytest.raises(DomainError, match="no longer waiting for a decision"):
        portal.hold_vacancy(officer(ids["weald"]), ids["held"], home_search_id=ids["search"])
    assert portal.get_vacancy(ids["held"]).status == "available"
    assert portal.get_vacancy(downs_place).status == "available"


def test_an_accepted_offer_fills_the_vacancy_for_the_council_and_rebuild_equals(holders,
                                                                               monkeypatch):
    from projections import runner

    services, ids = holders
    portal, kent_actor = services.portal, officer(ids["Kent"])
    monkeypatch.setattr(runner, "BATCH_SIZE", 3)
    portal.hold_vacancy(officer(ids["weald"]), ids["held"], home_search_id=ids["search"])
    chosen = offer(services.portal, ids, ids["search"], ids["filled"])
    portal.accept_offer(kent_actor, ids["search"], chosen, birth_month="2012-05", now=AFTER)
    filled = portal.get_vacancy(ids["filled"])
    assert (filled.status, filled.holder_authority_id) == (FILLED, ids["Kent"])
    services.projections.catch_up()
    kent = viewer(ids["Kent"], OFFICER)
    with services.engine.connect() as c:
        holder = vacancy_on_board(kent, c, ids["filled"])["holder"]
        assert (holder["status"], holder["search_status"]) == (FILLED, "placed")
        assert holder["placement_ref"] is not None
        with pytest.raises(NotFound):
            vacancy_on_board(viewer(ids["Dorset"], OFFICER), c, ids["filled"])
        [back] = vacancies_filled_for_child(kent, c, CHILD)
        assert (back["id"], back["home_search_id"]) == (ids["filled"], ids["search"])
        assert vacancies_filled_for_child(viewer(ids["Dorset"], OFFICER), c, CHILD) == []
        provider = viewer(ids["weald"], "provider_user")
        assert own_vacancy(provider, c, ids["filled"])["holder_authority_name"] == "Kent"
    incremental = dump(services.engine, names={"vacancy_holders"})
    assert len(incremental["vacancy_holders"]) == 2  # still held, and filled
    assert services.projections.rebuild() > 0
    assert dump(services.engine, names={"vacancy_holders"}) == incremental
    assert services.projections.rebuild(["vacancy_holders"]) > 0
    assert dump(services.engine, names={"vacancy_holders"}) == incremental


def _version_1(topic: str, **fields) -> bytes:
    return json.dumps({
        "timestamp": {"_type_": "datetime_iso", "_data_": NOW.isoformat()},
        "originator_topic": "domain.vacancy:Vacancy",
        "actor": {"_type_": "actor", "_data_": {"user_id": None, "organisation_id": None}},
        "reason": None, **fields}, separators=(",", ":")).encode()


def test_holds_and_fills_stored_before_the_change_still_load_and_belong_to_no_council(holders):
    services, ids = holders
    recorder = services.portal.recorder
    for vacancy_id, topic, fields in ((ids["held"], "Held", {"home_search_ref": "HS-1"}),
                                      (ids["filled"], "Filled", {"placement_ref": "P-1"})):
        version = services.portal.get_vacancy(vacancy_id).version
        recorder.insert_events([StoredEvent(
            originator_id=vacancy_id, originator_version=version + 1,
            topic=f"domain.vacancy:Vacancy.{topic}", state=_version_1(topic, **fields))])
    held, filled = (services.portal.get_vacancy(ids[k]) for k in ("held", "filled"))
    assert (held.status, held.held_for, held.holder_authority_id) == (HELD, "HS-1", None)
    assert (filled.status, filled.holder_authority_id) == (FILLED, None)
    services.projections.catch_up()
    with services.engine.connect() as c:
        for key in ("held", "filled"):
            with pytest.raises(NotFound):
                vacancy_on_board(viewer(ids["Kent"], OFFICER), c, ids[key])
    assert dump(services.engine, names={"vacancy_holders"}) == {"vacancy_holders": []}
