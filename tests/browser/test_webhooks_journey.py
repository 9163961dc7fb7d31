"""Webhooks in a real browser: an organisation's administrator subscribes one of its API
clients, copies the signing secret (shown once), opens the subscription, asks for its events
again and removes it; axe-core on every page. (Pages with errors are checked in
tests/web/test_webhook_pages.py: this fixture counts every 4xx answer as a problem.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Pages, assert_accessible, sign_in
from tests.browser.test_api_clients_journey import provider_admin  # noqa: F401

pytestmark = pytest.mark.browser


def test_an_administrator_subscribes_a_client_and_removes_it(pages: Pages,
                                                            provider_admin):  # noqa: F811
    page = pages.new_page()
    page.goto("/api-clients/")
    sign_in(page, provider_admin)
    page.get_by_label("Name").fill("Booking system for webhooks")
    page.get_by_label("Provider user").check()
    page.get_by_role("button", name="Create API client").click()
    page.get_by_role("link", name="webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    assert_accessible(page)
    page.get_by_label("API client").select_option(label="Booking system for webhooks")
    page.get_by_label("Address to deliver to").fill("https://booking.example.org/events")
    page.get_by_label("A home search was sent to the provider").check()
    page.get_by_role("button", name="Create subscription").click()
    expect(page.get_by_text("Copy this signing secret now: it is shown only once.")
           ).to_be_visible()
    assert page.locator("#new-secret").inner_text().startswith("whsec_")
    assert_accessible(page)
    page.get_by_role("link", name="https://booking.example.org/events").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook subscription")
    assert_accessible(page)
    page.get_by_label("From position").fill("1")
    page.get_by_role("button", name="Deliver again").click()
    expect(page.get_by_text("queued again")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Remove subscription").click()
    expect(page.get_by_text("Webhook subscription removed")).to_be_visible()
    expect(page.get_by_role("link", name="https://booking.example.org/events")).to_have_count(0)
    assert_accessible(page)
