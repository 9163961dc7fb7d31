"""Evaluation, award and contracts: the panel scores, the moderator agrees, the lead awards
only with every score and key decision, after a standstill contracts follow."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.contract import Contract
from domain.errors import AlreadyExists, DomainError, IllegalTransition, NotFound
from domain.tender_terms import add_working_days
from portal.services.application import Portal
from tests.application.tender_world import STANDSTILL_ENDS, build_world, run_to
from tests.application.test_tender import refused


@pytest.fixture
def world():
    return build_world(Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}))


def test_weights_are_fixed_before_bids_open(world):
    made = run_to(world, "invitation_to_tender")
    refused(world, lambda: world.portal.set_evaluation(
        world.lead, made["tender"], quality_questions=[{"text": "Q", "weight": 100}],
        quality_weight=10, price_weight=90), IllegalTransition)


@pytest.mark.parametrize(("questions", "quality", "price", "field"), [
    ([{"text": "Q", "weight": 100}], 60, 30, "quality_weight"),
    ([{"text": "Q", "weight": 90}], 60, 40, "quality_questions"),
    ([{"text": "", "weight": 100}], 60, 40, "quality_questions.1"),
    ([{"text": "Q", "weight": 100}], -10, 110, "quality_weight"),
])
def test_bad_evaluation_settings_are_refused(world, questions, quality, price, field):
    made = run_to(world, "draft")
    error = refused(world, lambda: world.portal.set_evaluation(
        world.lead, made["tender"], quality_questions=questions, quality_weight=quality,
        price_weight=price))
    assert error.field == field


def test_the_panel_comes_from_the_partners_and_only_it_scores(world):
    made = run_to(world, "evaluation")
    tender, weald = made["tender"], made["bids"][world.weald]
    refused(world, lambda: world.portal.record_scores(world.lead, tender, weald,
                                                      scores={"Q1": 3, "Q2": 3}),
            DomainError, "Only an evaluator")
    refused(world, lambda: world.portal.record_scores(
        world.users["dorset_officer"], tender, weald, scores={"Q1": 3, "Q2": 3}), NotFound)
    evaluator = world.users["evaluator_kent"]
    refused(world, lambda: world.portal.record_scores(evaluator, tender, weald,
                                                      scores={"Q1": 6, "Q2": 3}))
    refused(world, lambda: world.portal.record_scores(evaluator, tender, weald,
                                                      scores={"Q1": 3}))
    world.portal.record_scores(evaluator, tender, weald, scores={"Q1": 3, "Q2": 3})
    # Scoring has begun: the panel is fixed.
    refused(world, lambda: world.portal.appoint_evaluation_panel(
        world.lead, tender, evaluators=[world.users["evaluator_kent"].user_id],
        moderator=world.users["moderator"].user_id), DomainError, "panel")
    # The moderator agrees only once every evaluator has scored.
    refused(world, lambda: world.portal.moderate_scores(
        world.users["moderator"], tender, weald, scores={"Q1": 3, "Q2": 3}), DomainError,
        "1 evaluator has not scored this bid yet")
    refused(world, lambda: world.portal.moderate_scores(
        evaluator, tender, weald, scores={"Q1": 3, "Q2": 3}), DomainError, "moderator")


def test_the_panel_must_be_partners_people_and_the_moderator_apart(world):
    made = run_to(world, "invitation_to_tender")
    tender = made["tender"]
    refused(world, lambda: world.portal.appoint_evaluation_panel(
        world.lead, tender, evaluators=[world.users["dorset_officer"].user_id],
        moderator=world.users["moderator"].user_id), DomainError, "not in the lead")
    kent = world.users["evaluator_kent"].user_id
    refused(world, lambda: world.portal.appoint_evaluation_panel(
        world.lead, tender, evaluators=[kent], moderator=kent), DomainError, "other than")


def test_rankings_weigh_quality_and_price(world):
    made = run_to(world, "scored")
    ranking = world.portal.get_tender(made["tender"]).ranking("1")
    assert [(r["provider_id"], r["rank"]) for r in ranking] == [(world.weald, 1),
                                                                (world.harbour, 2)]
    # Weald: quality (5/5*60 + 4/5*40)/100*60 = 55.2; price 5800/6200*40 = 37.42.
    assert (ranking[0]["quality_score"], ranking[0]["price_score"],
            ranking[0]["total_score"]) == (55.2, 37.42, 92.62)
    assert ranking[1]["total_score"] == 36.0 + 40.0


def test_no_award_without_every_score_agreed(world):
    made = run_to(world, "evaluation")
    tender, weald = made["tender"], made["bids"][world.weald]
    world.portal.record_key_decision(world.lead, tender, authority_id=world.kent,
                                     reference="21/00094", taken_on=date(2026, 3, 1))
    world.portal.record_key_decision(world.lead, tender, authority_id=world.portsmouth,
                                     reference="P1", taken_on=date(2026, 3, 1))
    for key in ("evaluator_kent", "evaluator_portsmouth"):
        world.portal.record_scores(world.users[key], tender, weald, scores={"Q1": 4, "Q2": 4})
    world.portal.moderate_scores(world.users["moderator"], tender, weald,
                                 scores={"Q1": 4, "Q2": 4})
    error = refused(world, lambda: world.portal.award_tender(
        world.lead, tender, awards={"1": [weald]}, standstill_ends=STANDSTILL_ENDS))
    assert error.message == "Lot 1: 1 bid has no agreed scores yet"


def test_no_award_without_the_key_decisions_the_partners_need(world):
    made = run_to(world, "scored")
    tender, weald = made["tender"], made["bids"][world.weald]
    other = run_to(world, "evaluation")  # a second tender: scores but no key decisions
    for bid in other["bids"].values():
        for key in ("evaluator_kent", "evaluator_portsmouth"):
            world.portal.record_scores(world.users[key], other["tender"], bid,
                                       scores={"Q1": 4, "Q2": 4})
        world.portal.moderate_scores(world.users["moderator"], other["tender"], bid,
                                     scores={"Q1": 4, "Q2": 4})
    error = refused(world, lambda: world.portal.award_tender(
        world.lead, other["tender"], awards={"1": [other["bids"][world.weald]]},
        standstill_ends=STANDSTILL_ENDS))
    assert error.field == "key_decisions"
    assert error.message == ("Record the key decisions of Kent and Portsmouth before award: "
                             "their shares reach their key-decision thresholds")
    # West Sussex's share is under its threshold: it needs none. The first tender has both.
    world.portal.award_tender(world.lead, tender, awards={"1": [weald]},
                              standstill_ends=STANDSTILL_ENDS)


def test_key_decisions_are_recorded_by_the_partner_or_the_lead(world):
    made = run_to(world, "bids")
    tender = made["tender"]
    refused(world, lambda: world.portal.record_key_decision(
        world.officer(world.west_sussex), tender, authority_id=world.portsmouth,
        reference="X", taken_on=date(2026, 1, 1)), DomainError, "Only the lead or that")
    refused(world, lambda: world.portal.record_key_decision(
        world.officer(world.dorset), tender, authority_id=world.dorset, reference="X",
        taken_on=date(2026, 1, 1)), NotFound)
    refused(world, lambda: world.portal.record_key_decision(
        world.lead, tender, authority_id=world.dorset, reference="X",
        taken_on=date(2026, 1, 1)), DomainError, "partner")
    refused(world, lambda: world.portal.record_key_decision(
        world.lead, tender, authority_id=world.kent, reference="X",
        taken_on=date(2027, 1, 1)), DomainError, "future")
    world.portal.record_key_decision(world.officer(world.west_sussex), tender,
                                     authority_id=world.west_sussex, reference="WSCC 7",
                                     taken_on=date(2026, 1, 1))
    assert world.portal.get_tender(tender).key_decisions[world.west_sussex]["reference"] == \
        "WSCC 7"


def test_award_rules(world):
    made = run_to(world, "scored")
    tender, weald, harbour = (made["tender"], made["bids"][world.weald],
                              made["bids"][world.harbour])
    refused(world, lambda: world.portal.award_tender(
        world.lead, tender, awards={"1": [weald, harbour]}, standstill_ends=STANDSTILL_ENDS),
        DomainError, "one bid")
    refused(world, lambda: world.portal.award_tender(
        world.lead, tender, awards={"2": [weald]}, standstill_ends=STANDSTILL_ENDS),
        DomainError, "Lot 2")
    refused(world, lambda: world.portal.award_tender(
        world.lead, tender, awards={}, standstill_ends=STANDSTILL_ENDS))
    # 16 March 12:01 + eight working days = 27 March: 17 March, St Patrick's Day, is a bank
    # holiday in Northern Ireland, so it is not a working day.
    error = refused(world, lambda: world.portal.award_tender(
        world.lead, tender, awards={"1": [weald]}, standstill_ends=date(2026, 3, 26)))
    assert "27 March 2026" in error.message
    world.portal.award_tender(world.lead, tender, awards={"1": [weald]},
                              standstill_ends=date(2026, 3, 27))
    assert world.portal.get_tender(tender).stage == "awarded"


def test_contracts_follow_the_standstill_and_feed_the_contract_register(world):
    made = run_to(world, "awarded")
    tender, weald = made["tender"], made["bids"][world.weald]
    world.clock.set(datetime(2026, 4, 9, 23, tzinfo=UTC))
    refused(world, lambda: world.portal.enter_tender_contract(
        world.lead, tender, bid_id=weald, authority_id=world.kent, places=10,
        start=date(2026, 5, 1), end=date(2031, 4, 30)), DomainError, "standstill")
    world.clock.set(datetime(2026, 4, 10, 9, tzinfo=UTC))
    refused(world, lambda: world.portal.enter_tender_contract(
        world.lead, tender, bid_id=made["bids"][world.harbour], authority_id=world.kent,
        places=10, start=date(2026, 5, 1), end=date(2031, 4, 30)), DomainError, "awarded")
    refused(world, lambda: world.portal.enter_tender_contract(
        world.lead, tender, bid_id=weald, authority_id=world.dorset, places=10,
        start=date(2026, 5, 1), end=date(2031, 4, 30)), DomainError, "partner")
    refused(world, lambda: world.portal.enter_tender_contract(
        world.lead, tender, bid_id=weald, authority_id=world.kent, places=10,
        start=date(2026, 5, 1), end=date(2036, 5, 2)), DomainError, "term")
    refused(world, lambda: world.portal.enter_tender_contract(
        world.lead, tender, bid_id=weald, authority_id=world.kent, places=None,
        start=date(2026, 5, 1), end=date(2031, 4, 30)), DomainError, "block contract")
    contract_id, _ = world.portal.enter_tender_contract(
        world.lead, tender, bid_id=weald, authority_id=world.kent, places=10,
        start=date(2026, 5, 1), end=date(2031, 4, 30))
    contract = world.portal.get_contract(world.lead, contract_id)
    assert isinstance(contract, Contract)
    assert (contract.route, contract.provider_id, contract.weekly_price, contract.places,
            contract.tender_id, contract.setting_type, contract.title) == (
        "block", world.weald, 6_200, 10, tender, "childrens_home",
        "South East complex needs: Complex needs homes")
    assert world.portal.get_tender(tender).stage == "contracted"
    refused(world, lambda: world.portal.enter_tender_contract(
        world.lead, tender, bid_id=weald, authority_id=world.kent, places=2,
        start=date(2026, 5, 1), end=date(2031, 4, 30)), DomainError, "already has")
    refused(world, lambda: world.portal.enter_tender_contract(
        world.lead, tender, bid_id=weald, authority_id=world.west_sussex, places=2,
        start=date(2026, 5, 1), end=date(2031, 4, 30), contract_id=contract_id),
        AlreadyExists)
    # Lot 1 buys 15 places: Kent has 10, so Portsmouth may have 5 and no more.
    error = refused(world, lambda: world.portal.enter_tender_contract(
        world.lead, tender, bid_id=weald, authority_id=world.portsmouth, places=6,
        start=date(2026, 5, 1), end=date(2031, 4, 30)))
    assert (error.field, error.message) == (
        "places", "Lot 1 buys 15 places and 10 are already contracted: at most 5 more")
    world.portal.enter_tender_contract(world.lead, tender, bid_id=weald,
                                       authority_id=world.portsmouth, places=5,
                                       start=date(2026, 5, 1), end=date(2031, 4, 30))


def test_a_framework_lot_can_be_awarded_to_several_providers(world):
    made = run_to(world, "scored", route="framework")
    bids = list(made["bids"].values())
    world.portal.award_tender(world.lead, made["tender"], awards={"1": bids},
                              standstill_ends=STANDSTILL_ENDS)
    world.clock.set(datetime(2026, 4, 10, 9, tzinfo=UTC))
    contract_id, _ = world.portal.enter_tender_contract(
        world.lead, made["tender"], bid_id=bids[1], authority_id=world.portsmouth,
        places=None, start=date(2026, 5, 1), end=date(2030, 4, 30))
    assert world.portal.get_contract(world.officer(world.portsmouth),
                                     contract_id).route == "framework"


@pytest.mark.parametrize(("awarded", "earliest"), [
    # Friday 18 December 2026: Christmas Day, Boxing Day (observed Monday 28th), New Year's Day
    # and 2 January (Scotland, observed Monday 4th) are not working days.
    (date(2026, 12, 18), date(2027, 1, 5)),
    # Thursday 2 April 2026: Good Friday and Easter Monday.
    (date(2026, 4, 2), date(2026, 4, 16)),
    # An ordinary fortnight in September: weekends only.
    (date(2026, 9, 7), date(2026, 9, 17)),
])
def test_standstill_working_days_leave_out_every_uk_bank_holiday(awarded, earliest):
    assert add_working_days(awarded, 8) == earliest
