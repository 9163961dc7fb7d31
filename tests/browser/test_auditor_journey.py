"""The auditor's pages in a real browser: the event history with its htmx filters, a record's
history, the vacancy board as at a past moment, and the signed checkpoints. Every page on the
way is checked with axe-core."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from domain.timezone import LONDON
from portal.demo.loader import demo_accounts
from tests.browser.conftest import Pages, assert_accessible, sign_in

pytestmark = pytest.mark.browser



def test_an_auditor_walks_the_history(pages: Pages):
    auditor = next(a for a in demo_accounts() if a.role == "auditor")
    page = pages.new_page()
    page.goto("/sign-in")
    sign_in(page, auditor)

    page.get_by_role("link", name="Audit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Event history")
    assert_accessible(page)
    page.evaluate("window.__still_here = true")
    page.get_by_label("Kind of record").select_option(label="Vacancy")
    expect(page).to_have_url(re.compile(r"record_type=Vacancy"))
    expect(page.locator("#results")).to_contain_text("vacancy")
    assert page.evaluate("window.__still_here === true"), "filtering reloaded the whole page"
    assert_accessible(page)

    page.locator("#results").get_by_role("link", name=re.compile("record history")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("History of")
    expect(page.locator("main")).to_contain_text("Weekly fee")
    assert_accessible(page)

    now = datetime.now(LONDON)
    page.goto("/audit/as-at/")
    expect(page.get_by_role("heading", level=1)).to_have_text("See a view as it stood")
    assert_accessible(page)
    page.get_by_label("Day").fill(str(now.day))
    page.get_by_label("Month").fill(str(now.month))
    page.get_by_label("Year").fill(str(now.year))
    page.get_by_label("Time (UK)").fill(f"{now:%H:%M:%S}")
    page.get_by_role("button", name="Show the view").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vacancy board as at")
    expect(page.locator("#as-at-vacancies tbody tr").first).to_be_visible()
    assert_accessible(page)

    page.goto("/audit/checkpoints/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signed checkpoints")
    expect(page.locator("#public-key")).to_have_text(re.compile(r"^[A-Za-z0-9+/]{43}=$"))
    assert_accessible(page)
    assert urlparse(page.url).path == "/audit/checkpoints/"
