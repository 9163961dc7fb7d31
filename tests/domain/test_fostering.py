"""In-house fostering returns: every figure checked at once, by field; a month recorded once,
corrected with a reason; nothing stored for a correction that changes nothing."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import DomainError, Refused
from domain.fostering import FIELDS, FosteringService, check_return
from tests.fostering_returns import figures

TODAY = date(2026, 5, 10)
OFFICER = Actor(uuid4(), uuid4())


def service() -> FosteringService:
    return FosteringService.start(OFFICER.organisation_id, actor=OFFICER)


def test_a_plausible_return_is_accepted_as_it_is():
    assert check_return(date(2026, 4, 1), figures(), today=TODAY) == figures()


def test_negative_counts_and_more_approvals_than_assessments_are_refused_field_by_field():
    with pytest.raises(Refused) as refused:
        check_return(date(2026, 4, 1), figures(enquiries=-1, households_kinship=-2,
                                               assessments=2, approvals=3),
                     today=TODAY)
    assert refused.value.errors == {
        "households_kinship": "Kinship (connected persons) households cannot be negative",
        "enquiries": "Enquiries cannot be negative",
        "approvals": "Households approved cannot be more than the assessments completed in "
                     "the month"}


def test_places_must_hold_their_households_and_the_children_living_in_them():
    with pytest.raises(Refused) as refused:
        check_return(date(2026, 4, 1), figures(places_mainstream=39, in_use_mainstream=30,
                                               in_use_short_break=7,
                                               resigned_other=None, applications="3"),
                     today=TODAY)
    errors = refused.value.errors
    assert set(errors) == {"places_mainstream", "in_use_short_break", "resigned_other",
                           "applications"}
    assert errors["places_mainstream"].startswith(
        "Mainstream approved places cannot be fewer than its households")
    assert errors["in_use_short_break"] == ("Short break places in use cannot be more than "
                                            "its approved places")
    assert errors["resigned_other"] == "Enter resignations: other reasons (0 if none)"
    assert errors["applications"] == "Applications must be a whole number"


def test_the_month_must_be_given_and_not_in_the_future():
    with pytest.raises(Refused) as refused:
        check_return(None, figures(), today=TODAY)
    assert refused.value.errors == {"month": "Enter the month the return is for"}
    with pytest.raises(Refused) as refused:
        check_return(date(2026, 6, 1), figures(), today=TODAY)
    assert refused.value.errors == {"month": "The month cannot be in the future"}
    # This month's return may be recorded before it ends (corrected later if need be).
    check_return(date(2026, 5, 1), figures(), today=TODAY)


def test_a_month_is_recorded_once_then_corrected_with_a_reason():
    fostering = service()
    fostering.record_return(date(2026, 4, 17), figures(), today=TODAY, actor=OFFICER)
    assert fostering.returns == {"2026-04-01": figures()}
    with pytest.raises(DomainError) as twice:
        fostering.record_return(date(2026, 4, 1), figures(), today=TODAY, actor=OFFICER)
    assert twice.value.message == ("The return for April 2026 is already recorded: correct "
                                   "it, giving the reason")
    with pytest.raises(Refused) as no_reason:
        fostering.correct_return(date(2026, 4, 1), figures(approvals=9), today=TODAY,
                                 actor=OFFICER, reason=" ")
    # Every problem at once: the figures' and the missing reason.
    assert set(no_reason.value.errors) == {"approvals", "reason"}
    assert fostering.correct_return(date(2026, 4, 1), figures(approvals=4), today=TODAY,
                                    actor=OFFICER, reason="Panel of 28 April missed")
    assert fostering.returns["2026-04-01"]["approvals"] == 4
    assert not fostering.correct_return(date(2026, 4, 1), figures(approvals=4), today=TODAY,
                                        actor=OFFICER, reason="Again")
    events = fostering.collect_events()
    assert [type(e).__name__ for e in events] == ["Started", "ReturnRecorded",
                                                  "ReturnCorrected"]
    assert events[2].reason == "Panel of 28 April missed"
    assert events[1].authority_id == OFFICER.organisation_id


def test_a_month_not_recorded_cannot_be_corrected():
    with pytest.raises(DomainError) as missing:
        service().correct_return(date(2026, 3, 1), figures(), today=TODAY, actor=OFFICER,
                                 reason="Late")
    assert missing.value.message == "There is no return for March 2026 to correct"


def test_every_figure_has_a_label():
    assert len(FIELDS) == 24 and all(FIELDS.values())
