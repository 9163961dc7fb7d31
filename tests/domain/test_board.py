"""The vacancy board's rules on the aggregates, without any store: a provider's named contact
(every problem at once), and an officer asking a provider for a vacancy's place for a home
search (a draft is sent, an open search reaches the provider too), with state rebuilt from the
events equal to the state the commands left."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import DomainError, IllegalTransition
from domain.home_search import CANCELLED, OFFERS_OPEN
from domain.organisation import ContactRefused, Provider
from tests.domain.test_home_search import OFFICER, draft
from tests.domain.test_home_search_offers import DEADLINE, NOW, PROVIDER, SYSTEM, place, sent


def replayed(aggregate):
    state = None
    for e in aggregate.collect_events():
        state = e.mutate(state)
    return state


def provider() -> Provider:
    return Provider.register(name="Weald Homes", kind="childrens_home_operator",
                             ofsted_urn=None, actor=SYSTEM)


def test_a_provider_names_its_contact_and_nothing_is_stored_when_it_is_unchanged():
    p = provider()
    assert p.contact is None
    assert p.set_contact(name="  Sam   Okafor ", phone="01632 960 001",
                         email=" sam@weald.example.org ", actor=SYSTEM)
    assert p.contact == {"name": "Sam Okafor", "phone": "01632 960 001",
                         "email": "sam@weald.example.org"}
    assert not p.set_contact(name="Sam Okafor", phone="01632 960 001",
                             email="sam@weald.example.org", actor=SYSTEM)
    assert p.set_contact(name="Sam Okafor", phone="+44 (1632) 960-002",
                         email="sam@weald.example.org", actor=SYSTEM)
    state = replayed(p)
    assert state.__dict__ == p.__dict__


@pytest.mark.parametrize(("name", "phone", "email", "errors"), [
    ("", "", "", {"contact_name": "Enter the contact's name",
                  "contact_phone": "Enter the contact's telephone number",
                  "contact_email": "Enter the contact's email address"}),
    ("Sam", "12345", "sam@", {
        "contact_phone": "Enter a UK telephone number, like 01632 960 001 or +44 1632 960 001",
        "contact_email": "Enter an email address in the correct format, like name@example.org"}),
    ("x" * 101, "01632 960 001", "sam@weald.example.org",
     {"contact_name": "The name must be 100 characters or fewer"}),
    ("Sam", "01632 960 001 ext 4", "sam@weald.example.org", {
        "contact_phone": "Enter a UK telephone number, like 01632 960 001 or +44 1632 960 001"}),
])
def test_a_contact_is_refused_field_by_field_all_at_once(name, phone, email, errors):
    p = provider()
    with pytest.raises(ContactRefused) as refused:
        p.set_contact(name=name, phone=phone, email=email, actor=SYSTEM)
    assert refused.value.errors == errors
    assert p.contact is None and len(p.collect_events()) == 1


def test_asking_for_a_place_sends_a_draft_to_the_vacancys_provider_naming_it():
    search = draft()
    vacancy = place()
    with pytest.raises(DomainError, match="Enter the date offers close"):
        search.ask_for_place(vacancy=vacancy, now=NOW, actor=OFFICER)
    search.ask_for_place(vacancy=vacancy, now=NOW, actor=OFFICER, offers_close_at=DEADLINE)
    assert search.status == OFFERS_OPEN and search.sent_to == [PROVIDER]
    assert search.offers_close_at == DEADLINE
    assert search.asked_places == {vacancy.id: PROVIDER}
    with pytest.raises(DomainError, match="already asked for this place"):
        search.ask_for_place(vacancy=vacancy, now=NOW, actor=OFFICER)
    assert [type(e).__name__ for e in search.collect_events()] == ["Drafted", "Sent",
                                                                    "PlaceAsked"]


def test_asking_for_a_place_reaches_another_provider_of_an_open_search_with_its_deadline():
    search = sent()
    other = place()
    other_provider = uuid4()
    other.provider_id = other_provider  # a second provider's vacancy
    search.ask_for_place(vacancy=other, now=NOW, actor=OFFICER)
    assert search.sent_to == sorted([PROVIDER, other_provider], key=str)
    assert search.offers_close_at == DEADLINE
    # The provider it reached may now offer the place it was asked for.
    search.make_offer(offer_id=uuid4(), vacancy=other, weekly_price=5000, start_on=NOW.date(),
                      notes="", now=NOW, actor=Actor(uuid4(), other_provider))
    state = replayed(search)
    assert state.__dict__ == search.__dict__


def test_a_place_that_does_not_fit_or_a_search_past_offers_is_refused():
    search = sent()
    with pytest.raises(DomainError, match="not a kind of placement"):
        search.ask_for_place(vacancy=place(setting_type="independent_fostering_agency"),
                             now=NOW, actor=OFFICER)
    sibling_search = draft(siblings=1)
    with pytest.raises(DomainError, match="needs 2 places together"):
        sibling_search.ask_for_place(vacancy=place(), now=NOW, actor=OFFICER,
                                     offers_close_at=DEADLINE)
    taken = place()
    taken.fill(placement_ref=None, actor=SYSTEM)
    with pytest.raises(DomainError, match="This vacancy is filled"):
        search.ask_for_place(vacancy=taken, now=NOW, actor=OFFICER)
    with pytest.raises(IllegalTransition, match="takes no more offers"):
        search.ask_for_place(vacancy=place(), now=DEADLINE + timedelta(minutes=1),
                             actor=OFFICER)
    search.decline(provider_id=PROVIDER, decline_reason="needs", now=NOW,
                   actor=Actor(uuid4(), PROVIDER))
    with pytest.raises(IllegalTransition, match="declined"):
        search.ask_for_place(vacancy=place(), now=NOW, actor=OFFICER)
    cancelled = draft()
    cancelled.cancel(actor=OFFICER, reason="Moved home")
    assert cancelled.status == CANCELLED
    with pytest.raises(IllegalTransition, match="cancelled"):
        cancelled.ask_for_place(vacancy=place(), now=NOW, actor=OFFICER,
                                offers_close_at=DEADLINE)
    assert search.asked_places == {}
