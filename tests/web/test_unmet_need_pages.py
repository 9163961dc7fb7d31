"""Unmet need on the sufficiency dashboards: each table with its written definition, a
council's own figures in full, another council's suppressed, its CSV, and the forecast's
observed unmet demand."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime, timedelta

import eventsourcing.domain

from domain.account import account_id
from domain.actor import Actor
from domain.organisation import authority_id
from domain.timezone import LONDON
from tests.conftest import account_for
from tests.web.test_sufficiency_pages import cell, page_tables

TABLES = ("unmet-need-table", "unmet-need-reasons-table", "unmet-need-by-kind-table",
          "unmet-need-by-age-table")


def test_an_officer_sees_their_councils_unmet_need_with_its_definition(client):
    client.sign_in(account_for("council_officer", "Torbay"))
    page = client.get("/sufficiency/authorities/880").get_data(as_text=True)
    tables = page_tables(page)
    assert set(TABLES) <= tables.keys()
    # The demo's one Torbay search: an emergency, sent to three providers, one offer, placed
    # in Torbay near the family's district.
    assert cell(tables, "unmet-need-table", "Torbay", "Searches opened") == "1"
    assert cell(tables, "unmet-need-table", "Torbay", "Placed") == "1"
    assert cell(tables, "unmet-need-table", "Torbay",
                "Providers approached per search sent") == "3"
    assert cell(tables, "unmet-need-table", "Torbay",
                "Placed out of area or over 20 miles: nothing nearer offered") == "0"
    assert cell(tables, "unmet-need-by-kind-table", "Children's home", "Placed") == "1"
    assert cell(tables, "unmet-need-by-age-table", "10 to 15", "Searches opened") == "1"
    assert "Unmet need: home searches and how they ended" in page
    assert "Time to place is from the moment a search was opened" in page
    assert "because nothing closer was offered" in page
    assert "Observed unmet need is added on the need side" in page
    assert "Need in 3 years with observed unmet need" in page


def open_searches_last_month(app, monkeypatch, count: int) -> None:
    """Torbay opens ``count`` searches on the 10th of last month (views across authority
    lines count whole months only) and closes the first unfilled."""
    services = app.extensions["portal"]
    last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=10)
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo",
                        lambda: datetime(last_month.year, last_month.month, 10, 9, tzinfo=UTC))
    officer = account_for("council_officer", "Torbay")
    actor = Actor(account_id(officer.email), authority_id("880"))
    today = date.today()
    for n in range(count):
        search, _ = services.portal.draft_home_search(
            actor, authority_id=authority_id("880"),
            child_ref=services.child_refs.reference("880", f"UNMET-{n}"), urgency="planned",
            needed_by=today, latest_start=today + timedelta(days=14),
            placement_types=["childrens_home"], age=14, sex="1", siblings=0,
            legal_status="C2", family_district="TQ2", today=today)
        if n == 0:
            services.portal.close_home_search_unfilled(actor, search,
                                                       unfilled_reason="no_offers")
    monkeypatch.undo()


def test_another_councils_unmet_need_is_suppressed_page_and_csv(client, app, monkeypatch):
    open_searches_last_month(app, monkeypatch, 2)
    client.sign_in(account_for("council_officer", "Kent"))
    tables = page_tables(client.get("/sufficiency/partnerships/peninsula").get_data(
        as_text=True))
    assert cell(tables, "unmet-need-table", "Torbay", "Searches opened") == "c"
    assert cell(tables, "unmet-need-table", "Torbay", "Closed unfilled") == "c"
    assert cell(tables, "unmet-need-table", "Torbay", "Percentage closed unfilled") == "c"
    assert cell(tables, "unmet-need-reasons-table", "Torbay", "Closed unfilled") == "c"
    download = client.get("/sufficiency/partnerships/peninsula/tables/unmet-need.csv")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    torbay = next(r for r in rows if r[0] == "Torbay")
    assert (torbay[1], torbay[3]) == ("c", "c")  # opened and closed unfilled


def test_the_auditor_sees_unmet_need_as_it_stood(client, app, monkeypatch):
    open_searches_last_month(app, monkeypatch, 2)
    client.sign_in(account_for("auditor"))
    time.sleep(1.1)
    moment = datetime.now(LONDON).replace(microsecond=0)
    query = (f"/audit/as-at/?view=sufficiency&dashboard=authority:880&date-day={moment.day}"
             f"&date-month={moment.month}&date-year={moment.year}&time={moment:%H:%M:%S}")
    page = client.get(query).get_data(as_text=True)
    assert "Sufficiency dashboard: Torbay as at" in page
    tables = page_tables(page)
    assert set(TABLES) <= tables.keys()
    # Rebuilt from the events to the moment: last month's two searches, hidden as "c".
    assert cell(tables, "unmet-need-table", "Torbay", "Searches opened") == "c"
    assert "Home searches opened (drafted by a council officer)" in page
