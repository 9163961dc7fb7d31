"""A council officer reads the sufficiency dashboards in a real browser: their own authority in
full, a filter applied by htmx (the page stays, the address follows), a table downloaded as CSV,
and the same filter without JavaScript. Every page is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from portal import dashboards
from projections.sufficiency import builds
from tests.browser.conftest import (
    LIVE_APPS,
    Pages,
    assert_accessible,
    assert_accessible_without_javascript,
    sign_in,
)
from tests.conftest import account_for

pytestmark = pytest.mark.browser


def test_an_officer_filters_their_dashboard_and_downloads_a_table(pages: Pages):
    page = pages.new_page()
    page.goto("/sign-in")
    sign_in(page, account_for("council_officer", "Kent"))
    page.get_by_role("link", name="Sufficiency", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sufficiency dashboards")
    assert_accessible(page)
    page.get_by_role("link", name="Kent", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kent: sufficiency dashboard")


    page.locator("#children-in-care").get_by_text("Show the chart").click()  # on demand
    charts = page.locator("svg[role=img]")
    expect(charts.first).to_be_visible()
    first = charts.first
    described = first.get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_contain_text("Kent")
    assert_accessible(page)

    page.evaluate("window.__still_here = true")
    page.get_by_text("Filter: change the date").click()  # the filters start folded away
    page.get_by_label("Placement type", exact=True).select_option(
        label="Children's homes (including secure)")
    expect(page).to_have_url(re.compile(r"type=childrens_home"))
    expect(page.locator("#dashboard-status")).to_contain_text("children's homes")
    expect(page.locator("#dashboard-summary")).to_contain_text("children's homes")
    assert page.evaluate("window.__still_here === true"), "filtering reloaded the whole page"
    assert_accessible(page)

    link = page.locator("#children-in-care").get_by_role("link", name=re.compile("Download"))
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Authority,Children in care")
    assert re.search(r"^Kent,\d+,", text, re.MULTILINE)


def test_without_javascript_the_filters_are_a_plain_form(pages: Pages, browser: Browser):
    officer = account_for("council_officer", "Kent")
    page = pages.new_page(java_script_enabled=False)
    page.goto("/sufficiency/authorities/886")
    sign_in(page, officer, check=lambda p: assert_accessible_without_javascript(p, browser))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kent: sufficiency dashboard")
    assert_accessible_without_javascript(page, browser)
    page.get_by_text("Filter: change the date").click()  # a details element: no script needed
    page.get_by_label("Placement type", exact=True).select_option(label="Placed with parents")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"type=parents"))
    expect(page.locator("#dashboard-summary")).to_contain_text("placed with parents only")
    assert_accessible_without_javascript(page, browser)
    page.get_by_label("Day").first.fill("31")
    page.get_by_label("Month").first.fill("2")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Date must be a real date")
    assert_accessible_without_javascript(page, browser)


def test_a_long_table_opens_on_demand_with_and_without_javascript(
        pages: Pages, browser: Browser, live_server: str, monkeypatch):
    """A region's long tables are not in its page (the demo's are short, so the threshold is
    lowered here): opening one's details fetches its chart and full table with htmx, or,
    without JavaScript, follows the link to the page with that table opened."""
    engine = LIVE_APPS[live_server].extensions["portal"].engine
    monkeypatch.setattr(dashboards, "ON_DEMAND_CELLS", 0)
    builds.forget(engine)  # the pages kept with the usual threshold
    officer = account_for("council_officer", "Kent")
    try:
        page = pages.new_page()
        page.goto("/sufficiency/region")
        sign_in(page, officer)
        section = page.locator("#children-in-care")
        expect(section.locator("table.app-figures-table")).to_have_count(0)
        section.get_by_text("Show the chart and the full table").click()
        expect(section.locator("#children-in-care-table")).to_be_visible()
        expect(section.locator("svg[role=img]").first).to_be_visible()
        expect(section.locator("#children-in-care-table")).to_contain_text("Kent")
        assert_accessible(page)

        plain = pages.new_page(java_script_enabled=False)
        plain.goto("/sufficiency/region")
        sign_in(plain, officer, check=lambda p: assert_accessible_without_javascript(p, browser))
        section = plain.locator("#children-in-care")
        section.get_by_text("Show the chart and the full table").click()
        section.get_by_role("link", name=re.compile("Open the chart and the full table")).click()
        expect(plain).to_have_url(re.compile(r"table=children-in-care"))
        expect(plain.locator("#children-in-care-table")).to_be_visible()
        assert_accessible_without_javascript(plain, browser)
    finally:
        builds.forget(engine)  # later tests read the pages kept with the usual threshold
