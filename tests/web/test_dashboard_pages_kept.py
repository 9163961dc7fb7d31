"""A dashboard page's costly part (its headline and every table's section, rendered) is kept
with the dashboard builds (issue 14): the same page, its htmx refresh and the next reader of
the same view read it as it was rendered; another reader's view, other filters or an event
render it again. So is its whole main content (heading, filters and those sections), which the
page puts inside the layout rendered for its viewer, and the htmx fragment of its tables."""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta

import pytest

from domain.timezone import LONDON
from portal.views import sufficiency as views
from tests.conftest import account_for
from tests.web.test_sufficiency_pages import HTMX, cell, page_tables, start_placements

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def rendered(monkeypatch) -> list:
    """Every time the sections are rendered: the scope's name and the filters' date."""
    found = []
    real = views._sections

    def counted(c, scope, filters, context):
        found.append((scope.name, filters.on))
        return real(c, scope, filters, context)

    monkeypatch.setattr(views, "_sections", counted)
    return found


def sections(html: str) -> str:
    return html[html.index('id="dashboard-summary"'):]


def test_the_same_page_is_rendered_once_and_read_back_as_it_was(client, rendered):
    client.sign_in(account_for("council_officer", "Kent"))
    first = client.get("/sufficiency/region").get_data(as_text=True)
    again = client.get("/sufficiency/region").get_data(as_text=True)
    partial = client.get("/sufficiency/region", headers=HTMX).get_data(as_text=True)
    assert len(rendered) == 1
    assert sections(again) == sections(first)
    assert page_tables(partial) == page_tables(first)


def test_readers_of_other_authorities_and_other_filters_get_their_own_pages(client, rendered):
    client.sign_in(account_for("council_officer", "Kent"))
    kent = client.get("/sufficiency/region").get_data(as_text=True)
    chosen = client.get("/sufficiency/region?type=other_residential").get_data(as_text=True)
    assert len(rendered) == 2
    # Its CSV links carry its own filters.
    assert "type=other_residential" in chosen and "type=other_residential" not in kent
    client.post_form("/sign-out")
    client.sign_in(account_for("council_officer", "Dorset"))
    client.get("/sufficiency/region")
    assert len(rendered) == 3


def test_an_event_renders_the_page_again(client, app, rendered):
    client.sign_in(account_for("council_officer", "Kent"))
    before = page_tables(client.get("/sufficiency/authorities/886").get_data(as_text=True))
    start_placements(app, "886", 7, date(2026, 1, 5), "kept-page")
    app.extensions["portal"].projections.catch_up()
    after = page_tables(client.get("/sufficiency/authorities/886").get_data(as_text=True))
    assert len(rendered) == 2
    children = [row for row in before["children-in-care-table"] if row[0] == "Kent"]
    assert children != [row for row in after["children-in-care-table"] if row[0] == "Kent"]


@pytest.fixture
def contents(monkeypatch) -> list:
    """Every time a main content or an htmx fragment is rendered: the scope's name, the query
    and which part it was ("body", the tables' fragment or one table's full content)."""
    found = []
    real = views._content

    def counted(c, scope, filters, form, query, part, opened):
        found.append((scope.name, query, part))
        return real(c, scope, filters, form, query, part, opened)

    monkeypatch.setattr(views, "_content", counted)
    return found


def main_content(html: str) -> str:
    return html[html.index('<h1 class="govuk-heading-l">'):html.index('<footer')]


def test_the_main_content_is_kept_and_the_layout_is_the_viewers_own(client, contents):
    officer = account_for("council_officer", "Kent")
    client.sign_in(officer)
    first = client.get("/sufficiency/region").get_data(as_text=True)
    client.post_form("/sign-out")
    client.sign_in(officer)  # a new session, so a new CSRF token
    again = client.get("/sufficiency/region").get_data(as_text=True)
    assert contents == [("All partner authorities", (), "body")]
    assert main_content(again) == main_content(first)
    # The name and the token are the session's own, never those kept with the content: the
    # token on the page read back signs this session's form out.
    token = CSRF.search(again).group(1)
    assert token != CSRF.search(first).group(1)
    assert token not in main_content(again) and officer.display_name not in main_content(again)
    assert f">{officer.display_name}</a>" in again
    assert client.post("/sign-out", data={"csrf_token": token}).status_code in (302, 303)
    assert client.get("/sufficiency/region").status_code == 302  # signed out


