"""The provider's side of a joint tender in a real browser: a provider finds a tender open to
it, answers the market engagement questionnaire, asks a clarification question, then (once the
invitation to tender is published) submits a sealed bid and replaces it; after the deadline the
lead council opens the bids and sees the result. Every page on the way is checked with axe-core.

The portal's clock is the test's (deadlines are the server's, never the browser's), so this
server is the test's own, on its own copy of the demo region.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from domain.account import account_id
from domain.actor import Actor
from domain.organisation import authority_id
from portal import create_app
from portal.config import Settings
from portal.demo.loader import demo_accounts
from tests.browser.conftest import Pages, assert_accessible, screenshot, serving, sign_in
from tests.conftest import copy_demo_database

pytestmark = pytest.mark.browser

DEVON, PLYMOUTH, TORBAY = authority_id("878"), authority_id("879"), authority_id("880")
TITLE = "Peninsula residential block 2027 (browser journey)"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ENGAGEMENT_CLOSES = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
CLARIFICATIONS_CLOSE = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
BID_DEADLINE = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
QUESTION = "Would a two-bed solo home near Exeter fit lot 1?"


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Journey:
    base_url: str
    app: object
    clock: Clock
    tender_id: UUID

    @property
    def services(self):
        return self.app.extensions["portal"]


def account(role: str, organisation: str | None = None):
    return next(a for a in demo_accounts() if a.role == role
                and (organisation is None or a.organisation == organisation))


def actor(who) -> Actor:
    return Actor(user_id=account_id(who.email), organisation_id=who.organisation_id)


@pytest.fixture(scope="module")
def journey(browser, demo_database, session_databases, tmp_path_factory) -> Iterator[Journey]:
    """The portal on its own copy of the demo region, with Devon's tender open for market
    engagement (drafted and opened through the lead's commands)."""
    instance = tmp_path_factory.mktemp("tender-journey")
    database_url = copy_demo_database(demo_database, instance, session_databases)
    with serving(lambda base_url: create_app(Settings.from_environment(
            database_url=database_url, secret_key="tender-journey-secret-key",
            instance=instance, projections_inline=True, secure_cookies=False,
            portal_url=base_url))) as (base_url, app):
        clock = Clock(NOW)
        svc = app.extensions["portal"]
        svc.portal.clock = clock
        devon = actor(account("council_officer", "Devon"))
        tender_id, _ = svc.portal.draft_tender(
            devon, lead_authority_id=DEVON, partnership="Peninsula", title=TITLE,
            description="A five-year block of residential places across the peninsula.",
            route="block_contract", estimated_annual_value=2_156_000,
            estimated_total_value=10_780_000, term_months=60,
            lots=[{"name": "Residential homes, Devon", "setting_type": "childrens_home",
                   "area": "Devon", "places": 6, "age_from": 8, "age_to": 17,
                   "needs": ["complex_needs"]}],
            partners=[{"authority_id": DEVON, "share": 7_780_000},
                      {"authority_id": PLYMOUTH, "share": 2_000_000},
                      {"authority_id": TORBAY, "share": 1_000_000}],
            timetable={"engagement_closes": ENGAGEMENT_CLOSES,
                       "clarification_deadline": CLARIFICATIONS_CLOSE,
                       "bid_deadline": BID_DEADLINE})
        svc.portal.set_questionnaire(devon, tender_id, questions=[
            {"text": "How many places could you offer?", "kind": "number", "options": [],
             "required": True},
            {"text": "Which areas could you serve?", "kind": "multiple",
             "options": ["Devon", "Plymouth", "Torbay"], "required": True},
            {"text": "What would help you bid?", "kind": "text", "options": [],
             "required": False}])
        svc.portal.set_evaluation(devon, tender_id, quality_weight=60, price_weight=40,
                                  quality_questions=[{"text": "How will you meet complex needs?",
                                                      "weight": 100}])
        svc.projections.wait_for(svc.portal.open_market_engagement(devon, tender_id))
        yield Journey(base_url, app, clock, tender_id)


@pytest.fixture
def pages(browser, journey) -> Iterator[Pages]:
    opened = Pages(browser, journey.base_url)
    yield opened
    opened.close()


def banner(page: Page) -> str:
    found = page.locator(".govuk-notification-banner--success")
    expect(found).to_be_visible()
    return found.inner_text()


def test_a_provider_answers_asks_and_bids_and_the_lead_sees_the_result(journey, pages):
    provider = account("provider_user")
    page = pages.new_page()

    # The provider finds the tender among the opportunities open to it.
    page.goto("/tenders/opportunities/")
    sign_in(page, provider)
    assert_accessible(page)
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_accessible(page)

    # Market engagement: the questionnaire, answered once for the organisation.
    page.get_by_role("link", name="Answer the questionnaire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Answer the questionnaire")
    assert_accessible(page)
    page.get_by_role("button", name="Send your answers").click()  # nothing filled in
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Answer: How many places could you offer?")
    assert_accessible(page)
    page.get_by_label("How many places could you offer?").fill("4")
    page.get_by_label("Devon", exact=True).check()
    page.get_by_label("Torbay", exact=True).check()
    page.get_by_label("What would help you bid? (optional)").fill(
        "Earlier sight of the referral volumes by area.")
    page.get_by_role("button", name="Send your answers").click()
    assert "Your answers have been sent" in banner(page)
    assert_accessible(page)

    # A clarification question, sent privately to the lead.
    page.get_by_role("link", name="Ask a clarification question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask a clarification question")
    assert_accessible(page)
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_label("Which lot is it about? (optional)").select_option("1")
    page.get_by_role("button", name="Send question").click()
    assert "Your question has been sent to the lead authority" in banner(page)
    expect(page.locator("#clarifications ~ .govuk-summary-card").first).to_contain_text(QUESTION)
    assert_accessible(page)

    # The lead publishes the invitation once engagement has closed (the lead's command).
    svc = journey.services
    journey.clock.now = ENGAGEMENT_CLOSES + timedelta(hours=1)
    svc.projections.wait_for(svc.portal.publish_invitation(
        actor(account("council_officer", "Devon")), journey.tender_id))

    # A sealed bid for the lot, then a better one in its place.
    page.reload()
    assert_accessible(page)
    bids = page.locator("#bids ~ .app-table-scroll table")
    page.get_by_role("link", name="Bid for lot 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bid for lot 1")
    assert_accessible(page)
    page.get_by_label("Weekly price per place").fill("4,321.50")
    page.get_by_role("button", name="Submit bid").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Weekly price per place must be in whole pounds: pence are not accepted")
    assert_accessible(page)
    page.get_by_label("Weekly price per place").fill("4321")
    page.get_by_label("Q1. How will you meet complex needs?").fill(
        "A therapeutic model with a clinical lead in every home.")
    page.get_by_role("button", name="Submit bid").click()
    assert "Your bid for Residential homes, Devon has been submitted" in banner(page)
    expect(bids).to_contain_text("£4,321 a week per place, sealed")
    assert_accessible(page)

    page.get_by_role("link", name="Replace your bid for lot 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Replace your bid for lot 1")
    expect(page.get_by_label("Weekly price per place")).to_have_value("4321")
    assert_accessible(page)
    page.get_by_label("Weekly price per place").fill("4195")
    page.get_by_role("button", name="Replace bid").click()
    assert "has been replaced" in banner(page)
    expect(bids).to_contain_text("£4,195 a week per place, sealed")
    expect(bids).not_to_contain_text("£4,321")
    assert_accessible(page)
    screenshot(page, "tender-journey-provider-bid")

    # After the deadline a late change is refused with a clear message.
    journey.clock.now = BID_DEADLINE + timedelta(minutes=5)
    page.goto(f"/opportunities/{journey.tender_id}/lots/1/bid")
    assert_accessible(page)
    page.get_by_label("Weekly price per place").fill("3999")
    page.get_by_role("button", name="Replace bid").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The bid deadline passed at 12:00 on 15 December 2026: late bids cannot be accepted")
    assert_accessible(page)

    # The lead opens the bids, an explicit step, and sees the result.
    lead = pages.new_page()
    lead.goto(f"/tenders/{journey.tender_id}")
    sign_in(lead, account("council_officer", "Devon"))
    expect(lead.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_accessible(lead)
    expect(lead.locator("#clarifications ~ .govuk-summary-card").first).to_contain_text(
        QUESTION)
    screenshot(lead, "tender-journey-lead-tender")
    lead.get_by_role("link", name="Open the bids").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Open the bids")
    assert_accessible(lead)
    lead.get_by_role("button", name="Open the bids now").click()
    assert "Bids opened" in banner(lead)
    expect(lead.get_by_role("heading", level=1)).to_have_text("Bids, scores and rankings")
    ranking = lead.get_by_role("table", name=re.compile("Lot 1: Residential homes, Devon"))
    expect(ranking).to_contain_text(provider.organisation)
    expect(ranking).to_contain_text("£4,195")
    expect(ranking).not_to_contain_text("£3,999")
    assert_accessible(lead)
    screenshot(lead, "tender-journey-lead-result")


def test_a_lead_drafts_a_tender_adding_lots_in_place(journey, pages):
    """htmx adds a lot to the form in place (what was typed stays); the plain form posts."""
    page = pages.new_page()
    page.goto("/tenders/new")
    sign_in(page, account("council_officer", "Plymouth"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft a tender")
    assert_accessible(page)
    page.evaluate("() => { window.journeyMarker = 'no full page load'; }")
    page.get_by_label("Title", exact=True).fill("Plymouth short breaks framework (browser journey)")
    page.get_by_label("Description", exact=True).fill("Short breaks for disabled children.")
    page.get_by_label("Framework", exact=True).check()
    page.get_by_label("Partnership", exact=True).select_option("Peninsula")
    page.get_by_label("Estimated annual value").fill("1300000")
    page.get_by_label("Estimated total value").fill("6500000")
    page.get_by_label("Term", exact=True).fill("60")
    page.get_by_label("Plymouth (lead)").fill("4500000")
    page.get_by_label("Devon", exact=True).fill("2000000")
    page.get_by_label("Lot 1: name").fill("Short breaks, Plymouth")
    page.get_by_label("Lot 1: kind of placement").select_option("short_breaks")
    page.get_by_label("Lot 1: area covered").fill("Plymouth")
    page.get_by_label("Lot 1: youngest age").fill("5")
    page.get_by_label("Lot 1: oldest age").fill("17")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="Add another lot").click()
    expect(page.get_by_label("Lot 2: name")).to_be_visible()
    expect(page.get_by_label("Lot 1: name")).to_have_value("Short breaks, Plymouth")
    expect(page.get_by_label("Title", exact=True)).to_have_value(
        "Plymouth short breaks framework (browser journey)")
    assert page.evaluate("() => window.journeyMarker") == "no full page load"
    assert_accessible(page)
    page.get_by_label("Lot 2: name").fill("Short breaks, Torbay")
    page.get_by_label("Lot 2: kind of placement").select_option("short_breaks")
    page.get_by_label("Lot 2: area covered").fill("Torbay")
    page.get_by_label("Lot 2: youngest age").fill("5")
    page.get_by_label("Lot 2: oldest age").fill("17")
    page.get_by_role("button", name="Save draft tender").click()
    assert "Tender drafted" in banner(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Plymouth short breaks framework (browser journey)")
    expect(page.get_by_role("table", name="Lots")).to_contain_text("Short breaks, Torbay")
    assert_accessible(page)
