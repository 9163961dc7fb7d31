"""A council officer's home search in a real browser: a first attempt with mistakes (every error
at once, the summary linking to each field), the draft, its ranked matches paged by htmx
without reloading the page, then closing it unfilled. Every page on the way is checked with
axe-core."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    Pages,
    assert_accessible,
    assert_accessible_without_javascript,
    sign_in,
)
from tests.conftest import account_for

pytestmark = pytest.mark.browser


def fill_date(page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_an_officer_drafts_a_search_reads_its_matches_and_closes_it(pages: Pages):
    officer = account_for("council_officer", "Kent")
    today = date.today()
    page = pages.new_page()
    page.goto("/home-searches/new")
    sign_in(page, officer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a home search")
    assert_accessible(page)

    # Mistakes first: no child id, a latest start before the date needed, no placement type.
    page.get_by_label("Planned").check()
    fill_date(page, "Date the home is needed by", today + timedelta(days=10))
    fill_date(page, "Latest date the placement can start", today + timedelta(days=2))
    page.get_by_label("The child's age").fill("14")
    page.get_by_label("Female").check()
    page.get_by_label("The family's postcode district").fill("ME14")
    page.get_by_label("The child's legal status").select_option("C2")
    page.get_by_role("button", name="Save the draft search").click()
    expect(page).to_have_title(re.compile(r"^Error: Start a home search"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter your council's id for the child")
    expect(summary).to_contain_text("The latest start must not be before")
    expect(summary).to_contain_text("Choose at least one kind of placement recommended")
    assert_accessible(page)

    page.get_by_label("Your council's id for the child").fill("BRW-HS-1")
    fill_date(page, "Latest date the placement can start", today + timedelta(days=60))
    page.get_by_label("Children's home").check()
    page.get_by_role("button", name="Save the draft search").click()
    expect(page).to_have_url(re.compile(r"/home-searches/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Home search for child C[0-9A-Z]{12}$"))
    main = page.locator("main")
    expect(main).not_to_contain_text("BRW-HS-1")
    expect(main).to_contain_text("matching vacancies")
    expect(main.locator("#matches h3").first).to_contain_text("1. ")
    assert_accessible(page)

    # The matches page by htmx: the page stays, the address follows.
    next_page = page.locator("#matches .govuk-pagination__next a")
    if next_page.count():
        page.evaluate("window.__still_here = true")
        next_page.click()
        expect(page).to_have_url(re.compile(r"page=2"))
        expect(main.locator("#matches h3").first).to_contain_text("11. ")
        assert page.evaluate("window.__still_here === true"), "paging reloaded the whole page"
        assert_accessible(page)

    page.get_by_role("link", name=re.compile("Close the search unfilled")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close the home search unfilled")
    assert_accessible(page)
    page.get_by_label("Nothing close enough to the child's home or school").check()
    page.get_by_role("button", name="Close the search unfilled").click()
    expect(main).to_contain_text("Closed unfilled: Nothing close enough")
    assert_accessible(page)


def test_without_javascript_the_search_and_its_pages_of_matches_work(pages: Pages, browser):
    officer = account_for("council_officer", "Kent")
    today = date.today()
    page = pages.new_page(java_script_enabled=False)
    page.goto("/home-searches/new")
    sign_in(page, officer, check=lambda p: assert_accessible_without_javascript(p, browser))
    assert_accessible_without_javascript(page, browser)
    page.get_by_label("Your council's id for the child").fill("BRW-HS-2")
    page.get_by_label("Emergency").check()
    fill_date(page, "Date the home is needed by", today)
    fill_date(page, "Latest date the placement can start", today + timedelta(days=60))
    page.get_by_label("Children's home").check()
    page.get_by_label("The child's age").fill("13")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("The family's postcode district").fill("CT1")
    page.get_by_label("The child's legal status").select_option("C1")
    page.get_by_role("button", name="Save the draft search").click()
    expect(page).to_have_url(re.compile(r"/home-searches/[0-9a-f-]{36}$"))
    assert_accessible_without_javascript(page, browser)
    next_page = page.locator("#matches .govuk-pagination__next a")
    if next_page.count():
        next_page.click()
        expect(page).to_have_url(re.compile(r"page=2"))
        expect(page.locator("#matches h3").first).to_contain_text("11. ")
        assert_accessible_without_javascript(page, browser)
