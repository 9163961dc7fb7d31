"""Market engagement and clarifications: eligible providers answer once, amend until close,
ask privately; the lead answers privately or publishes without saying who asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import AlreadyExists, DomainError, IllegalTransition, NotFound, PermissionDenied
from domain.tender import response_id
from portal.services.application import Portal
from tests.application.tender_world import (
    CLARIFICATION_DEADLINE,
    ENGAGEMENT_CLOSES,
    build_world,
    draft,
    run_to,
)
from tests.application.test_tender import refused

ANSWERS = {"q1": 4, "q2": ["Kent", "West Sussex"], "q3": "Yes", "q4": "  We run 12 homes "}


@pytest.fixture
def world():
    return build_world(Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}))


@pytest.fixture
def open_tender(world):
    return run_to(world, "market_engagement")["tender"]


def respond(world, tender, provider, answers=None, actor=None):
    return world.portal.respond_to_engagement(actor or world.provider(provider), tender,
                                              provider_id=provider,
                                              answers=ANSWERS if answers is None else answers)


def test_an_eligible_provider_answers_once_and_amends_until_close(world, open_tender):
    ref, _ = respond(world, open_tender, world.weald)
    assert ref == response_id(open_tender, world.weald)
    response = world.portal.get_engagement_response(world.lead, open_tender, world.weald)
    assert response.answers == {"q1": 4, "q2": ["Kent", "West Sussex"], "q3": "Yes",
                                "q4": "We run 12 homes"}
    refused(world, lambda: respond(world, open_tender, world.weald), AlreadyExists,
            "already answered")
    world.portal.amend_engagement_response(world.provider(world.weald), open_tender,
                                           provider_id=world.weald,
                                           answers={"q1": 6, "q2": ["Kent"]})
    assert world.portal.get_engagement_response(
        world.lead, open_tender, world.weald).answers == {"q1": 6, "q2": ["Kent"]}
    world.clock.set(ENGAGEMENT_CLOSES)
    refused(world, lambda: world.portal.amend_engagement_response(
        world.provider(world.weald), open_tender, provider_id=world.weald,
        answers={"q1": 1, "q2": ["Kent"]}), DomainError, "closed")
    refused(world, lambda: respond(world, open_tender, world.harbour), DomainError, "closed")


def test_a_provider_cannot_answer_a_tender_it_is_not_eligible_for(world, open_tender):
    # Coast Fostering offers fostering, lot 2's type: eligible. A named list shuts others out.
    respond(world, open_tender, world.coast)
    named = draft(world, eligible_providers=[world.harbour])
    run_to(world, "market_engagement", tender=named)
    refused(world, lambda: respond(world, named, world.weald), DomainError, "not eligible")
    respond(world, named, world.harbour)
    homes_only = draft(world, lots=[{"name": "Homes", "setting_type": "childrens_home",
                                     "area": "Kent"}])
    run_to(world, "market_engagement", tender=homes_only)
    refused(world, lambda: respond(world, homes_only, world.coast), DomainError,
            "Coast Fostering is not eligible")
    respond(world, homes_only, world.summit)  # a provider of every kind


def test_a_provider_answers_only_for_itself_and_only_open_tenders(world, open_tender):
    refused(world, lambda: respond(world, open_tender, world.weald,
                                   actor=world.provider(world.harbour)), PermissionDenied)
    refused(world, lambda: respond(world, open_tender, world.weald,
                                   actor=world.officer(world.kent)), PermissionDenied)
    still_draft = draft(world)
    refused(world, lambda: respond(world, still_draft, world.weald), NotFound)
    other = world.provider(world.harbour)
    respond(world, open_tender, world.weald)
    refused(world, lambda: world.portal.get_engagement_response(other, open_tender,
                                                                world.weald), NotFound)
    refused(world, lambda: world.portal.get_engagement_response(
        world.officer(world.dorset), open_tender, world.weald), NotFound)
    world.portal.get_engagement_response(world.officer(world.portsmouth), open_tender,
                                         world.weald)


@pytest.mark.parametrize(("answers", "field"), [
    ({"q2": ["Kent"]}, "q1"),  # required number missing
    ({"q1": "four", "q2": ["Kent"]}, "q1"),
    ({"q1": 4, "q2": []}, "q2"),
    ({"q1": 4, "q2": ["Devon"]}, "q2"),
    ({"q1": 4, "q2": ["Kent"], "q3": "Maybe"}, "q3"),
    ({"q1": 4, "q2": ["Kent"], "q9": "?"}, "answers"),
    ({"q1": 4, "q2": ["Kent"], "q4": "x" * 5_001}, "q4"),
])
def test_bad_answers_are_refused_with_the_question(world, open_tender, answers, field):
    error = refused(world, lambda: respond(world, open_tender, world.weald, answers))
    assert error.field == field


@pytest.mark.parametrize("questions", [
    [],
    [{"text": "", "kind": "text"}],
    [{"text": "Which?", "kind": "single", "options": ["Only one"]}],
    [{"text": "Which?", "kind": "multiple", "options": ["A", "A"]}],
    [{"text": "How many?", "kind": "number", "options": ["1"]}],
    [{"text": "What?", "kind": "essay"}],
])
def test_bad_questionnaires_are_refused(world, questions):
    tender = draft(world)
    error = refused(world, lambda: world.portal.set_questionnaire(world.lead, tender,
                                                                  questions=questions))
    assert error.field == ("questions" if not questions else "questions.1")


def test_the_questionnaire_is_fixed_once_engagement_opens(world, open_tender):
    refused(world, lambda: world.portal.set_questionnaire(
        world.lead, open_tender, questions=[{"text": "New?", "kind": "text"}]),
        IllegalTransition)


def test_clarifications_are_asked_privately_and_answered_or_published(world, open_tender):
    asker = world.provider(world.weald)
    private, _ = world.portal.ask_clarification(asker, open_tender, provider_id=world.weald,
                                                question="Is the Kent lot one site?",
                                                lot_id="1")
    public, _ = world.portal.ask_clarification(asker, open_tender, provider_id=world.weald,
                                               question="Weald Homes asks: is TUPE likely?")
    world.portal.answer_clarification(world.lead, open_tender, private,
                                      answer="No, several", publish=False)
    world.portal.answer_clarification(world.lead, open_tender, public, answer="Not expected",
                                      publish=True, question="Is TUPE likely to apply?")
    clarifications = world.portal.get_tender(open_tender).clarifications
    assert clarifications[private]["published"] is False
    assert clarifications[public]["published_question"] == "Is TUPE likely to apply?"
    refused(world, lambda: world.portal.answer_clarification(
        world.lead, open_tender, public, answer="Again", publish=False), DomainError,
        "already been answered")
    refused(world, lambda: world.portal.answer_clarification(
        world.officer(world.portsmouth), open_tender, private, answer="x", publish=False),
        PermissionDenied)


def test_clarification_deadlines_and_eligibility(world):
    made = run_to(world, "invitation_to_tender")
    tender = made["tender"]
    refused(world, lambda: world.portal.ask_clarification(
        world.provider(world.coast), tender, provider_id=world.coast, question="Homes?",
        lot_id="1"), DomainError, "not eligible")
    refused(world, lambda: world.portal.ask_clarification(
        world.provider(world.weald), tender, provider_id=world.weald, question=" "))
    world.clock.set(CLARIFICATION_DEADLINE)
    refused(world, lambda: world.portal.ask_clarification(
        world.provider(world.weald), tender, provider_id=world.weald, question="Late?"),
        DomainError, "deadline for clarification questions has passed")


def test_a_question_asked_before_the_deadline_can_be_answered_until_bids_are_due(world):
    made = run_to(world, "invitation_to_tender")
    asked, _ = world.portal.ask_clarification(world.provider(world.weald), made["tender"],
                                              provider_id=world.weald, question="Parking?")
    world.clock.set(CLARIFICATION_DEADLINE + timedelta(days=1))
    world.portal.answer_clarification(world.lead, made["tender"], asked, answer="Yes",
                                      publish=True)
    assert world.portal.get_tender(made["tender"]).clarifications[asked]["answer"] == "Yes"
