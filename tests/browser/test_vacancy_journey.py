"""The vacancy journey in a real browser: a provider publishes a vacancy, and a council officer
in another partnership finds it on the regional board with the htmx filters (and without
JavaScript), then opens it. Every page on the way is checked with axe-core."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from portal.demo.loader import demo_accounts
from portal.demo.region import AUTHORITIES
from tests.browser.conftest import (
    Pages,
    assert_accessible,
    assert_accessible_without_javascript,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

FEE = 4321
FEE_TEXT = "£4,321"
AGES = (9, 15)
CHILD_AGE = 12
NEEDS = ("Emotional and behavioural needs", "Education on site")
DESCRIPTION = "A calm four-bedroom home by the sea with its own garden (browser journey test)."
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass(frozen=True)
class Published:
    id: str
    setting_name: str
    setting_type: str  # the label, as the board's filter shows it
    host_authority: str
    provider: str
    available_from: date
    banner: str
    heading: str
    fee_row: str


def officer_outside(host_authority: str):
    """A council officer whose authority shares no partnership with the host authority."""
    partnerships = {a.name: set(a.partnerships) for a in AUTHORITIES}
    return next(a for a in demo_accounts() if a.role == "council_officer"
                and not partnerships[a.organisation] & partnerships[host_authority])


@pytest.fixture(scope="module")
def published_vacancy(browser, live_server) -> Published:
    """A provider signs in from the home page and publishes a vacancy through the form."""
    provider = next(a for a in demo_accounts() if a.role == "provider_user")
    pages = Pages(browser, live_server)
    try:
        page = pages.new_page()
        page.goto("/")
        assert_accessible(page)
        page.get_by_role("button", name="Sign in").click()
        sign_in(page, provider)
        expect(page.get_by_role("heading", level=1)).to_have_text("Sufficiency Portal")
        assert_accessible(page)

        page.get_by_role("link", name="Publish a vacancy").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Publish a vacancy")
        assert_accessible(page)

        setting = page.locator("#setting_id option:not([value=''])").first
        value, label = setting.get_attribute("value"), setting.inner_text()
        # "Ash Court <en dash> Children's home, Somerset"
        setting_name, _, rest = label.partition(" \N{EN DASH} ")
        setting_type, _, host_authority = rest.rpartition(", ")
        page.get_by_label("Setting", exact=True).select_option(value)
        page.get_by_label("Youngest age").fill(str(AGES[0]))
        page.get_by_label("Oldest age").fill(str(AGES[1]))
        for need in NEEDS:
            page.get_by_label(need, exact=True).check()
        page.get_by_label("Weekly fee").fill(str(FEE))
        available_from = date.today() + timedelta(days=14)
        when = page.get_by_role("group", name="Available from")
        when.get_by_label("Day").fill(str(available_from.day))
        when.get_by_label("Month").fill(str(available_from.month))
        when.get_by_label("Year").fill(str(available_from.year))
        page.get_by_label("Description (optional)").fill(DESCRIPTION)
        page.get_by_role("button", name="Publish vacancy").click()

        expect(page).to_have_url(re.compile(rf"/our-vacancies/{UUID}$"))
        banner = page.locator(".govuk-notification-banner--success")
        expect(banner).to_be_visible()
        assert_accessible(page)
        published = Published(
            id=urlparse(page.url).path.rsplit("/", 1)[1], setting_name=setting_name,
            setting_type=setting_type, host_authority=host_authority,
            provider=provider.organisation, available_from=available_from,
            banner=banner.inner_text(),
            heading=page.get_by_role("heading", level=1).inner_text(),
            fee_row=page.locator(".govuk-summary-list__row", has_text="Weekly fee").inner_text(),
        )
    except BaseException:
        pages.close(check=False)  # the failure itself is the report
        raise
    pages.close()
    return published


def test_provider_publishes_a_vacancy(published_vacancy):
    assert "Vacancy published" in published_vacancy.banner
    assert published_vacancy.heading == f"{published_vacancy.setting_name}: your vacancy"
    assert FEE_TEXT in published_vacancy.fee_row


def results_rows(page: Page) -> list[list[str]]:
    rows = page.locator("#results tbody tr")
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()]
            for row in rows.all()]


def test_officer_in_another_partnership_finds_it_with_htmx_filters(published_vacancy, pages):
    vacancy = published_vacancy
    officer = officer_outside(vacancy.host_authority)
    page = pages.new_page()
    page.goto("/vacancies/")
    sign_in(page, officer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Vacancy board")
    assert_accessible(page)

    page.evaluate("() => { window.journeyMarker = 'no full page load'; }")
    swaps = []

    def swap(change) -> None:
        """Change one filter; htmx fetches the results partial and swaps it into #results."""
        with page.expect_response(
                lambda r: urlparse(r.url).path == "/vacancies/"
                and r.request.headers.get("hx-request") == "true") as response:
            change()
        assert response.value.ok, response.value.status
        assert "<html" not in response.value.text(), "expected the results partial"
        swaps.append(response.value.url)
        assert_accessible(page)

    swap(lambda: page.get_by_label("Setting type").select_option(label=vacancy.setting_type))
    swap(lambda: page.get_by_label("Host authority or partnership")
         .select_option(label=vacancy.host_authority))
    swap(lambda: (page.get_by_label("Child's age").fill(str(CHILD_AGE)),
                  page.get_by_label("Child's age").press("Tab")))
    swap(lambda: page.get_by_label(NEEDS[0], exact=True).check())
    swap(lambda: (page.get_by_label("Maximum weekly fee").fill(str(FEE)),
                  page.get_by_label("Maximum weekly fee").press("Tab")))

    # Still the same document: htmx swapped #results in place, no page load happened.
    assert page.evaluate("() => window.journeyMarker") == "no full page load"
    assert len(swaps) == 5
    # ...and the filters were pushed to the address bar, so the view can be shared or reloaded.
    query = parse_qs(urlparse(page.url).query)
    assert query["setting_type"] == [page.get_by_label("Setting type").input_value()]
    assert query["area"] == [page.get_by_label("Host authority or partnership").input_value()]
    assert query["area"][0].startswith("authority:")
    assert query["age"] == [str(CHILD_AGE)]
    assert query["needs"] == [page.get_by_label(NEEDS[0], exact=True).input_value()]
    assert query["max_weekly_fee"] == [str(FEE)]

    results = page.locator("#results")
    ours = results.locator("tbody tr", has_text=FEE_TEXT).filter(has_text=vacancy.setting_name)
    expect(ours).to_have_count(1)
    for setting, where, ages, fee, _available, _ofsted in results_rows(page):
        assert vacancy.setting_type in setting
        assert where.startswith(f"{vacancy.host_authority},")
        low, high = (int(n) for n in ages.split(" to "))
        assert low <= CHILD_AGE <= high
        assert int(fee.removeprefix("£").replace(",", "")) <= FEE
    screenshot(page, "vacancy-board")

    ours.get_by_role("link", name=vacancy.setting_name).click()
    expect(page).to_have_url(re.compile(rf"/vacancies/{vacancy.id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{vacancy.setting_name}: vacancy")
    assert_accessible(page)
    details = dict(zip(
        page.locator(".govuk-summary-list__key").all_inner_texts(),
        page.locator(".govuk-summary-list__value").all_inner_texts(), strict=True))
    details = {key.strip(): value.strip() for key, value in details.items()}
    assert details["Provider"] == vacancy.provider
    assert details["Host authority"] == vacancy.host_authority
    assert details["Ages"] == f"{AGES[0]} to {AGES[1]}"
    assert details["Weekly fee"] == f"{FEE_TEXT} (excluding VAT)"
    assert sorted(details["Needs it can meet"].split(", ")) == sorted(NEEDS)
    assert details["Available from"] == (
        f"{vacancy.available_from.day} {vacancy.available_from:%B %Y}")
    assert details["Description"] == DESCRIPTION


def test_filters_work_without_javascript(published_vacancy, pages, browser):
    vacancy = published_vacancy
    officer = officer_outside(vacancy.host_authority)
    page = pages.new_page(java_script_enabled=False)
    page.goto("/vacancies/")
    sign_in(page, officer, check=lambda p: assert_accessible_without_javascript(p, browser))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vacancy board")
    assert_accessible_without_javascript(page, browser)

    page.get_by_label("Setting type").select_option(label=vacancy.setting_type)
    page.get_by_label("Host authority or partnership").select_option(label=vacancy.host_authority)
    page.get_by_label("Child's age").fill(str(CHILD_AGE))
    page.get_by_label("Maximum weekly fee").fill(str(FEE))
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(rf"max_weekly_fee={FEE}"))
    expect(page.get_by_label("Maximum weekly fee")).to_have_value(str(FEE))
    ours = page.locator("#results tbody tr", has_text=FEE_TEXT).filter(
        has_text=vacancy.setting_name)
    expect(ours).to_have_count(1)
    assert all(where.startswith(f"{vacancy.host_authority},")
               for _, where, *_ in results_rows(page))
    assert_accessible_without_javascript(page, browser)
