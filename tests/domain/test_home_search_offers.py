"""The referral on the HomeSearch aggregate, without any store: the offers window by the
clock, who may close it, the accept guards, and state rebuilt from the events equal to the
state the commands left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import DomainError, IllegalTransition, PermissionDenied
from domain.home_search import (
    ACCEPTED,
    CLOSED_TO_OFFERS,
    DRAFT,
    OFFERS_OPEN,
    PLACED,
    HomeSearch,
)
from domain.organisation import Setting
from domain.vacancy import Vacancy
from tests.domain.test_home_search import OFFICER, TODAY, draft

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(hours=2)
PROVIDER = uuid4()
SYSTEM = Actor.system()


def place(places: int = 1, setting_type: str = "childrens_home") -> Vacancy:
    setting = Setting(id=uuid4(), name="Oast House", setting_type=setting_type,
                      ofsted_urn=None, host_authority_id=uuid4(), postcode_district="ME14",
                      registered_places=4)
    return Vacancy.publish(provider_id=PROVIDER, setting=setting, actor=SYSTEM, age_from=10,
                           age_to=17, needs_met=[], weekly_fee=5000, available_from=TODAY,
                           places=places)


def sent() -> HomeSearch:
    search = draft()
    search.send(provider_ids=[PROVIDER], offers_close_at=DEADLINE, now=NOW, actor=OFFICER)
    return search


def test_the_clock_closes_the_window_and_only_the_officer_closes_it_early():
    search = sent()
    assert search.status == OFFERS_OPEN and search.taking_offers(NOW)
    assert not search.taking_offers(DEADLINE)
    assert search.close_to_offers(now=NOW, actor=SYSTEM) is False  # not before the deadline
    assert search.status == OFFERS_OPEN
    assert search.close_to_offers(now=NOW, actor=OFFICER) is True  # the officer, early
    assert search.status == CLOSED_TO_OFFERS
    assert search.close_to_offers(now=NOW, actor=OFFICER) is False
    with pytest.raises(IllegalTransition, match="draft, so it cannot be closed to offers"):
        draft().close_to_offers(now=NOW, actor=OFFICER)


def test_an_offer_needs_the_right_kind_places_for_siblings_and_an_open_window():
    search = draft(siblings=1)
    search.send(provider_ids=[PROVIDER], offers_close_at=DEADLINE, now=NOW, actor=OFFICER)
    provider = Actor(uuid4(), PROVIDER)
    kw = dict(weekly_price=4000, start_on=TODAY, notes="", now=NOW, actor=provider)
    with pytest.raises(DomainError, match="needs 2 places together"):
        search.make_offer(offer_id=uuid4(), vacancy=place(), **kw)
    with pytest.raises(DomainError, match="not a kind of placement the search asks for"):
        search.make_offer(offer_id=uuid4(),
                          vacancy=place(2, "independent_fostering_agency"), **kw)
    with pytest.raises(IllegalTransition, match="closed at 11:00 on 23 November 2026"):
        search.make_offer(offer_id=uuid4(), vacancy=place(2), **{**kw, "now": DEADLINE})
    search.make_offer(offer_id=uuid4(), vacancy=place(2), **kw)
    assert len(search.offers) == 1


def test_a_draft_or_a_provider_not_sent_it_takes_no_offer():
    kw = dict(offer_id=uuid4(), vacancy=place(), weekly_price=4000, start_on=TODAY, notes="",
              now=NOW, actor=Actor(uuid4(), PROVIDER))
    with pytest.raises(PermissionDenied, match="not sent to your organisation"):
        draft().make_offer(**kw)
    search = draft()
    search.sent_to = [PROVIDER]  # to reach the state check: still a draft
    with pytest.raises(IllegalTransition, match="draft, so it takes no offers"):
        search.make_offer(**kw)


def test_acceptance_waits_for_the_deadline_then_places_and_replays_the_same():
    search = sent()
    offer_id = uuid4()
    search.make_offer(offer_id=offer_id, vacancy=place(), weekly_price=4000, start_on=TODAY,
                      notes="", now=NOW, actor=Actor(uuid4(), PROVIDER))
    with pytest.raises(IllegalTransition, match="Offers are open until 11:00"):
        search.accept(offer_id=offer_id, placement_ref="p", now=NOW, actor=OFFICER)
    assert search.accept(offer_id=offer_id, placement_ref="p", now=DEADLINE, actor=OFFICER)
    assert search.status == PLACED
    assert search.accept(offer_id=offer_id, placement_ref="p", now=DEADLINE,
                         actor=OFFICER) is False
    events = search.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Drafted", "Sent", "OfferMade", "ClosedToOffers", "OfferAccepted", "Placed"]
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)
    assert replayed.__dict__ == search.__dict__
    assert draft().status == DRAFT


def _setting(setting_type: str = "childrens_home", places: int = 4) -> Setting:
    return Setting(id=uuid4(), name="Oast House", setting_type=setting_type, ofsted_urn=None,
                   host_authority_id=uuid4(), postcode_district="ME14",
                   registered_places=places)


def test_a_setting_offer_needs_the_right_kind_enough_places_and_the_providers_own_answer():
    search = draft(siblings=1)
    search.send(provider_ids=[PROVIDER], offers_close_at=DEADLINE, now=NOW, actor=OFFICER)
    provider = Actor(uuid4(), PROVIDER)
    kw = dict(provider_id=PROVIDER, weekly_price=4000, start_on=TODAY, notes="", now=NOW,
              actor=provider)
    with pytest.raises(DomainError, match="needs 2 places together: this setting offers 1"):
        search.offer_setting(offer_id=uuid4(), setting=_setting(places=1), **kw)
    with pytest.raises(DomainError, match="setting is not a kind of placement"):
        search.offer_setting(offer_id=uuid4(), setting=_setting("secure_childrens_home"), **kw)
    with pytest.raises(PermissionDenied, match="your own organisation's settings"):
        search.offer_setting(offer_id=uuid4(), setting=_setting(),
                             **{**kw, "actor": Actor(uuid4(), uuid4())})
    setting = _setting()
    offer_id = uuid4()
    search.offer_setting(offer_id=offer_id, setting=setting, **kw)
    assert search.offers[offer_id]["vacancy_id"] is None
    assert search.offers[offer_id]["setting_id"] == setting.id
    with pytest.raises(DomainError, match="already been offered"):
        search.offer_setting(offer_id=uuid4(), setting=setting, **kw)


def test_an_offer_starting_later_is_scheduled_then_placed_on_its_day_and_replays_the_same():
    search = sent()
    offer_id = uuid4()
    later = TODAY + timedelta(days=3)
    search.offer_setting(offer_id=offer_id, provider_id=PROVIDER, setting=_setting(),
                         weekly_price=4000, start_on=later, notes="", now=NOW,
                         actor=Actor(uuid4(), PROVIDER))
    details = {"birth_month": "2012-05", "uasc": False, "contract_route": "block",
               "contract_id": uuid4(), "approval": {
                   "approver_name": "Jo Director", "approver_role": "director",
                   "approved_on": NOW.date(), "reason": "Nothing nearer meets her needs"}}
    assert search.accept(offer_id=offer_id, placement_ref="p", now=DEADLINE, actor=OFFICER,
                         placement=details)
    assert search.status == ACCEPTED and search.starts_on == later
    assert search.pending_placement == details and search.placement_ref == "p"
    with pytest.raises(IllegalTransition, match="starts on 26 November 2026"):
        search.start_placement(today=later - timedelta(days=1), actor=SYSTEM)
    with pytest.raises(IllegalTransition, match="no placement waiting"):
        sent().start_placement(today=later, actor=SYSTEM)
    assert search.start_placement(today=later, actor=SYSTEM) is True
    assert search.status == PLACED
    assert search.start_placement(today=later, actor=SYSTEM) is False
    events = search.collect_events()
    assert [type(e).__name__ for e in events][-3:] == [
        "OfferAccepted", "PlacementScheduled", "Placed"]
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)
    assert replayed.__dict__ == search.__dict__
