"""A council officer's placements journey in a real browser: import an SSDA903 return (the
progress polled by htmx, a rejected row reported with its line number), find the imported
children, then read the authority's and the partnership's sufficiency dashboards and filter
them. Every page on the way is checked with axe-core."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Pages, assert_accessible, sign_in
from tests.conftest import account_for
from tests.ssda903_files import episode, header, write

pytestmark = pytest.mark.browser


def a_return(tmp_path):
    """Three Kent children (one moved once) and one row with a placement code that does not
    exist, on line 5 of the episodes file."""
    today = date.today()
    start = today - timedelta(days=300)
    moved = today - timedelta(days=100)
    episodes = [
        episode("BRW-1", start, end=moved, rec="X1", place="U4", home="ME14 1XX",
                placement="ME15 6AA"),
        episode("BRW-1", moved, rne="P", place="K2", provider="PR4", rpc="CARPL",
                home="ME14 1XX", placement="CT1 2EH"),
        episode("BRW-2", start, place="U6", provider="PR4", home="CT1 2EH", placement="DT1 1AB"),
        episode("BRW-3", start, place="Q7", home="TN23 1AA", placement="TN23 1AA"),
    ]
    headers = [header(child, date(2012, 6, 1)) for child in ("BRW-1", "BRW-2", "BRW-3")]
    return write(tmp_path / "episodes.csv", episodes), write(tmp_path / "header.csv", headers)


def test_an_officer_imports_a_return_and_reads_the_dashboards(pages: Pages, tmp_path):
    officer = account_for("council_officer", "Kent")
    episodes, headers = a_return(tmp_path)
    page = pages.new_page()
    page.goto("/imports/")
    sign_in(page, officer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Import an SSDA903 return")
    assert_accessible(page)

    page.get_by_label("Episodes file").set_input_files(str(episodes))
    page.get_by_label("Header file (optional)").set_input_files(str(headers))
    page.get_by_role("button", name="Import", exact=True).click()
    # htmx polls the progress until the import has finished, without reloading the page.
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible(timeout=30_000)
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text("Rows accepted")
    expect(summary).to_contain_text("Rows rejected")
    expect(page.get_by_role("heading", name="Rows not imported")).to_be_visible()
    rejected = page.locator("main table").filter(has_text="Q7")
    expect(rejected).to_contain_text("5")  # the line number in the file
    expect(page.locator("main")).not_to_contain_text("BRW-")  # the council's ids never shown
    assert_accessible(page)

    page.goto("/placements/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Children in our care")
    assert_accessible(page)
    page.get_by_label("Your council's id for the child").fill("BRW-1")
    page.get_by_role("button", name="Find child").click()
    expect(page).to_have_url(re.compile(r"/placements/children/C[0-9A-Z]{12}$"))
    main = page.locator("main")
    expect(main).to_contain_text("K2")
    expect(main).to_contain_text("U4")
    expect(main).not_to_contain_text("BRW-1")
    assert_accessible(page)

    page.goto("/sufficiency/authorities/886")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kent: sufficiency dashboard")
    page.locator("#children-in-care").get_by_text("Show the chart").click()  # on demand
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.locator("table.app-figures-table").first).to_be_visible()
    assert_accessible(page)
    page.evaluate("window.__still_here = true")
    page.get_by_text("Filter: change the date").click()  # the filters start folded away
    page.get_by_label("Placement type", exact=True).select_option(
        label="Children's homes (including secure)")
    expect(page).to_have_url(re.compile(r"type=childrens_home"))
    expect(page.locator("#dashboard-tables table").first).to_be_visible()
    assert page.evaluate("window.__still_here === true"), "filtering reloaded the whole page"
    assert_accessible(page)

    page.goto("/sufficiency/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("South East")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("partnership")
    expect(page.locator("main")).to_contain_text("shown as “c” (confidential)")
    assert_accessible(page)
