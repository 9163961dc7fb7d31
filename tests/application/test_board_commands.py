"""The vacancy board's commands on eventsourcing's in-memory persistence: a provider's named
contact (its own users only), asking a vacancy's provider for its place (the officer's own
searches only; the provider it reaches may offer that place through the offer use case), and
an officer's saved searches (their own account's alone)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.board_search import BoardSearchRefused
from domain.errors import DomainError, NotFound, PermissionDenied
from domain.home_search import OFFERS_OPEN
from domain.organisation import ContactRefused
from portal.services.application import Portal
from tests.application.referral_world import (
    DEADLINE,
    NOW,
    TODAY,
    offer,
    officer,
    region,
    sent_search,
    vacancy,
)

CONTACT = dict(name="Sam Okafor", phone="01632 960 001", email="sam@weald.example.org")


@pytest.fixture
def portal():
    app = Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def test_a_provider_names_its_own_contact_only(portal):
    ids = region(portal)
    weald = officer(ids["weald"])
    position = portal.set_provider_contact(weald, ids["weald"], **CONTACT)
    assert portal.get_provider(ids["weald"]).contact == {**CONTACT}
    assert portal.set_provider_contact(weald, ids["weald"], **CONTACT) == position  # unchanged
    with pytest.raises(PermissionDenied):
        portal.set_provider_contact(weald, ids["downs"], **CONTACT)
    with pytest.raises(ContactRefused) as refused:
        portal.set_provider_contact(weald, ids["weald"], name="", phone="1", email="x")
    assert set(refused.value.errors) == {"contact_name", "contact_phone", "contact_email"}
    assert portal.get_provider(ids["downs"]).contact is None


def test_an_officer_asks_for_a_place_and_its_provider_offers_it(portal):
    ids = region(portal)
    kent = officer(ids["Kent"])
    downs_place = vacancy(portal, ids, "downs")
    search_id = sent_search(portal, ids, actor=kent, to=("weald",))
    portal.ask_for_place(kent, downs_place, search_ref=search_id, now=NOW)
    search = portal.get_home_search(kent, search_id)
    assert search.status == OFFERS_OPEN and search.offers_close_at == DEADLINE
    assert ids["downs"] in search.sent_to and search.asked_places == {
        downs_place: ids["downs"]}
    offer_id = offer(portal, ids, search_id, downs_place, provider="downs")
    assert portal.get_home_search(kent, search_id).offers[offer_id]["vacancy_id"] == downs_place


def test_a_draft_is_sent_by_asking_and_another_authority_cannot_ask(portal):
    ids = region(portal)
    kent = officer(ids["Kent"])
    place = vacancy(portal, ids)
    draft, _ = portal.draft_home_search(
        kent, authority_id=ids["Kent"], child_ref="CAAAAAAAAAAA2", urgency="planned",
        needed_by=TODAY, latest_start=TODAY, placement_types=["childrens_home"], age=14,
        sex="1", siblings=0, legal_status="C2", today=TODAY)
    with pytest.raises(NotFound):
        portal.ask_for_place(officer(ids["Dorset"]), place, search_ref=draft, now=NOW,
                             offers_close_at=DEADLINE)
    with pytest.raises(NotFound):
        portal.ask_for_place(kent, uuid4(), search_ref=draft, now=NOW, offers_close_at=DEADLINE)
    with pytest.raises(DomainError, match="Enter the date offers close"):
        portal.ask_for_place(kent, place, search_ref=draft, now=NOW)
    portal.ask_for_place(kent, place, search_ref=draft, now=NOW, offers_close_at=DEADLINE)
    search = portal.get_home_search(kent, draft)
    assert search.sent_to == [ids["weald"]] and search.status == OFFERS_OPEN


def test_saved_board_searches_are_their_owners_alone(portal):
    ids = region(portal)
    ann, bob = officer(ids["Kent"]), officer(ids["Kent"])
    search_id, _ = portal.save_board_search(ann, name="Kent homes",
                                            host_authority_id=ids["Kent"])
    assert portal.get_board_search(ann, search_id).host_authority_id == ids["Kent"]
    with pytest.raises(NotFound):
        portal.get_board_search(bob, search_id)
    with pytest.raises(NotFound):
        portal.delete_board_search(bob, search_id)
    with pytest.raises(NotFound, match="Choose an area"):
        portal.save_board_search(ann, name="Nowhere", host_authority_id=uuid4())
    with pytest.raises(BoardSearchRefused):
        portal.save_board_search(ann, name=" ")
    with pytest.raises(PermissionDenied):
        portal.save_board_search(Actor.system(), name="The system's")
    portal.delete_board_search(ann, search_id)
    with pytest.raises(NotFound):
        portal.get_board_search(ann, search_id)
