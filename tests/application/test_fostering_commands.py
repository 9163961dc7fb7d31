"""In-house fostering returns through the application: an officer records their own
authority's months, corrects one with a reason, and imports a file whole or not at all; the
read model follows; another authority's officer cannot touch them."""

from __future__ import annotations

import csv
from datetime import date
from uuid import uuid4

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from domain.errors import DomainError, PermissionDenied, Refused
from domain.fostering import FIELDS, fostering_service_id
from portal.imports.fostering import COLUMNS, read_returns, sample_csv
from projections.fostering import fostering_returns
from tests.fostering_returns import figures

SYSTEM = Actor.system()
TODAY = date(2026, 5, 10)


@pytest.fixture
def councils(services):
    ids = []
    for la, ons, name in (("838", "E06000059", "Dorset"), ("886", "E10000016", "Kent")):
        authority, _ = services.portal.register_authority(
            SYSTEM, la_code=la, ons_code=ons, name=name, population_0_17=100_000,
            partnerships=["South"], key_decision_threshold=500_000)
        ids.append(authority)
    return ids


def stored(services, authority) -> dict:
    services.projections.catch_up()
    t = fostering_returns
    with services.engine.connect() as c:
        return {r.month: r for r in c.execute(sa.select(t).where(t.c.authority_id == authority))}


def write(tmp_path, months: list[tuple[str, dict]], columns=None) -> object:
    path = tmp_path / "returns.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        header = list(columns or COLUMNS)
        writer.writerow(header)
        for month, values in months:
            writer.writerow([month, *[values.get(k.lower(), "") for k in header[1:]]])
    return path


def test_an_officer_records_and_corrects_their_authoritys_returns(services, councils):
    dorset = councils[0]
    officer = Actor(uuid4(), dorset)
    portal = services.portal
    portal.record_fostering_return(officer, dorset, month=date(2026, 3, 1), figures=figures(),
                                   today=TODAY)
    portal.record_fostering_return(officer, dorset, month=date(2026, 4, 1),
                                   figures=figures(approvals=2), today=TODAY)
    portal.correct_fostering_return(officer, dorset, month=date(2026, 4, 1),
                                    figures=figures(approvals=1), reason="Panel moved",
                                    today=TODAY)
    rows = stored(services, dorset)
    assert sorted(rows) == [date(2026, 3, 1), date(2026, 4, 1)]
    assert (rows[date(2026, 4, 1)].approvals, rows[date(2026, 4, 1)].corrections) == (1, 1)
    assert rows[date(2026, 3, 1)].households_mainstream == 40
    # An unchanged correction stores nothing.
    before = portal.last_position()
    portal.correct_fostering_return(officer, dorset, month=date(2026, 4, 1),
                                    figures=figures(approvals=1), reason="Again", today=TODAY)
    assert portal.last_position() == before


def test_another_authoritys_officer_cannot_record_or_correct(services, councils):
    dorset, kent = councils
    services.portal.record_fostering_return(SYSTEM, dorset, month=date(2026, 3, 1),
                                            figures=figures(), today=TODAY)
    stranger = Actor(uuid4(), kent)
    with pytest.raises(PermissionDenied):
        services.portal.record_fostering_return(stranger, dorset, month=date(2026, 4, 1),
                                                figures=figures(), today=TODAY)
    with pytest.raises(PermissionDenied):
        services.portal.correct_fostering_return(stranger, dorset, month=date(2026, 3, 1),
                                                 figures=figures(approvals=0), reason="x",
                                                 today=TODAY)
    assert len(services.portal.get_fostering_service(dorset).returns) == 1


def test_a_bad_return_is_refused_field_by_field_and_stores_nothing(services, councils):
    before = services.portal.last_position()
    with pytest.raises(Refused) as refused:
        services.portal.record_fostering_return(
            Actor(uuid4(), councils[0]), councils[0], month=date(2026, 4, 1),
            figures=figures(enquiries=-3, assessments=1, approvals=2), today=TODAY)
    assert set(refused.value.errors) == {"enquiries", "approvals"}
    assert services.portal.last_position() == before
    assert not services.portal.exists(fostering_service_id(councils[0]))


