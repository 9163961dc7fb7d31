"""Sending a home search, offers and declines, the offers deadline, and accepting an offer, on
eventsourcing's in-memory persistence: each state change and each refusal, and acceptance as
one atomic step that a retry never repeats."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.errors import Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied
from domain.home_search import (
    ACCEPTED,
    CLOSED_TO_OFFERS,
    OFFER_ACCEPTED,
    OFFER_OPEN,
    OFFER_RELEASED,
    OFFERS_OPEN,
    PLACED,
    SearchRefused,
)
from domain.placement import placement_id
from domain.vacancy import FILLED
from portal.services.application import Portal
from tests.application.referral_world import (
    AFTER,
    DEADLINE,
    NOW,
    SYSTEM,
    TODAY,
    offer,
    officer,
    region,
    sent_search,
    vacancy,
)


@pytest.fixture
def portal():
    return Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def ids(portal):
    return region(portal)


def test_sending_opens_the_search_to_the_chosen_providers_until_the_deadline(portal, ids):
    kent = officer(ids["Kent"])
    search_id = sent_search(portal, ids, kent, to=("weald",))
    search = portal.get_home_search(kent, search_id)
    assert search.status == OFFERS_OPEN and search.sent_to == [ids["weald"]]
    assert search.offers_close_at == DEADLINE
    assert search.taking_offers(NOW) and not search.taking_offers(DEADLINE)
    events = [type(e).__name__ for e in portal.repository.event_store.get(search_id)]
    assert events == ["Drafted", "Sent"]
    # The provider it was sent to sees it; another provider and another council do not.
    assert portal.get_referral(officer(ids["weald"]), search_id).id == search_id
    for stranger in (officer(ids["downs"]), officer(ids["Dorset"])):
        with pytest.raises(NotFound, match="There is no such home search"):
            portal.get_referral(stranger, search_id)
    with pytest.raises(IllegalTransition, match="offers open, so it cannot be sent"):
        portal.send_home_search(kent, search_id, provider_ids=[ids["downs"]],
                                offers_close_at=DEADLINE, now=NOW)


def test_sending_is_refused_without_providers_a_future_deadline_or_as_another_council(
        portal, ids):
    kent = officer(ids["Kent"])
    search_id, _ = portal.draft_home_search(
        kent, authority_id=ids["Kent"], child_ref="CAAAAAAAAAAA1", urgency="planned",
        needed_by=TODAY, latest_start=TODAY, placement_types=["childrens_home"], age=12,
        sex="2", siblings=0, legal_status="C2", today=TODAY)
    before = portal.last_position()
    with pytest.raises(DomainError, match="at least one provider"):
        portal.send_home_search(kent, search_id, provider_ids=[], offers_close_at=DEADLINE,
                                now=NOW)
    with pytest.raises(DomainError, match="must be in the future") as refused:
        portal.send_home_search(kent, search_id, provider_ids=[ids["weald"]],
                                offers_close_at=NOW, now=NOW)
    assert refused.value.field == "offers_close_at"
    with pytest.raises(NotFound, match="There is no such provider"):
        portal.send_home_search(kent, search_id, provider_ids=[uuid4()],
                                offers_close_at=DEADLINE, now=NOW)
    with pytest.raises(NotFound):
        portal.send_home_search(officer(ids["Dorset"]), search_id, provider_ids=[ids["weald"]],
                                offers_close_at=DEADLINE, now=NOW)
    assert portal.last_position() == before


def test_a_provider_offers_its_own_open_vacancy_and_every_wrong_offer_is_refused(portal, ids):
    search_id = sent_search(portal, ids, to=("weald",))
    place = vacancy(portal, ids)
    weald = officer(ids["weald"])
    offer_id = offer(portal, ids, search_id, place, notes="  Near the school  ")
    made = portal.get_referral(weald, search_id).offers[offer_id]
    assert made["status"] == OFFER_OPEN and made["weekly_price"] == 5100
    assert made["vacancy_id"] == place and made["notes"] == "Near the school"
    before = portal.last_position()

    with pytest.raises(DomainError, match="already been offered"):
        offer(portal, ids, search_id, place)
    with pytest.raises(NotFound):  # a provider not sent the search is never told it exists
        offer(portal, ids, search_id, vacancy(portal, ids, "downs"), provider="downs")
    with pytest.raises(NotFound, match="no such vacancy"):  # another provider's vacancy
        portal.offer_place(weald, search_id, vacancy_id=vacancy(portal, ids, "downs"),
                           weekly_price=5000, start_on=TODAY, now=NOW)
    withdrawn = vacancy(portal, ids)
    portal.withdraw_vacancy(SYSTEM, withdrawn)
    with pytest.raises(DomainError, match="This vacancy is withdrawn, so it cannot be offered"):
        offer(portal, ids, search_id, withdrawn)
    with pytest.raises(IllegalTransition, match="Offers for this home search closed at 13:00"):
        offer(portal, ids, search_id, vacancy(portal, ids), now=DEADLINE)
    search = portal.get_referral(weald, search_id)
    with pytest.raises(PermissionDenied, match="only offer your own"):
        search.make_offer(offer_id=uuid4(), vacancy=portal.get_vacancy(place),
                          weekly_price=1, start_on=TODAY, notes="", now=NOW,
                          actor=officer(ids["downs"]))
    with pytest.raises(SearchRefused) as refused:
        portal.offer_place(weald, search_id, vacancy_id=vacancy(portal, ids), weekly_price=0,
                           start_on=TODAY + timedelta(days=9), notes="x" * 1001, now=NOW)
    assert set(refused.value.errors) == {"weekly_price", "start_on", "notes"}
    assert [type(e).__name__ for e in portal.repository.event_store.get(search_id)] == [
        "Drafted", "Sent", "OfferMade"]
    assert portal.get_home_search(officer(ids["Kent"]), search_id).version == 3
    assert before < portal.last_position()  # only the test's own vacancies were stored


def test_a_provider_declines_with_a_reason_from_the_list_and_cannot_then_offer(portal, ids):
    search_id = sent_search(portal, ids)
    downs = officer(ids["downs"])
    with pytest.raises(DomainError, match="Choose why"):
        portal.decline_home_search(downs, search_id, decline_reason="bored", now=NOW)
    portal.decline_home_search(downs, search_id, decline_reason="matching",
                               reason="Two older boys live there", now=NOW)
    search = portal.get_home_search(officer(ids["Kent"]), search_id)
    assert search.declines == {ids["downs"]: "matching"}
    with pytest.raises(IllegalTransition, match="declined"):
        offer(portal, ids, search_id, vacancy(portal, ids, "downs"), provider="downs")
    offer(portal, ids, search_id, vacancy(portal, ids))
    with pytest.raises(IllegalTransition, match="already offered"):
        portal.decline_home_search(officer(ids["weald"]), search_id, decline_reason="other",
                                   now=NOW)


def test_the_offers_window_closes_by_the_clock_by_the_runner_or_early_by_the_officer(
        portal, ids):
    kent = officer(ids["Kent"])
    first = sent_search(portal, ids)
    second = sent_search(portal, ids, child_ref="CAAAAAAAAAAA2")
    assert portal.close_home_searches_past_deadline([first, second], now=NOW) == []
    assert portal.close_home_searches_past_deadline([first], now=DEADLINE) == [first]
    assert portal.close_home_searches_past_deadline([first], now=AFTER) == []
    assert portal.get_home_search(kent, first).status == CLOSED_TO_OFFERS
    events = list(portal.repository.event_store.get(first))
    assert events[-1].actor == SYSTEM and events[-1].reason == "The offers deadline passed"
    portal.close_home_search_to_offers(kent, second, now=NOW, reason="Enough offers")
    assert portal.get_home_search(kent, second).status == CLOSED_TO_OFFERS
    with pytest.raises(IllegalTransition):
        offer(portal, ids, second, vacancy(portal, ids))
    with pytest.raises(NotFound):
        portal.close_home_search_to_offers(officer(ids["Dorset"]), second, now=NOW)


def test_accepting_an_offer_places_the_child_fills_the_vacancy_and_releases_the_rest(
        portal, ids):
    kent = officer(ids["Kent"])
    search_id = sent_search(portal, ids, kent)
    chosen_place, other_place = vacancy(portal, ids), vacancy(portal, ids, "downs")
    chosen = offer(portal, ids, search_id, chosen_place, price=5350)
    other = offer(portal, ids, search_id, other_place, provider="downs")
    with pytest.raises(IllegalTransition, match="Offers are open until 13:00"):
        portal.accept_offer(kent, search_id, chosen, birth_month="2012-05", now=NOW)
    with pytest.raises(DomainError, match="new to the portal") as refused:
        portal.accept_offer(kent, search_id, chosen, now=AFTER)
    assert refused.value.field == "birth_month"
    with pytest.raises(NotFound):
        portal.accept_offer(officer(ids["Dorset"]), search_id, chosen, now=AFTER,
                            birth_month="2012-05")
    with pytest.raises(NotFound, match="no such offer"):
        portal.accept_offer(kent, search_id, uuid4(), now=AFTER, birth_month="2012-05")
    assert portal.get_home_search(kent, search_id).status == OFFERS_OPEN  # nothing half done

    ref, position = portal.accept_offer(kent, search_id, chosen, birth_month="2012-05",
                                        now=AFTER, reason="Closest to school")
    assert ref == placement_id(ids["Kent"], "CAAAAAAAAAAA1")
    search = portal.get_home_search(kent, search_id)
    assert search.status == PLACED and search.accepted_offer == chosen
    assert search.placement_ref == str(ref)
    assert search.offers[chosen]["status"] == OFFER_ACCEPTED
    assert search.offers[other]["status"] == OFFER_RELEASED
    assert [type(e).__name__ for e in portal.repository.event_store.get(search_id)][-3:] == [
        "ClosedToOffers", "OfferAccepted", "Placed"]
    filled = portal.get_vacancy(chosen_place)
    assert filled.status == FILLED
    fill_event = list(portal.repository.event_store.get(chosen_place))[-1]
    assert fill_event.placement_ref == str(ref)
    assert portal.get_vacancy(other_place).is_open
    placement = portal.get_placement(kent, ids["Kent"], "CAAAAAAAAAAA1")
    episode = placement.current
    assert (episode["place"], episode["place_provider"]) == ("K2", "PR4")
    assert episode["provider_id"] == ids["weald"] and episode["setting_id"] == ids[
        "weald_setting"]
    assert episode["weekly_cost"] == 5350 and episode["contract_route"] == "spot"
    assert episode["placement_postcode"] == "ME14" and episode["home_postcode"] == "ME14"
    assert episode["placement_authority_id"] == ids["Kent"] and episode["start"] == TODAY
    assert episode["legal_status"] == "C2" and placement.sex == "1"

    # A retried acceptance (a double click) answers with the same placement, storing nothing.
    assert portal.accept_offer(kent, search_id, chosen, birth_month="2012-05",
                               now=AFTER) == (ref, position)
    with pytest.raises(IllegalTransition, match="Another offer has already been accepted"):
        portal.accept_offer(kent, search_id, other, now=AFTER)
    assert portal.last_position() == position


def test_a_vacancy_taken_meanwhile_is_a_conflict_and_nothing_is_half_done(portal, ids):
    kent = officer(ids["Kent"])
    place = vacancy(portal, ids)
    first = sent_search(portal, ids, kent)
    second = sent_search(portal, ids, kent, child_ref="CAAAAAAAAAAA2")
    first_offer = offer(portal, ids, first, place)
    second_offer = offer(portal, ids, second, place)
    portal.accept_offer(kent, first, first_offer, birth_month="2012-05", now=AFTER)
    before = portal.last_position()
    with pytest.raises(Conflict, match="taken meanwhile"):
        portal.accept_offer(kent, second, second_offer, birth_month="2011-03", now=AFTER)
    assert portal.last_position() == before
    assert portal.get_home_search(kent, second).status == OFFERS_OPEN
    assert not portal.exists(placement_id(ids["Kent"], "CAAAAAAAAAAA2"))


def test_a_child_already_placed_by_the_authority_moves_to_the_offered_home(portal, ids):
    kent = officer(ids["Kent"])
    portal.start_placement(kent, authority_id=ids["Kent"], child_ref="CAAAAAAAAAAA1",
                           birth_month="2012-05", sex="1", uasc=False,
                           on=TODAY - timedelta(days=300), today=TODAY,
                           terms={"legal_status": "C2", "place": "U6", "place_provider": "PR1"})
    search_id = sent_search(portal, ids, kent)
    chosen = offer(portal, ids, search_id, vacancy(portal, ids))
    portal.accept_offer(kent, search_id, chosen, now=AFTER)
    placement = portal.get_placement(kent, ids["Kent"], "CAAAAAAAAAAA1")
    assert [e["place"] for e in placement.episodes] == ["U6", "K2"]
    assert placement.current["rne"] == "P"


def test_an_offer_starting_later_fills_the_vacancy_now_and_places_the_child_on_its_day(
        portal, ids):
    kent = officer(ids["Kent"])
    search_id = sent_search(portal, ids, kent)
    place, other_place = vacancy(portal, ids), vacancy(portal, ids, "downs")
    offer_id, _ = portal.offer_place(officer(ids["weald"]), search_id, vacancy_id=place,
                                     weekly_price=5000, start_on=TODAY + timedelta(days=2),
                                     now=NOW)
    other = offer(portal, ids, search_id, other_place, provider="downs")
    with pytest.raises(DomainError, match="new to the portal") as refused:
        portal.accept_offer(kent, search_id, offer_id, now=AFTER)
    assert refused.value.field == "birth_month"
    with pytest.raises(DomainError, match="month and year of birth"):
        portal.accept_offer(kent, search_id, offer_id, birth_month="May 2012", now=AFTER)
    assert portal.get_home_search(kent, search_id).status == OFFERS_OPEN

    ref, position = portal.accept_offer(kent, search_id, offer_id, birth_month="2012-05",
                                        now=AFTER)
    search = portal.get_home_search(kent, search_id)
    assert search.status == ACCEPTED and search.starts_on == TODAY + timedelta(days=2)
    assert search.placement_ref == str(ref) and search.offers[other]["status"] == OFFER_RELEASED
    assert search.pending_placement == {"birth_month": "2012-05", "uasc": False,
                                        "contract_route": "spot", "contract_id": None,
                                        "approval": None}
    assert [type(e).__name__ for e in portal.repository.event_store.get(search_id)][-2:] == [
        "OfferAccepted", "PlacementScheduled"]
    # The vacancy is taken at once, linked to the placement to come; no record starts early.
    assert portal.get_vacancy(place).status == FILLED
    assert list(portal.repository.event_store.get(place))[-1].placement_ref == str(ref)
    assert not portal.exists(ref)
    # A retried acceptance stores nothing.
    assert portal.accept_offer(kent, search_id, offer_id, birth_month="2012-05",
                               now=AFTER) == (ref, position)

    # The runner starts it on its day, once.
    assert portal.start_accepted_placements([search_id], now=AFTER + timedelta(days=1)) == (
        [], [])
    assert portal.last_position() == position
    day = AFTER + timedelta(days=2)
    assert portal.start_accepted_placements([search_id], now=day) == ([search_id], [])
    assert portal.start_accepted_placements([search_id], now=day) == ([], [])
    search = portal.get_home_search(kent, search_id)
    assert search.status == PLACED
    placement = portal.get_placement(kent, ids["Kent"], "CAAAAAAAAAAA1")
    assert placement.birth_month == "2012-05"
    assert placement.current["start"] == TODAY + timedelta(days=2)
    assert placement.current["setting_id"] == ids["weald_setting"]
    assert placement.current["weekly_cost"] == 5000
    events = list(portal.repository.event_store.get(search_id))
    assert type(events[-1]).__name__ == "Placed" and events[-1].actor == SYSTEM


def test_a_scheduled_placement_the_record_no_longer_allows_is_left_for_the_officer(
        portal, ids):
    kent = officer(ids["Kent"])
    search_id = sent_search(portal, ids, kent)
    offer_id, _ = portal.offer_place(officer(ids["weald"]), search_id,
                                     vacancy_id=vacancy(portal, ids), weekly_price=5000,
                                     start_on=TODAY + timedelta(days=2), now=NOW)
    portal.accept_offer(kent, search_id, offer_id, birth_month="2012-05", now=AFTER)
    # Meanwhile the officer records the child placed elsewhere, from a later day.
    portal.start_placement(kent, authority_id=ids["Kent"], child_ref="CAAAAAAAAAAA1",
                           birth_month="2012-05", sex="1", uasc=False,
                           on=TODAY + timedelta(days=3), today=TODAY + timedelta(days=3),
                           terms={"legal_status": "C2", "place": "U6", "place_provider": "PR1"})
    before = portal.last_position()
    assert portal.start_accepted_placements(
        [search_id], now=AFTER + timedelta(days=3)) == ([], [search_id])
    assert portal.last_position() == before
    assert portal.get_home_search(kent, search_id).status == ACCEPTED


def test_a_provider_offers_a_place_at_its_own_setting_and_acceptance_fills_no_vacancy(
        portal, ids):
    kent = officer(ids["Kent"])
    search_id = sent_search(portal, ids, kent)
    weald = officer(ids["weald"])
    kw = dict(weekly_price=5600, start_on=TODAY, now=NOW)
    with pytest.raises(NotFound):  # another provider's setting
        portal.offer_setting(weald, search_id, provider_id=ids["weald"],
                             setting_id=ids["downs_setting"], **kw)
    with pytest.raises(NotFound):  # offering for another provider
        portal.offer_setting(weald, search_id, provider_id=ids["downs"],
                             setting_id=ids["downs_setting"], **kw)
    with pytest.raises(SearchRefused) as refused:
        portal.offer_setting(weald, search_id, provider_id=ids["weald"],
                             setting_id=ids["weald_setting"], weekly_price=0,
                             start_on=TODAY - timedelta(days=1), now=NOW)
    assert set(refused.value.errors) == {"weekly_price", "start_on"}
    chosen, _ = portal.offer_setting(weald, search_id, provider_id=ids["weald"],
                                     setting_id=ids["weald_setting"], notes=" A room ", **kw)
    with pytest.raises(DomainError, match="setting has already been offered") as twice:
        portal.offer_setting(weald, search_id, provider_id=ids["weald"],
                             setting_id=ids["weald_setting"], **kw)
    assert twice.value.field == "setting_id"
    spare = vacancy(portal, ids)  # a vacancy at the same setting stays as it was
    made = portal.get_home_search(kent, search_id).offers[chosen]
    assert made["vacancy_id"] is None and made["setting_id"] == ids["weald_setting"]
    assert made["notes"] == "A room" and made["setting_type"] == "childrens_home"

    ref, position = portal.accept_offer(kent, search_id, chosen, birth_month="2012-05",
                                        now=AFTER)
    assert portal.get_home_search(kent, search_id).status == PLACED
    assert portal.get_vacancy(spare).is_open
    episode = portal.get_placement(kent, ids["Kent"], "CAAAAAAAAAAA1").current
    assert episode["setting_id"] == ids["weald_setting"] and episode["weekly_cost"] == 5600
    assert episode["placement_postcode"] == "ME14" and episode["start"] == TODAY
    assert portal.accept_offer(kent, search_id, chosen, now=AFTER) == (ref, position)


def test_a_setting_offer_must_suit_the_search():
    portal = Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    ids = region(portal)
    ids["fostering"], _ = portal.add_setting(
        SYSTEM, ids["weald"], name="Weald Fostering", setting_type="independent_fostering_agency",
        ofsted_urn=None, host_authority_id=ids["Kent"], postcode_district="ME14",
        registered_places=3)
    search_id = sent_search(portal, ids)
    with pytest.raises(DomainError, match="setting is not a kind of placement") as refused:
        portal.offer_setting(officer(ids["weald"]), search_id, provider_id=ids["weald"],
                             setting_id=ids["fostering"], weekly_price=900, start_on=TODAY,
                             now=NOW)
    assert refused.value.field == "setting_id"
    with pytest.raises(NotFound, match="no such home search"):
        portal.offer_setting(officer(ids["downs"]), sent_search(
            portal, ids, child_ref="CAAAAAAAAAAA2", to=("weald",)), provider_id=ids["downs"],
            setting_id=ids["downs_setting"], weekly_price=900, start_on=TODAY, now=NOW)


def test_the_placement_links_to_the_contract_it_is_bought_under(portal, ids):
    kent = officer(ids["Kent"])
    block, _ = portal.record_contract(
        SYSTEM, authority_id=ids["Kent"], provider_id=ids["weald"], route="block",
        title="Kent block", setting_type="childrens_home", places=2, weekly_price=4_900,
        start=TODAY - timedelta(days=30), end=TODAY + timedelta(days=300))
    with_downs, _ = portal.record_contract(
        SYSTEM, authority_id=ids["Kent"], provider_id=ids["downs"], route="framework",
        title="Downs framework", setting_type="childrens_home", places=None,
        weekly_price=4_900, start=TODAY - timedelta(days=30), end=TODAY + timedelta(days=300))
    search_id = sent_search(portal, ids, kent)
    now_offer = offer(portal, ids, search_id, vacancy(portal, ids))
    with pytest.raises(DomainError, match="contract is with a different provider"):
        portal.accept_offer(kent, search_id, now_offer, birth_month="2012-05", now=AFTER,
                            contract_route="framework", contract_id=with_downs)
    portal.accept_offer(kent, search_id, now_offer, birth_month="2012-05", now=AFTER,
                        contract_route="block", contract_id=block)
    episode = portal.get_placement(kent, ids["Kent"], "CAAAAAAAAAAA1").current
    assert (episode["contract_route"], episode["contract_id"]) == ("block", block)

    # Scheduled for later: the contract is checked now and kept for the start day.
    later = sent_search(portal, ids, kent, child_ref="CAAAAAAAAAAA2")
    later_offer, _ = portal.offer_setting(officer(ids["weald"]), later,
                                          provider_id=ids["weald"],
                                          setting_id=ids["weald_setting"], weekly_price=4_900,
                                          start_on=TODAY + timedelta(days=1), now=NOW)
    with pytest.raises(DomainError, match="contract is with a different provider"):
        portal.accept_offer(kent, later, later_offer, birth_month="2013-01", now=AFTER,
                            contract_route="framework", contract_id=with_downs)
    portal.accept_offer(kent, later, later_offer, birth_month="2013-01", now=AFTER,
                        contract_route="block", contract_id=block)
    portal.start_accepted_placements([later], now=AFTER + timedelta(days=1))
    episode = portal.get_placement(kent, ids["Kent"], "CAAAAAAAAAAA2").current
    assert (episode["contract_route"], episode["contract_id"]) == ("block", block)
    assert episode["start"] == TODAY + timedelta(days=1)
