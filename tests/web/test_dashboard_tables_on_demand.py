"""A dashboard's very long tables (a region's table of its 150 authorities) come on demand
(issue 14): the page carries each one's summary, and a link to the same page with that table
opened, which htmx fetches as the section's content alone when its details open. Every figure
stays reachable, with the same disclosure control as the page, and an event moves it on.

The demo region's tables are short, so these tests lower the threshold
(``portal.dashboards.ON_DEMAND_CELLS``) to put every summarised table on demand (and forget
the pages kept before, which a release changing it would not read)."""

from __future__ import annotations

import re
from datetime import date

import html5lib
import pytest
import sqlalchemy as sa

from portal import dashboards
from projections.sufficiency import builds
from tests.conftest import account_for
from tests.web.test_sufficiency_pages import NS, cell, page_tables, start_placements

REGION = "/sufficiency/region"
FULL = {"HX-Request": "true", "HX-Target": "children-in-care-full"}


def threshold(monkeypatch, app, cells: int) -> None:
    monkeypatch.setattr(dashboards, "ON_DEMAND_CELLS", cells)
    builds.forget(app.extensions["portal"].engine)


@pytest.fixture
def on_demand(monkeypatch, app):
    threshold(monkeypatch, app, 0)


def opened_link(html: str, anchor: str) -> str:
    """The address a section's details link to for its chart and full table."""
    document = html5lib.parse(html)
    section = next(s for s in document.iter(f"{NS}section") if s.get("id") == anchor)
    details = next(d for d in section.iter(f"{NS}details")
                   if "app-full-table" in (d.get("class") or ""))
    (link,) = [a for a in details.iter(f"{NS}a")]
    assert details.get("hx-get") == link.get("href").split("#")[0]
    assert details.get("hx-target") == f"#{anchor}-full"
    return link.get("href")


def test_a_long_tables_figures_are_on_demand_and_the_same_as_shown_inline(client, app,
                                                                          monkeypatch):
    client.sign_in(account_for("council_officer", "Kent"))
    inline = client.get(REGION).get_data(as_text=True)  # the demo's tables: short, inline
    threshold(monkeypatch, app, 0)
    page = client.get(REGION).get_data(as_text=True)
    assert "children-in-care-table" in page_tables(inline)
    assert "children-in-care-table" not in page_tables(page)
    assert len(page) < len(inline)
    href = opened_link(page, "children-in-care")
    assert href == "/sufficiency/region?table=children-in-care#children-in-care"
    # Without JavaScript: the page with that section opened holds the full table.
    opened = client.get(href.split("#")[0]).get_data(as_text=True)
    assert page_tables(opened)["children-in-care-table"] == \
        page_tables(inline)["children-in-care-table"]
    assert re.search(r'<details class="govuk-details app-full-table" open>', opened)
    # With htmx: the section's content alone, the chart and the same table.
    fragment = client.get(href.split("#")[0], headers=FULL)
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and 'name="csrf_token"' not in text
    assert page_tables(text) == {"children-in-care-table":
                                 page_tables(inline)["children-in-care-table"]}
    assert text.count('role="img"') == inline_charts(inline, "children-in-care")


def inline_charts(html: str, anchor: str) -> int:
    section = re.search(rf'<section class="app-dashboard-section" id="{anchor}".*?</section>',
                        html, re.S).group(0)
    return section.count('role="img"')


def test_the_filters_go_with_the_table_on_demand(client, on_demand):
    client.sign_in(account_for("council_officer", "Kent"))
    page = client.get(f"{REGION}?type=other_residential").get_data(as_text=True)
    href = opened_link(page, "children-in-care")
    assert "type=other_residential" in href and "table=children-in-care" in href
    # The filters stay folded away when only a table is opened.
    opened = client.get(f"{REGION}?table=children-in-care").get_data(as_text=True)
    assert '<details class="govuk-details govuk-!-margin-bottom-0">' in opened


def test_each_reader_gets_the_table_as_their_page_shows_it(client, app, monkeypatch):
    """Disclosure control is the page's: the table on demand is built for the reader's view
    (Kent's officer sees Kent's own figures in full; Dorset's sees them as every partner
    does), and never handed to another reader."""
    page, shown = "/sufficiency/region", {}
    for name in ("Kent", "Dorset"):
        client.sign_in(account_for("council_officer", name))
        threshold(monkeypatch, app, 10**9)
        inline = page_tables(client.get(page).get_data(as_text=True))
        threshold(monkeypatch, app, 0)
        later = re.findall(r'id="([a-z0-9-]+)-full">\s*<p class="govuk-body app-full-table__link">',
                           client.get(page).get_data(as_text=True))
        assert "children-in-care" in later
        shown[name] = {}
        for anchor in later:
            headers = {"HX-Request": "true", "HX-Target": f"{anchor}-full"}
            fragment = client.get(f"{page}?table={anchor}", headers=headers)
            shown[name].update(page_tables(fragment.get_data(as_text=True)))
        assert shown[name] == {f"{anchor}-table": inline[f"{anchor}-table"] for anchor in later}
        client.post_form("/sign-out")
    assert shown["Kent"] != shown["Dorset"]


def test_an_event_moves_the_table_on_demand(client, app, on_demand):
    client.sign_in(account_for("council_officer", "Kent"))
    url = f"{REGION}?table=children-in-care"
    before = page_tables(client.get(url, headers=FULL).get_data(as_text=True))
    start_placements(app, "886", 7, date(2026, 1, 5), "on-demand")
    app.extensions["portal"].projections.catch_up()
    after = page_tables(client.get(url, headers=FULL).get_data(as_text=True))
    kent = cell(before, "children-in-care-table", "Kent", "Children in care")
    assert cell(after, "children-in-care-table", "Kent", "Children in care") != kent


def test_a_table_the_dashboard_has_not_is_not_found(client, app, on_demand):
    client.sign_in(account_for("council_officer", "Kent"))
    headers = {"HX-Request": "true", "HX-Target": "no-such-table-full"}
    assert client.get(f"{REGION}?table=no-such-table", headers=headers).status_code == 404
    # The page itself opens nothing, and says every table as before, but is not kept: a
    # made-up address cannot push real pages out of the kept builds.
    client.get(REGION)
    kept = builds_kept(app)
    page = client.get(f"{REGION}?table=no-such-table")
    assert page.status_code == 200
    assert "children-in-care" in page.get_data(as_text=True)
    assert builds_kept(app) == kept
    client.get(f"{REGION}?table=children-in-care")
    assert builds_kept(app) > kept  # a table it has is kept opened


def builds_kept(app) -> int:
    with app.extensions["portal"].engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(builds.dashboard_builds)
                         ).scalar_one()
