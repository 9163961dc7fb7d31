"""An Ofsted registration record: one event per changed fact, history kept, nothing stored
when a row says what it holds, and a stopped registration told to the caller."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.actor import Actor
from domain.errors import DomainError
from domain.ofsted import Inspection, OfstedRegistration, RegisterEntry, registration_id

SYSTEM = Actor.system()
DETAILS = dict.fromkeys(("provider_type", "provider_subtype", "setting_name",
                         "local_authority", "owner"), "")


def entry(**changes) -> RegisterEntry:
    facts = dict(urn="SC700001", registration_status="active",
                 registration_date=date(2015, 4, 1), places=4, details=DETAILS,
                 inspection=Inspection(date(2025, 6, 10), date(2025, 7, 1), "good"))
    return RegisterEntry(**{**facts, **changes})


def events(record: OfstedRegistration) -> list[str]:
    return [type(e).__name__ for e in record.collect_events()]


def test_each_changed_fact_is_one_event_and_the_same_row_again_none():
    record = OfstedRegistration.start("SC700001", actor=SYSTEM, reason=None)
    assert record.id == registration_id("SC700001")
    assert record.update(entry(), actor=SYSTEM, reason="import") is False
    assert events(record) == ["Recorded", "RegistrationChanged", "PlacesChanged",
                              "DetailsChanged", "InspectionRecorded"]
    record.update(entry(), actor=SYSTEM, reason="import")
    assert events(record) == []
    record.update(entry(places=5), actor=SYSTEM, reason="import")
    assert events(record) == ["PlacesChanged"]


def test_inspections_are_kept_and_the_latest_by_date_stands():
    record = OfstedRegistration.start("SC700001", actor=SYSTEM, reason=None)
    record.update(entry(), actor=SYSTEM, reason=None)
    later = Inspection(date(2026, 5, 4), None, "inadequate")
    record.update(entry(inspection=later), actor=SYSTEM, reason=None)
    record.update(entry(), actor=SYSTEM, reason=None)  # an older file: nothing new
    assert [i.judgement for i in record.inspections] == ["good", "inadequate"]
    assert record.latest_inspection == later


@pytest.mark.parametrize("status", ["suspended", "resigned", "cancelled"])
def test_a_registration_that_stops_is_told_once(status):
    record = OfstedRegistration.start("SC700001", actor=SYSTEM, reason=None)
    record.update(entry(), actor=SYSTEM, reason=None)
    assert record.update(entry(registration_status=status), actor=SYSTEM, reason=None)
    assert not record.is_registered
    assert not record.update(entry(registration_status=status), actor=SYSTEM, reason=None)


@pytest.mark.parametrize(("changes", "field"), [
    ({"urn": "SC12"}, "urn"),
    ({"registration_status": "open"}, "registration_status"),
    ({"places": -1}, "places"),
    ({"inspection": Inspection(date(2025, 6, 10), date(2025, 1, 1), "good")},
     "publication_date"),
    ({"inspection": Inspection(date(2025, 6, 10), None, "excellent")}, "judgement"),
])
def test_a_row_that_breaks_a_rule_is_refused(changes, field):
    with pytest.raises(DomainError) as refused:
        entry(**changes)
    assert refused.value.field == field


def test_a_row_for_another_urn_is_refused():
    record = OfstedRegistration.start("SC700001", actor=SYSTEM, reason=None)
    with pytest.raises(DomainError):
        record.update(replace(entry(), urn="SC700002"), actor=SYSTEM, reason=None)
