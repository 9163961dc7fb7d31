"""Wording people can read: plain-English codes and field names in the audit history, counts
that agree with their nouns, UK dates, partnership addresses in any case, and a sample SSDA903
return on the import page that the importer itself accepts."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from domain import ssda903
from domain.child_ref import ChildReferences
from domain.timezone import uk_date, uk_moment
from domain.words import counted
from portal.imports.files import inspect
from portal.imports.reading import read_return
from portal.imports.report import Report
from portal.imports.sample import HEADER_COLUMNS, sample_file
from portal.imports.ssda903 import EPISODE_COLUMNS, RowChecker
from projections.audit.index import FIELD_LABELS, audit_events
from tests.conftest import account_for


def test_the_new_2025_codes_each_have_their_own_label_naming_the_code():
    labels = {code: ssda903.PLACEMENT_TYPES[code].label for code in ("Z11", "Z12", "Z13", "Z14")}
    assert len(set(labels.values())) == 4
    assert all(code in label for code, label in labels.items())
    assert len({c.label for c in ssda903.PLACEMENT_TYPES.values()}) == \
        len(ssda903.PLACEMENT_TYPES)


@pytest.mark.parametrize(("count", "noun", "expected"), [
    (1, "setting", "1 setting"), (2, "setting", "2 settings"), (0, "place", "0 places"),
    (1, "child", "1 child"), (3, "child", "3 children"), (1_204, "event", "1,204 events"),
    (1, "vacancy", "1 vacancy"), (5, "vacancy", "5 vacancies")])
def test_counts_agree_with_their_nouns(count, noun, expected):
    assert counted(count, noun) == expected


def test_dates_in_messages_are_written_the_uk_way():
    from datetime import UTC, datetime
    assert uk_date(date(2026, 12, 6)) == "6 December 2026"
    assert uk_moment(datetime(2026, 7, 1, 12, 5, tzinfo=UTC)) == "1 July 2026 at 13:05"


def test_every_field_of_every_event_has_a_readable_name():
    """The audit history names each field of an event; none may fall back to its code name
    ("rne", "cin"), so a new event field must be given a name here."""
    import importlib
    import pkgutil

    from eventsourcing.domain import DomainEvent

    import domain
    for module in pkgutil.walk_packages(domain.__path__, "domain."):
        importlib.import_module(module.name)

    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    never_shown = {"actor", "reason", "originator_id", "originator_version", "timestamp"}
    unnamed = sorted({f"{event.__qualname__}.{name}" for event in every(DomainEvent)
                      if event.__module__.startswith("domain.")
                      for name in getattr(event, "__annotations__", {})
                      if name not in FIELD_LABELS and name not in never_shown})
    assert unnamed == []


def test_the_auditors_placement_history_reads_in_plain_english(client, app):
    engine = app.extensions["portal"].engine
    with engine.connect() as c:
        record = c.execute(sa.select(audit_events.c.record_id).where(
            audit_events.c.record_type == "Placement").limit(1)).scalar_one()
    client.sign_in(account_for("auditor"))
    page = client.get(f"/audit/records/{record}").get_data(as_text=True)
    assert "Reason for new episode: Started to be looked after (S)" in page
    assert "Legal status: " in page and "Placement type: " in page
    for raw in ("rne:", "legal status:", "place provider:", ">Sex 1<", "Sex: 1<"):
        assert raw not in page


def test_a_partnership_address_works_in_any_case(client):
    client.sign_in(account_for("council_officer", "Kent"))
    moved = client.get("/sufficiency/partnerships/South-East?area=&type=")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/sufficiency/partnerships/south-east?area=&type=")
    assert client.get("/sufficiency/partnerships/SOUTH-EAST").status_code == 301
    assert client.get("/sufficiency/partnerships/south-east").status_code == 200
    table = client.get("/sufficiency/partnerships/South-East/tables/children-in-care.csv")
    assert table.status_code == 301
    assert "/sufficiency/partnerships/south-east/tables/children-in-care.csv" in \
        table.headers["Location"]
    assert client.get("/sufficiency/partnerships/Nowhere").status_code == 404


def test_the_import_page_offers_a_sample_return(client):
    client.sign_in(account_for("council_officer", "Kent"))
    page = client.get("/imports/").get_data(as_text=True)
    assert 'href="/imports/sample-episodes.csv"' in page
    assert 'href="/imports/sample-header.csv"' in page
    episodes = client.get("/imports/sample-episodes.csv")
    assert episodes.status_code == 200
    assert episodes.mimetype == "text/csv"
    assert "attachment" in episodes.headers["Content-Disposition"]
    assert episodes.get_data(as_text=True).splitlines()[0] == ",".join(EPISODE_COLUMNS)
    header = client.get("/imports/sample-header.csv").get_data(as_text=True)
    assert header.splitlines()[0] == ",".join(HEADER_COLUMNS)
    client.sign_in(account_for("provider_user"))
    assert client.get("/imports/sample-episodes.csv").status_code == 403


@pytest.mark.parametrize("today", [date(2026, 12, 6), date(2025, 4, 3), date(2027, 3, 31)])
def test_the_sample_return_is_accepted_by_the_importer_as_it_is(tmp_path, today):
    paths = {}
    for which in ("episodes", "header"):
        paths[which] = tmp_path / f"{which}.csv"
        paths[which].write_text(sample_file(which, today), encoding="utf-8")
    report = Report(file_name="episodes.csv", header_name="header.csv")
    checker = RowChecker(ChildReferences(b"k" * 32), "886", today)
    read = read_return(inspect(paths["episodes"], "episodes.csv", "episodes file"),
                       inspect(paths["header"], "header.csv", "header file"), checker, report,
                       lambda *_: None)
    assert report.problems == []
    assert report.rows == 4
    assert len(read.children) == 3 and len(read.facts) == 3
    assert all(ref.startswith("C") and "SAMPLE" not in ref for ref in read.children)


def test_pages_never_say_one_of_a_plural(client):
    """"1 settings", "1 places": counts on the administrator's and the directory's pages agree
    with their nouns."""
    import re
    client.sign_in(account_for("platform_admin"))
    page = client.get("/admin/").get_data(as_text=True)
    assert re.search(r"\b1 setting\b", page)  # the demo has providers with one setting
    assert not re.search(r"\b1 (settings|places)\b", page)
