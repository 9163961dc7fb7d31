"""Sealed bids: lodged, replaced and withdrawn before the deadline, refused after it, unread by
any council user until the lead opens them after the deadline (an audited event)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.bid import Bid
from domain.errors import DomainError, IllegalTransition, NotFound, PermissionDenied
from domain.sealing import BidSeal, SealBroken
from domain.tender import bid_id
from portal.services.application import Portal
from tests.application.tender_world import BID_DEADLINE, build_world, run_to
from tests.application.test_tender import refused

ANSWERS = {"Q1": "Small homes near schools", "Q2": "Level 3 diploma for all"}


@pytest.fixture
def world():
    return build_world(Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}))


def events(portal) -> int:
    return portal.recorder.max_notification_id() or 0


@pytest.fixture
def itt(world):
    return run_to(world, "invitation_to_tender")["tender"]


def bid(world, tender, provider, price=6_000, lot="1", answers=None):
    return world.portal.submit_bid(world.provider(provider), tender, provider_id=provider,
                                   lot_id=lot, weekly_price=price,
                                   answers=ANSWERS if answers is None else answers)


def test_a_bid_is_sealed_from_every_council_user_until_opened(world, itt):
    ref, _ = bid(world, itt, world.weald)
    assert ref == bid_id(itt, "1", world.weald)
    for council in (world.lead, world.officer(world.portsmouth),
                    world.users["evaluator_kent"]):
        refused(world, lambda c=council: world.portal.read_bid(c, ref), DomainError, "sealed")
    refused(world, lambda: world.portal.read_bid(world.officer(world.dorset), ref), NotFound)
    refused(world, lambda: world.portal.read_bid(world.provider(world.harbour), ref), NotFound)
    assert world.portal.read_bid(world.provider(world.weald), ref).weekly_price == 6_000
    # The tender itself knows only that a bid was lodged, not its content.
    assert world.portal.get_tender(itt).bids == {ref: {"lot_id": "1",
                                                       "provider_id": world.weald}}


def test_bids_open_only_after_the_deadline_and_then_council_users_read_them(world, itt):
    ref, _ = bid(world, itt, world.weald)
    world.clock.set(BID_DEADLINE - timedelta(seconds=1))
    refused(world, lambda: world.portal.open_bids(world.lead, itt), DomainError,
            "sealed until the bid deadline")
    world.clock.set(BID_DEADLINE)
    refused(world, lambda: world.portal.open_bids(world.officer(world.portsmouth), itt),
            PermissionDenied)
    world.portal.open_bids(world.lead, itt, reason="Deadline passed")
    opened = world.portal.read_bid(world.officer(world.portsmouth), ref)
    assert (opened.weekly_price, opened.opened) == (6_000, True)
    tender = world.portal.get_tender(itt)
    assert tender.stage == "evaluation"
    assert tender.opened_bids[ref]["weekly_price"] == 6_000
    events = world.portal.repository.get(ref).version
    assert events == 2  # submitted, opened


def test_late_bids_are_refused_with_a_clear_message(world, itt):
    bid(world, itt, world.weald)
    world.clock.set(BID_DEADLINE)
    error = refused(world, lambda: bid(world, itt, world.harbour))
    assert error.message == ("The bid deadline passed at 12:00 on 16 March 2026: late bids "
                             "cannot be accepted")
    refused(world, lambda: bid(world, itt, world.weald, price=5_000), DomainError,
            "late bids")
    refused(world, lambda: world.portal.withdraw_bid(world.provider(world.weald), itt,
                                                     provider_id=world.weald, lot_id="1"),
            DomainError, "late bids")


def test_a_provider_replaces_or_withdraws_its_bid_before_the_deadline(world, itt):
    ref, _ = bid(world, itt, world.weald, price=6_500)
    same, _ = bid(world, itt, world.weald, price=6_100)
    assert same == ref
    assert world.portal.read_bid(world.provider(world.weald), ref).weekly_price == 6_100
    world.portal.withdraw_bid(world.provider(world.weald), itt, provider_id=world.weald,
                              lot_id="1", reason="Cannot staff it")
    refused(world, lambda: world.portal.withdraw_bid(
        world.provider(world.weald), itt, provider_id=world.weald, lot_id="1"),
        IllegalTransition)
    other, _ = bid(world, itt, world.harbour)
    world.clock.set(BID_DEADLINE)
    world.portal.open_bids(world.lead, itt)
    tender = world.portal.get_tender(itt)
    # The withdrawn bid is never opened.
    assert set(tender.opened_bids) == {other}
    assert world.portal.repository.get(ref).opened is False
    refused(world, lambda: world.portal.read_bid(world.lead, ref), DomainError, "sealed")


def test_a_bid_can_be_made_again_after_withdrawing(world, itt):
    ref, _ = bid(world, itt, world.weald)
    world.portal.withdraw_bid(world.provider(world.weald), itt, provider_id=world.weald,
                              lot_id="1")
    bid(world, itt, world.weald, price=5_900)
    renewed = world.portal.read_bid(world.provider(world.weald), ref)
    assert (renewed.withdrawn, renewed.weekly_price) == (False, 5_900)


def test_the_same_bid_again_stores_nothing_but_a_change_or_a_bid_after_withdrawing_does(
        world, itt):
    """A retried submission (its reply lost, or its process ended after saving) names the
    bid already standing: nothing is stored twice."""
    ref, _ = bid(world, itt, world.weald, price=6_400)
    stored = events(world.portal)
    again, _ = bid(world, itt, world.weald, price=6_400)
    assert again == ref and events(world.portal) == stored
    bid(world, itt, world.weald, price=6_400, answers={**ANSWERS, "Q2": "Level 4 for leads"})
    assert events(world.portal) == stored + 1
    world.portal.withdraw_bid(world.provider(world.weald), itt, provider_id=world.weald,
                              lot_id="1")
    bid(world, itt, world.weald, price=6_400, answers={**ANSWERS, "Q2": "Level 4 for leads"})
    assert events(world.portal) == stored + 3
    assert world.portal.read_bid(world.provider(world.weald), ref).withdrawn is False


@pytest.mark.parametrize(("price", "answers", "field"), [
    (0, ANSWERS, "weekly_price"),
    (50_001, ANSWERS, "weekly_price"),
    ("6000", ANSWERS, "weekly_price"),
    (6_000, {"Q1": "Only one"}, "Q2"),
    (6_000, {**ANSWERS, "Q3": "Extra"}, "answers"),
])
def test_bad_bids_are_refused(world, itt, price, answers, field):
    error = refused(world, lambda: bid(world, itt, world.weald, price=price, answers=answers))
    assert error.field == field


def test_only_eligible_providers_bid_and_only_for_themselves(world, itt):
    refused(world, lambda: bid(world, itt, world.coast, lot="1"), DomainError, "not eligible")
    bid(world, itt, world.coast, lot="2")
    refused(world, lambda: bid(world, itt, world.weald, lot="9"), DomainError, "lots")
    refused(world, lambda: world.portal.submit_bid(
        world.provider(world.harbour), itt, provider_id=world.weald, lot_id="1",
        weekly_price=1, answers=ANSWERS), PermissionDenied)
    refused(world, lambda: world.portal.submit_bid(
        world.lead, itt, provider_id=world.weald, lot_id="1", weekly_price=1,
        answers=ANSWERS), PermissionDenied)


def test_no_bids_before_the_invitation_and_none_change_after_opening(world):
    made = run_to(world, "market_engagement")
    refused(world, lambda: bid(world, made["tender"], world.weald), IllegalTransition,
            "Market engagement")
    run = run_to(world, "evaluation")
    ref = run["bids"][world.weald]
    stored: Bid = world.portal.repository.get(ref)
    with pytest.raises(IllegalTransition):
        stored.replace(sealed=world.portal.bid_seal.seal({"weekly_price": 1,
                                                          "answers": ANSWERS}),
                       actor=world.lead, reason=None)


def test_a_bid_is_stored_encrypted_until_opening_records_it(world, itt):
    """Neither the price nor the answers of an unopened bid are in the event store in clear,
    not even for a bid withdrawn or replaced; opening records the content."""
    secret = {"Q1": "Our confidential staffing model", "Q2": "Nightingale training"}
    ref, _ = world.portal.submit_bid(world.provider(world.weald), itt, provider_id=world.weald,
                                     lot_id="1", weekly_price=6_789, answers=secret)
    world.portal.submit_bid(world.provider(world.weald), itt, provider_id=world.weald,
                            lot_id="1", weekly_price=6_543, answers=secret)

    def stored() -> bytes:
        return b"".join(e.state for e in world.portal.recorder.select_events(ref))

    # (A price is looked for by its field's name: digits alone could occur in a ciphertext.)
    for clear in (b"weekly_price", b"confidential", b"Nightingale"):
        assert clear not in stored()
    assert world.portal.read_bid(world.provider(world.weald), ref).weekly_price == 6_543
    world.clock.set(BID_DEADLINE + timedelta(minutes=1))
    world.portal.open_bids(world.lead, itt)
    assert b'"weekly_price":6543' in stored().replace(b" ", b"")
    assert b"Nightingale" in stored()
    assert stored().count(b"weekly_price") == 1  # the replaced price never enters in clear
    opened = world.portal.read_bid(world.lead, ref)
    assert (opened.weekly_price, opened.answers) == (6_543, secret)


def test_a_bid_altered_in_the_store_cannot_be_opened_and_nothing_is_stored(world, itt):
    ref, _ = bid(world, itt, world.weald)
    other = BidSeal.with_new_key().seal({"weekly_price": 1, "answers": ANSWERS})
    tampered: Bid = world.portal.repository.get(ref)
    tampered.replace(sealed=other, actor=world.provider(world.weald), reason=None)
    world.portal.save(tampered)  # as if the row were altered: sealed under another key
    world.clock.set(BID_DEADLINE + timedelta(minutes=1))
    before = events(world.portal)
    with pytest.raises(SealBroken, match="cannot be opened with this portal's key"):
        world.portal.open_bids(world.lead, itt)
    assert events(world.portal) == before
    assert world.portal.get_tender(itt).stage == "invitation_to_tender"


def test_a_bid_clashing_with_another_providers_write_to_the_tender_is_retried(world, itt):
    """Harbour's question is saved to the tender between Weald's loading it and saving its
    bid: Weald's save clashes, and the command loads the tender again and succeeds."""
    now = world.clock.now
    interleaved: list[bool] = []

    def clock():
        if not interleaved:
            interleaved.append(True)
            world.portal.ask_clarification(world.provider(world.harbour), itt,
                                           provider_id=world.harbour, question="Meanwhile?")
        return now

    world.portal.clock = clock
    ref, _ = bid(world, itt, world.weald)
    tender = world.portal.get_tender(itt)
    assert ref in tender.bids
    assert len(tender.clarifications) == 1
    assert world.portal.read_bid(world.provider(world.weald), ref).version == 1


def test_a_bid_that_keeps_clashing_is_refused_clearly_and_stores_nothing(world, itt):
    now = world.clock.now

    def clock():  # every attempt clashes with another provider's question
        if not getattr(clock, "busy", False):
            clock.busy = True
            try:
                world.portal.ask_clarification(world.provider(world.harbour), itt,
                                               provider_id=world.harbour, question="Again?")
            finally:
                clock.busy = False
        return now

    world.portal.clock = clock
    with pytest.raises(DomainError, match="at the same moment: nothing of yours was saved"):
        bid(world, itt, world.weald)
    assert not world.portal.exists(bid_id(itt, "1", world.weald))
    assert world.portal.get_tender(itt).bids == {}
