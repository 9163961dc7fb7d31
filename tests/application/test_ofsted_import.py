"""Importing Ofsted's register: every fact that changes is one event on the URN's record,
history is kept, the same file twice changes nothing, a stopped registration closes the
setting's vacancies, unmatched URNs are candidates, and a file with a bad row imports nothing."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import PermissionDenied
from domain.ofsted import OfstedRegistration
from domain.vacancy import WITHDRAWN
from portal.imports.register import run_register_import
from portal.imports.run import Upload
from tests.application.ofsted_world import TODAY, World, build
from tests.ofsted_files import LAYOUT, row, write_register

SYSTEM = Actor.system()


@pytest.fixture
def world(services) -> World:
    world = build(services.portal)
    services.projections.catch_up()
    return world


def rows(**changes) -> list[dict[str, str]]:
    base = {"SC700001": row("SC700001", name="Heath House"),
            "SC700002": row("SC700002", name="Ridge House", judgement="3"),
            "SC700003": row("SC700003", name="Vale Fostering", provider_type="Independent "
                            "fostering agency", places=None, judgement="1"),
            "SC799999": row("SC799999", name="Moor View", local_authority="Devon")}
    base.update(changes)
    return list(base.values())


def run(services, tmp_path, register_rows, *, actor=SYSTEM, name="register.csv",
        columns=LAYOUT):
    path = write_register(tmp_path / f"{uuid4().hex}.csv", register_rows, columns)
    report = run_register_import(services, actor=actor, upload=Upload(path, name),
                                 today=TODAY)
    services.projections.catch_up()
    return report


def events(services) -> int:
    return services.portal.last_position()


def test_matched_urns_are_recorded_with_one_event_per_fact(services, world, tmp_path):
    report = run(services, tmp_path, rows())
    assert report.ok, report.refused
    assert (report.rows, report.matched, report.registrations_changed) == (4, 3, 3)
    heath = services.portal.get_ofsted_registration("SC700001")
    assert heath.registration_status == "active"
    assert heath.places == 4
    assert heath.latest_inspection.judgement == "good"
    assert heath.latest_inspection.inspection_date == date(2025, 6, 10)
    # Recorded, registration, places, details, inspection: five events.
    assert [type(e).__name__ for e in services.portal.repository.event_store.get(heath.id)] \
        == ["Recorded", "RegistrationChanged", "PlacesChanged", "DetailsChanged",
            "InspectionRecorded"]
    # The fostering agency's URN is matched through its office, which carries none itself.
    assert services.portal.get_ofsted_registration("SC700003").latest_inspection.judgement \
        == "outstanding"
    # A URN no setting carries is offered as a new setting, and nothing is stored for it.
    assert [c.urn for c in report.candidates] == ["SC799999"]
    assert report.candidates[0].setting_name == "Moor View"
    assert services.portal.get_ofsted_registration("SC799999") is None


def test_importing_the_same_file_again_stores_nothing(services, world, tmp_path):
    run(services, tmp_path, rows())
    before = events(services)
    again = run(services, tmp_path, rows())
    assert again.ok
    assert (again.registrations_changed, again.events, again.position) == (0, 0, None)
    assert events(services) == before


def test_a_new_inspection_joins_the_history_and_the_earlier_one_is_kept(services, world,
                                                                         tmp_path):
    run(services, tmp_path, rows())
    newer = row("SC700001", name="Heath House", inspected=date(2026, 5, 4),
                published=date(2026, 6, 1), judgement="1")
    report = run(services, tmp_path, rows(SC700001=newer))
    assert (report.registrations_changed, report.events) == (1, 1)
    heath = services.portal.get_ofsted_registration("SC700001")
    assert [(i.inspection_date, i.judgement) for i in heath.inspections] == [
        (date(2025, 6, 10), "good"), (date(2026, 5, 4), "outstanding")]
    # An older file (the earlier inspection again) adds nothing and changes no judgement.
    older = run(services, tmp_path, rows())
    assert older.events == 0
    assert services.portal.get_ofsted_registration("SC700001").latest_inspection.judgement \
        == "outstanding"


def test_a_cancelled_registration_closes_the_settings_open_vacancies(services, world,
                                                                      tmp_path):
    run(services, tmp_path, rows())
    cancelled = row("SC700002", name="Ridge House", status="Cancelled", judgement="4",
                    inspected=date(2026, 3, 2), published=date(2026, 4, 1))
    report = run(services, tmp_path, rows(SC700002=cancelled))
    assert report.vacancies_closed == 1
    ridge = services.portal.get_vacancy(world.vacancies["Ridge House"])
    assert ridge.status == WITHDRAWN
    last = list(services.portal.repository.event_store.get(ridge.id))[-1]
    assert "cancelled" in last.reason and "SC700002" in last.reason
    # The other home keeps its vacancy.
    assert services.portal.get_vacancy(world.vacancies["Heath House"]).is_open
    # Importing it again closes nothing more and stores nothing.
    assert run(services, tmp_path, rows(SC700002=cancelled)).position is None


def test_a_suspension_in_the_first_import_closes_vacancies_too(services, world, tmp_path):
    suspended = row("SC700001", name="Heath House", status="Suspended")
    report = run(services, tmp_path, rows(SC700001=suspended))
    assert report.vacancies_closed == 1
    assert services.portal.get_vacancy(world.vacancies["Heath House"]).status == WITHDRAWN


BAD_ROWS = [
    (row("SC70001"), "URN", "is not an Ofsted URN"),
    (row("ABC"), "URN", "is not an Ofsted URN"),
    (row(""), "URN", "URN is blank"),
    (row("SC700001", judgement="7"), "Overall experiences and progress of children and young "
     "people", "must be Ofsted's code"),
    (row("SC700001", judgement="Excellent"), "Overall experiences", "must be Ofsted's code"),
    (row("SC700001", inspected="2025/06/10"), "Inspection date", "must be a real date"),
    (row("SC700001", registered="31/02/2020"), "Registration date", "must be a real date"),
    (row("SC700001", published="1st July"), "Inspection publication date",
     "must be a real date"),
    (row("SC700001", inspected=date(2030, 1, 1), published=None), "Inspection date",
     "cannot be in the future"),
    (row("SC700001", status="Open"), "Registration status", "must be one of"),
    (row("SC700001", places="four"), "Places", "whole number"),
    (row("SC700001", inspected=None, published=None, judgement="2"), "Inspection date",
     "but the row has a judgement"),
    (row("SC700001", published=date(2025, 1, 1)), "Inspection publication date",
     "before the inspection date"),
    (row("SC700001", name="Heath\x07House"), "Setting name", "control character"),
]


@pytest.mark.parametrize(("bad", "column", "reason"), BAD_ROWS,
                         ids=[f"{c}-{r}"[:40] for _, c, r in BAD_ROWS])
def test_a_file_with_a_bad_row_imports_nothing_and_says_which_line_and_why(
        services, world, tmp_path, bad, column, reason):
    before = events(services)
    report = run(services, tmp_path, [row("SC700002", name="Ridge House"), bad])
    assert not report.ok
    assert "cannot be read" in report.refused
    assert [(p.line, p.column.startswith(column.split()[0]), reason in p.reason)
            for p in report.problems] == [(3, True, True)], report.problems
    assert events(services) == before


def test_a_repeated_urn_is_a_bad_row(services, world, tmp_path):
    report = run(services, tmp_path, [row("SC700001"), row("SC700002"), row("sc700001")])
    assert [(p.line, p.column) for p in report.problems] == [(4, "URN")]
    assert "also on line 2" in report.problems[0].reason


def test_every_bad_row_is_listed_at_once(services, world, tmp_path):
    report = run(services, tmp_path, [row("X1"), row("SC700001", judgement="9"), row("Y2")])
    assert sorted(p.line for p in report.problems) == [2, 3, 4]
    assert report.refused.startswith("3 rows cannot be read")


def test_a_file_without_the_registers_columns_is_refused(services, world, tmp_path):
    columns = tuple(c for c in LAYOUT if c != "Registration status")
    report = run(services, tmp_path, rows(), columns=columns)
    assert not report.ok
    assert "missing the column Registration status" in report.refused
    assert report.problems == []


def test_only_a_platform_administrator_imports_the_register(services, world, tmp_path):
    officer = Actor(uuid4(), world.dorset)
    with pytest.raises(PermissionDenied):
        run(services, tmp_path, rows(), actor=officer)


def test_the_record_keeps_inspections_of_the_same_date_revised():
    from domain.ofsted import Inspection, RegisterEntry

    entry = RegisterEntry(urn="SC700001", registration_status="active",
                          registration_date=None, places=3,
                          details=dict.fromkeys(("provider_type", "provider_subtype",
                                                 "setting_name", "local_authority",
                                                 "owner"), ""),
                          inspection=Inspection(date(2025, 1, 1), None, "good"))
    record = OfstedRegistration.start("SC700001", actor=SYSTEM, reason=None)
    record.update(entry, actor=SYSTEM, reason=None)
    revised = RegisterEntry(**{**entry.__dict__, "inspection": Inspection(
        date(2025, 1, 1), date(2025, 2, 1), "requires_improvement")})
    record.update(revised, actor=SYSTEM, reason=None)
    assert [i.judgement for i in record.inspections] == ["requires_improvement"]
    assert sum(type(e).__name__ == "InspectionRecorded"
               for e in record.collect_events()) == 2
