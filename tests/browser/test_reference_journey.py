"""A platform administrator uploads postcode districts in a real browser: the refused lines
are listed, the added district is shown, and every page passes axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.demo.loader import demo_accounts
from tests.browser.conftest import ARTIFACTS, Pages, assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_an_administrator_uploads_postcode_districts(pages: Pages, tmp_path):
    admin = next(a for a in demo_accounts() if a.role == "platform_admin")
    page = pages.new_page()
    page.goto("/sign-in")
    sign_in(page, admin)
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Administration", exact=True).click()
    page.get_by_role("button", name="Postcode districts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Postcode districts")
    assert_accessible(page)

    page.get_by_role("button", name="Upload districts").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose a CSV file of postcode districts")
    assert_accessible(page)

    file = tmp_path / "kent-new.csv"
    file.write_text("district,easting,northing,la_ons_code\n"
                    "ME21,577000,155000,E10000016\n"
                    "ME22,577000,155000,E07000110\n", encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(file)
    page.get_by_label("Reason (optional)").fill("New estate")
    page.get_by_role("button", name="Upload districts").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "1 postcode district added from kent-new.csv; 1 line not added")
    refused = page.get_by_role("table", name="Lines of the file not added, with the reasons")
    expect(refused).to_contain_text("E07000110 is a district council")
    added = page.get_by_role("table", name="Districts added by administrators")
    expect(added).to_contain_text("ME21")
    expect(added).to_contain_text("Kent (E10000016)")
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "postcode-districts.png"), full_page=True)