def test_the_sample_layout_imports_and_a_second_import_changes_nothing(services, councils,
                                                                       tmp_path):
    path = tmp_path / "sample.csv"
    path.write_text(sample_csv(), encoding="utf-8")
    read = read_returns(path, "sample.csv", today=TODAY)
    assert read.ok and [m for m, _ in read.returns] == [date(2026, 3, 1), date(2026, 4, 1)]
    officer = Actor(uuid4(), councils[1])
    done = services.portal.import_fostering_returns(officer, councils[1], returns=read.returns,
                                                    file_name="sample.csv", today=TODAY)
    assert (done.recorded, done.corrected, done.unchanged) == (2, 0, 0)
    again = services.portal.import_fostering_returns(officer, councils[1], returns=read.returns,
                                                     file_name="sample.csv", today=TODAY)
    assert (again.recorded, again.corrected, again.unchanged) == (0, 0, 2)
    assert again.position == done.position
    assert stored(services, councils[1])[date(2026, 4, 1)].file_name == "sample.csv"


def test_a_file_correcting_a_month_needs_a_reason_and_imports_whole(services, councils,
                                                                    tmp_path):
    kent = councils[1]
    officer = Actor(uuid4(), kent)
    services.portal.record_fostering_return(officer, kent, month=date(2026, 3, 1),
                                            figures=figures(), today=TODAY)
    path = write(tmp_path, [("2026-03", figures(approvals=4)), ("2026-04", figures())])
    read = read_returns(path, "returns.csv", today=TODAY)
    before = services.portal.last_position()
    with pytest.raises(Refused) as refused:
        services.portal.import_fostering_returns(officer, kent, returns=read.returns,
                                                 file_name="returns.csv", today=TODAY)
    assert refused.value.errors == {"reason": "The file changes the return already recorded "
                                              "for March 2026: enter the reason for the "
                                              "correction"}
    assert services.portal.last_position() == before  # April was not recorded either
    done = services.portal.import_fostering_returns(
        officer, kent, returns=read.returns, file_name="returns.csv", reason="Late approval",
        today=TODAY)
    assert (done.recorded, done.corrected) == (1, 1)
    rows = stored(services, kent)
    assert (rows[date(2026, 3, 1)].approvals, rows[date(2026, 3, 1)].corrections) == (4, 1)


def test_a_file_with_bad_rows_is_refused_row_by_row_with_line_numbers(tmp_path):
    path = write(tmp_path, [("2026-03", figures()),
                            ("March", figures(enquiries=-1)),
                            ("2026-04", figures(assessments=1, approvals=3, applications="x")),
                            ("2026-03", figures()),
                            ("2026-09", figures())])
    read = read_returns(path, "returns.csv", today=TODAY)
    assert not read.ok and read.returns == [(date(2026, 3, 1), figures())]
    assert [(p.line, p.column, p.reason) for p in read.problems] == [
        (3, "MONTH", "The month must be written like 2026-04, not 'March'"),
        (3, "ENQUIRIES", "Enquiries cannot be negative"),
        (4, "APPLICATIONS", "Applications must be a whole number"),
        (4, "APPROVALS", "Households approved cannot be more than the assessments completed "
                         "in the month"),
        (5, "MONTH", "March 2026 is also on line 2: one row a month"),
        (6, "MONTH", "The month cannot be in the future")]


def test_a_file_with_wrong_columns_is_refused_whole(tmp_path):
    columns = [c for c in COLUMNS if c != "APPROVALS"]
    read = read_returns(write(tmp_path, [("2026-03", figures())], columns), "r.csv",
                        today=TODAY)
    assert [(p.line, p.reason.split(".")[0]) for p in read.problems] == [
        (None, "The fostering returns file is missing the column APPROVALS")]
    assert read.returns == []


def test_an_empty_file_of_returns_is_refused(services, councils):
    with pytest.raises(DomainError):
        services.portal.import_fostering_returns(SYSTEM, councils[0], returns=[],
                                                 file_name="empty.csv", today=TODAY)
    assert set(FIELDS) <= {c.lower() for c in COLUMNS}
