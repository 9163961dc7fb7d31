"""The vacancy board leading somewhere, in a real browser: a provider names its contact; a
council officer saves a search of the board; a new vacancy that matches it is a notice the
officer opens, landing on the vacancy with the provider's contact, and the officer measures
its distance from one of their home searches. Every page on the way is checked with axe-core."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from domain.actor import Actor
from portal.demo.loader import demo_accounts
from tests.browser.conftest import LIVE_APPS, assert_accessible, sign_in
from tests.conftest import account_for

pytestmark = pytest.mark.browser

SEARCH_NAME = "Children's homes for the board journey"
CONTACT = ("Morgan Ellis", "01632 960 123", "morgan.ellis@provider.example.org")


def test_a_saved_search_hears_of_a_new_vacancy_that_leads_somewhere(pages, live_server):
    provider = next(a for a in demo_accounts() if a.role == "provider_user")
    page = pages.new_page()
    page.goto("/our-contact/")
    sign_in(page, provider)
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact for your vacancies")
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill(CONTACT[0])
    page.get_by_label("Telephone number").fill(CONTACT[1])
    page.get_by_label("Email address").fill(CONTACT[2])
    page.get_by_role("button", name="Save contact").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    assert_accessible(page)

    officer = account_for("council_officer", "Kent")
    board = pages.new_page()
    board.goto("/vacancies/?setting_type=childrens_home")
    sign_in(board, officer)
    expect(board.get_by_role("heading", level=1)).to_have_text("Vacancy board")
    assert_accessible(board)
    board.get_by_role("link", name="Save this search").click()
    expect(board.get_by_role("heading", level=1)).to_have_text("Save this search")
    expect(board.locator("#filters")).to_contain_text("Children's home")
    assert_accessible(board)
    board.get_by_label("Name", exact=True).fill(SEARCH_NAME)
    board.get_by_role("button", name="Save search").click()
    expect(board.get_by_role("heading", level=1)).to_have_text("Your saved searches")
    expect(board.locator("table")).to_contain_text(SEARCH_NAME)
    assert_accessible(board)

    # The provider publishes a children's home vacancy (the publishing form has its own
    # journey test; here it is the command the form calls).
    services = LIVE_APPS[live_server].extensions["portal"]
    home = next(s for s in services.portal.get_provider(provider.organisation_id)
                .settings.values() if s.setting_type == "childrens_home")
    vacancy, position = services.portal.publish_vacancy(
        Actor.system(), provider_id=provider.organisation_id, setting_id=home.id, age_from=8,
        age_to=17, needs_met=[], weekly_fee=4_950,
        available_from=date.today() + timedelta(days=7))
    services.projections.wait_for(position)

    board.goto("/notices/")
    expect(board.get_by_role("heading", level=1)).to_have_text("Notices")
    assert_accessible(board)
    board.get_by_role("link", name=re.compile(re.escape(SEARCH_NAME))).first.click()
    expect(board).to_have_url(re.compile(rf"/vacancies/{vacancy}$"))
    expect(board.locator("#contact + .govuk-summary-list")).to_contain_text(CONTACT[0])
    expect(board.get_by_role("link", name=CONTACT[1])).to_have_attribute(
        "href", "tel:01632960123")
    assert_accessible(board)
    # Kent's demo searches include open ones: measure from the first.
    first = board.locator("#distance-search option:not([value=''])").first
    board.locator("#distance-search").select_option(first.get_attribute("value"))
    board.get_by_role("button", name="Show the distance").click()
    expect(board.locator("#distance-result")).to_contain_text(
        re.compile(r"miles from the family's district|Distance not known"))
    assert_accessible(board)