def test_an_htmx_refresh_gets_its_own_kept_fragment_alone(client, contents):
    client.sign_in(account_for("council_officer", "Kent"))
    page = client.get("/sufficiency/region?type=other_residential").get_data(as_text=True)
    partial = client.get("/sufficiency/region?type=other_residential", headers=HTMX)
    again = client.get("/sufficiency/region?type=other_residential", headers=HTMX)
    fragment = partial.get_data(as_text=True)
    assert partial.mimetype == "text/html" and "<html" not in fragment
    assert "govuk-service-navigation" not in fragment and 'name="csrf_token"' not in fragment
    assert 'hx-swap-oob="true"' in fragment and page_tables(fragment) == page_tables(page)
    assert again.get_data(as_text=True) == fragment
    query = (("type", "other_residential"),)
    region = "All partner authorities"
    assert contents == [(region, query, "body"), (region, query, "tables")]


def test_an_event_is_never_answered_with_the_content_kept_before_it(client, app, contents):
    client.sign_in(account_for("council_officer", "Kent"))
    before = client.get("/sufficiency/authorities/886").get_data(as_text=True)
    client.get("/sufficiency/authorities/886", headers=HTMX)
    start_placements(app, "886", 7, date(2026, 1, 5), "kept-content")
    app.extensions["portal"].projections.catch_up()
    after = client.get("/sufficiency/authorities/886").get_data(as_text=True)
    partial = client.get("/sufficiency/authorities/886", headers=HTMX).get_data(as_text=True)
    assert len(contents) == 4
    kent = cell(page_tables(before), "children-in-care-table", "Kent", "Children in care")
    assert cell(page_tables(after), "children-in-care-table", "Kent", "Children in care") != kent
    assert page_tables(partial) == page_tables(after)


def test_readers_whose_views_differ_never_share_kept_content(client, contents):
    client.sign_in(account_for("council_officer", "Kent"))
    own = client.get("/sufficiency/authorities/886").get_data(as_text=True)
    client.post_form("/sign-out")
    client.sign_in(account_for("council_officer", "Dorset"))
    other = client.get("/sufficiency/authorities/886").get_data(as_text=True)
    assert [name for name, _, _ in contents] == ["Kent", "Kent"]
    # Kent's officer sees Kent in full; Dorset's sees Kent as every partner does.
    assert "Every figure for Kent's own children, in full" in own
    assert "Every figure for Kent" not in other
    assert "figures as every partner sees them" in other


def test_a_query_beyond_the_filters_is_rendered_but_not_kept(client, contents):
    client.sign_in(account_for("council_officer", "Kent"))
    for _ in range(2):
        client.get("/sufficiency/region?utm_source=mail")
    assert len(contents) == 2


def test_the_auditors_as_at_dashboard_is_kept_apart_from_the_live_page(client, app):
    client.sign_in(account_for("auditor"))
    live = client.get("/sufficiency/authorities/886").get_data(as_text=True)
    shown_then = cell(page_tables(live), "children-in-care-table", "Kent", "Children in care")
    time.sleep(1.1)
    moment = datetime.now(LONDON).replace(microsecond=0)
    time.sleep(1.1)
    last_month = date.today().replace(day=1) - timedelta(days=10)
    start_placements(app, "886", 5, last_month, "as-at-kept")
    query = (f"/audit/as-at/?view=sufficiency&dashboard=authority:886&date-day={moment.day}"
             f"&date-month={moment.month}&date-year={moment.year}&time={moment:%H:%M:%S}")
    for _ in range(2):  # the second read is of what the first kept
        as_at = page_tables(client.get(query).get_data(as_text=True))
        assert cell(as_at, "children-in-care-table", "Kent", "Children in care") == shown_then
        now = page_tables(client.get("/sufficiency/authorities/886").get_data(as_text=True))
        assert cell(now, "children-in-care-table", "Kent", "Children in care") != shown_then
