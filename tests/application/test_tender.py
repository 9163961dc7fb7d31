"""Tender drafting and the stage machine: only the lead runs it, only legal moves, and every
refusal stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import DomainError, IllegalTransition, NotFound, PermissionDenied
from domain.tender_terms import TRANSITIONS
from portal.services.application import Portal
from tests.application.tender_world import (
    BID_DEADLINE,
    ENGAGEMENT_CLOSES,
    QUESTIONS,
    build_world,
    draft,
    run_to,
)


@pytest.fixture
def world():
    return build_world(Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}))


def refused(world, call, error=DomainError, match=None):
    """Run a command expected to be refused and check it stored nothing."""
    before = world.portal.last_position()
    with pytest.raises(error, match=match) as caught:
        call()
    assert world.portal.last_position() == before
    return caught.value


def test_a_draft_holds_the_lead_partners_lots_values_and_timetable(world):
    tender = world.portal.get_tender(draft(world))
    assert tender.stage == "draft"
    assert tender.lead_authority_id == world.kent
    assert [lot["lot_id"] for lot in tender.lots] == ["1", "2"]
    assert tender.lots[1]["places"] is None
    assert {p["name"]: p["key_decision_threshold"] for p in tender.partners} == {
        "Kent": 1_000_000, "Portsmouth": 500_000, "West Sussex": 5_000_000}
    # Kent's £20m and Portsmouth's £11.64m exceed their thresholds; West Sussex's £4m does not.
    assert {p["name"] for p in tender.key_decisions_needed()} == {"Kent", "Portsmouth"}
    assert tender.timetable == {"engagement_closes": ENGAGEMENT_CLOSES}
    assert tender.eligible_providers is None


@pytest.mark.parametrize(("change", "field"), [
    ({"title": "  "}, "title"),
    ({"description": ""}, "description"),
    ({"route": "auction"}, "route"),
    ({"estimated_annual_value": 0}, "estimated_annual_value"),
    ({"estimated_total_value": 1_000}, "estimated_total_value"),
    ({"term_months": 0}, "term_months"),
    ({"lots": []}, "lots"),
    # A lot's problem names its row: every lot's problem is reported at once.
    ({"lots": [{"name": "A", "setting_type": "castle", "area": "Kent"}]}, "lots.1"),
    ({"lots": [{"name": "A", "setting_type": "childrens_home", "area": "Kent",
                "age_from": 12, "age_to": 9}]}, "lots.1"),
    ({"lots": [{"name": "A", "setting_type": "childrens_home", "area": "Kent",
                "needs": ["flying"]}]}, "lots.1"),
    ({"partnership": "Dorset"}, "partnership"),
    ({"timetable": {"engagement_closes": datetime(2026, 2, 1)}}, "engagement_closes"),
    ({"timetable": {"engagement_closes": ENGAGEMENT_CLOSES,
                    "bid_deadline": ENGAGEMENT_CLOSES - timedelta(days=1)}}, "bid_deadline"),
    ({"eligible_providers": []}, "eligible_providers"),
])
def test_bad_drafts_are_refused_with_the_field(world, change, field):
    error = refused(world, lambda: draft(world, **change))
    assert error.field == field


def test_partners_must_include_the_lead_and_exist(world):
    error = refused(world, lambda: draft(world, partners=[
        {"authority_id": world.portsmouth, "share": 35_640_000}]))
    assert error.field == "lead"
    refused(world, lambda: draft(world, partners=[
        {"authority_id": world.kent, "share": 1}, {"authority_id": uuid4(), "share": 1}]),
        NotFound)
    refused(world, lambda: draft(world, partners=[
        {"authority_id": world.kent, "share": 1}, {"authority_id": world.kent, "share": 2}]))


def test_only_an_officer_of_the_lead_authority_drafts_and_runs_it(world):
    portsmouth = world.officer(world.portsmouth)
    refused(world, lambda: world.portal.draft_tender(
        portsmouth, lead_authority_id=world.kent, partnership="South East", title="T",
        description="D", route="framework", estimated_annual_value=1,
        estimated_total_value=1, term_months=12, lots=[], partners=[]), PermissionDenied)
    tender = draft(world)
    # A partner is told it may not; anyone else is told there is no such tender.
    refused(world, lambda: world.portal.set_questionnaire(portsmouth, tender,
                                                          questions=QUESTIONS),
            PermissionDenied)
    refused(world, lambda: world.portal.cancel_tender(world.officer(world.dorset), tender,
                                                      reason="Not ours"), NotFound)
    refused(world, lambda: world.portal.open_market_engagement(world.provider(world.weald),
                                                               tender), NotFound)


def test_a_draft_can_be_revised_and_nothing_else_can(world):
    made = run_to(world, "market_engagement")
    tender = made["tender"]
    refused(world, lambda: world.portal.revise_tender(world.lead, tender, title="New"),
            IllegalTransition, "Market engagement")
    other = draft(world)
    world.portal.revise_tender(world.lead, other, title="New title", term_months=60,
                               eligible_providers=[world.weald])
    revised = world.portal.get_tender(other)
    assert (revised.title, revised.term_months, revised.eligible_providers) == (
        "New title", 60, [world.weald])
    refused(world, lambda: world.portal.revise_tender(world.lead, other, stage="awarded"))


def test_opening_market_engagement_needs_a_questionnaire_a_future_close_and_whole_shares(
        world):
    tender = draft(world)
    refused(world, lambda: world.portal.open_market_engagement(world.lead, tender),
            match="questionnaire")
    world.portal.set_questionnaire(world.lead, tender, questions=QUESTIONS)
    world.portal.revise_tender(world.lead, tender, partners=[
        {"authority_id": world.kent, "share": 1_000}])
    error = refused(world, lambda: world.portal.open_market_engagement(world.lead, tender))
    assert error.field == "partners"
    world.portal.revise_tender(world.lead, tender, partners=[
        {"authority_id": world.kent, "share": 35_640_000}])
    world.clock.set(ENGAGEMENT_CLOSES)
    error = refused(world, lambda: world.portal.open_market_engagement(world.lead, tender))
    assert error.field == "engagement_closes"


def test_the_tender_moves_only_along_legal_transitions(world):
    made = run_to(world, "contracted")
    tender = world.portal.get_tender(made["tender"])
    assert tender.stage == "contracted"
    assert TRANSITIONS["contracted"] == frozenset()
    refused(world, lambda: world.portal.cancel_tender(world.lead, made["tender"],
                                                      reason="Too late"), IllegalTransition)
    refused(world, lambda: world.portal.open_bids(world.lead, made["tender"]),
            IllegalTransition)
    refused(world, lambda: world.portal.publish_invitation(world.lead, made["tender"]),
            IllegalTransition)


def test_a_market_engagement_only_tender_concludes_after_it_closes(world):
    tender = draft(world, route="market_engagement_only")
    world.portal.set_questionnaire(world.lead, tender, questions=QUESTIONS)
    refused(world, lambda: world.portal.set_evaluation(
        world.lead, tender, quality_questions=[{"text": "Q", "weight": 100}],
        quality_weight=50, price_weight=50), match="no bids")
    world.portal.open_market_engagement(world.lead, tender)
    refused(world, lambda: world.portal.conclude_market_engagement(world.lead, tender),
            match="still open")
    world.clock.set(ENGAGEMENT_CLOSES)
    refused(world, lambda: world.portal.publish_invitation(world.lead, tender),
            match="no invitation to tender")
    world.portal.conclude_market_engagement(world.lead, tender)
    assert world.portal.get_tender(tender).stage == "engagement_concluded"


def test_a_tender_can_skip_market_engagement_but_not_before_engagement_closes(world):
    made = run_to(world, "market_engagement")
    world.portal.set_tender_timetable(world.lead, made["tender"], timetable={
        "clarification_deadline": BID_DEADLINE - timedelta(days=7),
        "bid_deadline": BID_DEADLINE})
    refused(world, lambda: world.portal.publish_invitation(world.lead, made["tender"]),
            match="still open")
    straight = draft(world)
    world.portal.set_evaluation(world.lead, straight, quality_questions=[
        {"text": "Q", "weight": 100}], quality_weight=70, price_weight=30)
    world.portal.set_tender_timetable(world.lead, straight, timetable={
        "clarification_deadline": BID_DEADLINE - timedelta(days=7),
        "bid_deadline": BID_DEADLINE})
    world.portal.publish_invitation(world.lead, straight)
    assert world.portal.get_tender(straight).stage == "invitation_to_tender"


def test_cancelling_needs_a_reason_and_ends_the_tender(world):
    made = run_to(world, "bids")
    refused(world, lambda: world.portal.cancel_tender(world.lead, made["tender"], reason=" "))
    world.portal.cancel_tender(world.lead, made["tender"], reason="Budget withdrawn")
    assert world.portal.get_tender(made["tender"]).stage == "cancelled"
    refused(world, lambda: world.portal.submit_bid(
        world.provider(world.weald), made["tender"], provider_id=world.weald, lot_id="1",
        weekly_price=1, answers={"Q1": "a", "Q2": "b"}), IllegalTransition)


def test_the_timetable_keeps_its_order_and_passed_deadlines_stay_put(world):
    made = run_to(world, "invitation_to_tender")
    tender = made["tender"]
    refused(world, lambda: world.portal.set_tender_timetable(world.lead, tender, timetable={
        "bid_deadline": datetime(2026, 2, 20, tzinfo=UTC)}), match="cannot be before")
    # Engagement closed an hour ago: it cannot be moved.
    error = refused(world, lambda: world.portal.set_tender_timetable(
        world.lead, tender, timetable={"engagement_closes": ENGAGEMENT_CLOSES
                                       + timedelta(minutes=30)}))
    assert error.field == "engagement_closes"
    world.portal.set_tender_timetable(world.lead, tender, timetable={
        "bid_deadline": BID_DEADLINE + timedelta(days=7)}, reason="More time asked for")
    assert world.portal.get_tender(tender).timetable["bid_deadline"] == BID_DEADLINE + \
        timedelta(days=7)


def test_the_clock_must_be_timezone_aware(world):
    tender = draft(world)
    world.portal.set_questionnaire(world.lead, tender, questions=QUESTIONS)
    world.portal.clock = lambda: datetime(2026, 1, 5)
    with pytest.raises(ValueError, match="timezone-aware"):
        world.portal.open_market_engagement(world.lead, tender)


def test_a_share_exactly_at_the_threshold_needs_a_key_decision(world):
    # West Sussex's threshold is £5m here; "£5m or more" includes £5m itself.
    tender = world.portal.get_tender(draft(world, partners=[
        {"authority_id": world.kent, "share": 19_000_000},
        {"authority_id": world.portsmouth, "share": 11_640_000},
        {"authority_id": world.west_sussex, "share": 5_000_000}]))
    assert {p["name"] for p in tender.key_decisions_needed()} == {
        "Kent", "Portsmouth", "West Sussex"}
