"""A council officer's home search in a real browser: a first attempt with mistakes (every error
at once, the summary linking to each field), the draft, its ranked matches paged by htmx
without reloading the page, then closing it unfilled; and a search sent to a provider, who
offers a place, and the officer accepting the offer. Every page on the way is checked with
axe-core."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from domain.actor import Actor
from domain.vocabulary import SETTING_TYPES
from portal.demo.loader import demo_accounts
from tests.browser.conftest import (
    LIVE_APPS,
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


def test_an_officer_sends_a_search_a_provider_offers_and_the_officer_accepts(pages: Pages):
    """Across three accounts: the officer drafts and sends a search, the provider it was sent
    to offers one of its vacancies (without ever seeing the child's reference), the officer
    closes the search to offers and accepts the offer, and the child's placement starts; the
    home is in another authority's area, so the officer consults that host authority from the
    Out of area page, and the host's officer sees the notice (without the child's
    reference)."""
    officer = account_for("council_officer", "Kent")
    provider = next(a for a in demo_accounts() if a.role == "provider_user")
    portal = LIVE_APPS[pages.base_url].extensions["portal"].portal
    kent = portal.get_authority("886")
    setting = next(s for s in portal.get_provider(provider.organisation_id).settings.values()
                   if s.host_authority_id != kent.id)
    host = portal.get_authority(setting.host_authority_id)
    portal.publish_vacancy(Actor.system(), provider_id=provider.organisation_id,
                           setting_id=setting.id, age_from=16, age_to=17, needs_met=[],
                           weekly_fee=4_950, available_from=date.today())
    provider_name = portal.get_provider(provider.organisation_id).name
    today = date.today()

    page = pages.new_page()
    page.goto("/home-searches/new")
    sign_in(page, officer)
    page.get_by_label("Your council's id for the child").fill("BRW-HS-3")
    page.get_by_label("Emergency").check()
    fill_date(page, "Date the home is needed by", today)
    fill_date(page, "Latest date the placement can start", today + timedelta(days=30))
    page.get_by_label(SETTING_TYPES[setting.setting_type], exact=True).check()
    page.get_by_label("The child's age").fill("16")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("The family's postcode district").fill("ME14")
    page.get_by_label("The child's legal status").select_option("C2")
    page.get_by_role("button", name="Save the draft search").click()
    expect(page).to_have_url(re.compile(r"/home-searches/[0-9a-f-]{36}$"))
    child_ref = re.search(r"C[0-9A-Z]{12}", page.get_by_role("heading", level=1).inner_text())
    page.get_by_role("link", name="Send the search to providers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Send the home search to providers")
    assert_accessible(page)
    page.get_by_label(provider_name, exact=True).check()
    page.get_by_role("button", name="Send the search").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Offers for child")
    assert_accessible(page)

    theirs = pages.new_page()
    theirs.goto("/referrals/")
    sign_in(theirs, provider)
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Home searches sent to you")
    assert_accessible(theirs)
    theirs.locator("main table a").first.click()
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Home search from Kent")
    expect(theirs.locator("main")).not_to_contain_text(child_ref.group(0))
    assert_accessible(theirs)
    offered = theirs.locator("#vacancy_id option", has_text=setting.name).filter(
        has_text="4,950").first.get_attribute("value")
    theirs.get_by_label("Which of your open vacancies?").select_option(offered)
    theirs.get_by_label("Weekly price").fill("4900")
    fill_date(theirs, "The child could move in on", today)
    theirs.get_by_role("button", name="Send the offer").click()
    expect(theirs.locator("main")).to_contain_text("Offer sent")
    assert_accessible(theirs)

    page.reload()
    expect(page.locator("main")).to_contain_text("1 offer, best first")
    page.get_by_role("button", name="Close to offers now").click()
    expect(page.locator("main")).to_contain_text("Home search closed to offers")
    page.locator("input[name=offer_id]").first.check()
    page.get_by_label("The child's month and year of birth").fill("2010-04")
    page.get_by_role("button", name="Accept the offer").click()
    expect(page.locator("main")).to_contain_text("Offer accepted: the placement has started")
    expect(page.locator(".govuk-caption-l")).to_have_text("Placed")
    assert_accessible(page)

    # The host authority: an emergency placement out of area, consulted (or notified) within
    # five working days from the Out of area page; its officer sees the notice on their own.
    page.goto("/out-of-area/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Children placed out of area")
    expect(page.locator("main")).to_contain_text(child_ref.group(0))
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(f"^(Consult|Notify) {host.name}$")).click()
    expect(page.locator("main")).to_contain_text(
        re.compile(f"{host.name} has been (consulted|notified)"))
    assert_accessible(page)

    hosts = pages.new_page()
    hosts.goto("/host-notices/")
    sign_in(hosts, account_for("council_officer", host.name))
    expect(hosts.get_by_role("heading", level=1)).to_have_text("Children placed in your area")
    notices = hosts.locator("main table")
    expect(notices).to_contain_text("Kent")
    expect(notices).to_contain_text(setting.name)
    expect(notices).to_contain_text("Aged 16 and 17")
    expect(notices).to_contain_text(officer.email)
    expect(hosts.locator("main")).not_to_contain_text(child_ref.group(0))
    assert_accessible(hosts)
