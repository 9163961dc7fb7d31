"""A council officer imports an SSDA903 return in a real browser: htmx polls the progress
until the report appears (no page reload), and without JavaScript a refresh link gets there
too. Every page passes axe-core."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ARTIFACTS,
    Pages,
    assert_accessible,
    assert_accessible_without_javascript,
    sign_in,
)
from tests.conftest import account_for
from tests.ssda903_files import episode, synthetic_return, write

pytestmark = pytest.mark.browser


def open_import_page(page: Page) -> None:
    page.goto("/imports/")
    sign_in(page, account_for("council_officer", "Kent"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Import an SSDA903 return")
    assert_accessible(page)


def test_an_officer_imports_a_return_and_watches_it_finish(pages: Pages, tmp_path):
    episodes, headers = synthetic_return(1_500, seed=7, prefix="BRW")
    episodes.append(episode("BRW-BAD", date(2025, 2, 1), place="Q9"))
    page = pages.new_page()
    open_import_page(page)

    page.get_by_role("button", name="Import").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select the SSDA903 episodes file")
    assert_accessible(page)

    page.get_by_label("Episodes file").set_input_files(write(tmp_path / "kent.csv", episodes))
    page.get_by_label("Header file (optional)").set_input_files(
        write(tmp_path / "header.csv", headers))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of kent.csv")
    page.evaluate("window.stillTheSamePage = true")
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible(timeout=120_000)
    assert page.evaluate("window.stillTheSamePage") is True  # htmx swapped it in
    expect(page.locator("#import-progress")).not_to_have_attribute("hx-trigger", "every 1s")
    rejected = page.get_by_role("table",
                                name="Each row of the files that was not imported, with the "
                                     "reason")
    expect(rejected).to_contain_text("PLACE (placement type): Q9 is not an SSDA903 code")
    expect(page.get_by_role("button", name="Download the report (CSV)")).to_be_visible()
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ssda903-import-report.png"), full_page=True)

    page.get_by_role("link", name="Import another file").click()
    expect(page.get_by_role("table", name="Every import recorded for your authority, newest "
                                          "first")).to_contain_text("kent.csv")
    assert_accessible(page)


def test_without_javascript_a_refresh_link_shows_the_report(pages: Pages, browser, tmp_path):
    episodes, headers = synthetic_return(50, seed=8, prefix="NOJS")
    officer = account_for("council_officer", "Kent")
    page = pages.new_page(java_script_enabled=False)
    page.goto("/imports/")
    sign_in(page, officer, check=lambda p: assert_accessible_without_javascript(p, browser))
    expect(page.get_by_role("heading", level=1)).to_have_text("Import an SSDA903 return")
    assert_accessible_without_javascript(page, browser)
    page.get_by_label("Episodes file").set_input_files(write(tmp_path / "small.csv", episodes))
    page.get_by_label("Header file (optional)").set_input_files(
        write(tmp_path / "header.csv", headers))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of small.csv")
    for _ in range(120):
        if page.get_by_role("heading", name="Import finished").count():
            break
        page.wait_for_timeout(500)
        page.get_by_role("link", name="Refresh to see how far it has got").click()
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible()
    expect(page.get_by_text("Every row was imported.")).to_be_visible()
    assert_accessible_without_javascript(page, browser)
