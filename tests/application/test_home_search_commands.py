"""Home search commands on eventsourcing's in-memory persistence: who may act, every refusal at
once, the directory's largest setting, and each step stored with its actor and reason."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import DomainError, IllegalTransition, NotFound, PermissionDenied
from domain.home_search import CANCELLED, CLOSED_UNFILLED, HomeSearch, SearchRefused
from portal.services.application import Portal

SYSTEM = Actor.system()
TODAY = date(2026, 11, 23)


@pytest.fixture
def portal():
    return Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def region(portal):
    ids = {}
    for la, ons, name in [("886", "E10000016", "Kent"), ("838", "E06000059", "Dorset")]:
        ids[name], _ = portal.register_authority(
            SYSTEM, la_code=la, ons_code=ons, name=name, population_0_17=60_000,
            partnerships=["P"], key_decision_threshold=500_000)
    return ids


def officer(authority) -> Actor:
    return Actor(user_id=uuid4(), organisation_id=authority)


def draft(portal, authority, actor=None, **overrides):
    terms = dict(child_ref="CAAAAAAAAAAA1", urgency="emergency", needed_by=TODAY,
                 latest_start=TODAY + timedelta(days=2), placement_types=["childrens_home"],
                 age=14, sex="1", siblings=0, legal_status="C1",
                 needs=["exploitation_risk"], family_district="ME14", today=TODAY)
    terms.update(overrides)
    return portal.draft_home_search(actor or officer(authority), authority_id=authority,
                                    **terms)


def test_an_officer_drafts_a_search_for_their_own_authority_only(portal, region):
    kent = officer(region["Kent"])
    search_id, position = draft(portal, region["Kent"], kent)
    assert position == portal.last_position()
    search = portal.get_home_search(kent, search_id)
    assert isinstance(search, HomeSearch)
    assert search.authority_id == region["Kent"] and search.urgency == "emergency"
    with pytest.raises(PermissionDenied):
        draft(portal, region["Dorset"], kent)
    with pytest.raises(NotFound, match="There is no such home search"):
        portal.get_home_search(officer(region["Dorset"]), search_id)
    with pytest.raises(NotFound):
        portal.get_home_search(kent, uuid4())


def test_every_refusal_comes_at_once_and_nothing_is_stored(portal, region):
    before = portal.last_position()
    with pytest.raises(SearchRefused) as refused:
        draft(portal, region["Kent"], latest_start=TODAY - timedelta(days=1), age=30,
              needs=["unknown_need"], placement_types=["tree_house"])
    assert set(refused.value.errors) == {"latest_start", "age", "needs", "placement_types"}
    assert portal.last_position() == before


def test_a_sibling_group_larger_than_any_setting_is_refused(portal, region):
    portal.largest_placeable_group = lambda: 4
    with pytest.raises(SearchRefused) as refused:
        draft(portal, region["Kent"], siblings=4)
    assert refused.value.errors == {
        "siblings": "No setting in the directory has 5 registered places: the largest has 4"}
    search_id, _ = draft(portal, region["Kent"], siblings=3)
    actor = officer(region["Kent"])
    with pytest.raises(SearchRefused):
        portal.edit_home_search(actor, search_id, changes={"siblings": 6}, today=TODAY)


def test_edit_cancel_and_close_by_the_authoritys_officers(portal, region):
    kent = officer(region["Kent"])
    dorset = officer(region["Dorset"])
    search_id, _ = draft(portal, region["Kent"], kent)
    position = portal.edit_home_search(kent, search_id, changes={"age": 15}, today=TODAY,
                                       reason="Birthday")
    assert portal.get_home_search(kent, search_id).age == 15
    assert portal.edit_home_search(kent, search_id, changes={"age": 15},
                                   today=TODAY) == position  # nothing changed, nothing stored
    for command, kwargs in ((portal.edit_home_search, {"changes": {"age": 9}, "today": TODAY}),
                            (portal.cancel_home_search, {"reason": "Not ours"}),
                            (portal.close_home_search_unfilled,
                             {"unfilled_reason": "no_match"})):
        with pytest.raises(NotFound):
            command(dorset, search_id, **kwargs)
    portal.close_home_search_unfilled(kent, search_id, unfilled_reason="no_offers",
                                      reason="Asked six homes")
    closed = portal.get_home_search(kent, search_id)
    assert closed.status == CLOSED_UNFILLED and closed.unfilled_reason == "no_offers"
    with pytest.raises(IllegalTransition):
        portal.cancel_home_search(kent, search_id, reason="Changed our mind")

    other_id, _ = draft(portal, region["Kent"], kent, child_ref="CAAAAAAAAAAA2")
    with pytest.raises(DomainError):
        portal.cancel_home_search(kent, other_id, reason="")
    portal.cancel_home_search(kent, other_id, reason="Returned home")
    events = list(portal.repository.event_store.get(other_id))
    assert [type(e).__name__ for e in events] == ["Drafted", "Cancelled"]
    assert events[-1].actor == kent and events[-1].reason == "Returned home"
    assert portal.get_home_search(kent, other_id).status == CANCELLED


def test_the_system_acts_for_any_authority(portal, region):
    search_id, _ = draft(portal, region["Dorset"], SYSTEM)
    assert portal.get_home_search(SYSTEM, search_id).authority_id == region["Dorset"]


def test_an_unknown_authority_is_refused(portal, region):
    with pytest.raises(NotFound):
        draft(portal, uuid4(), SYSTEM)
