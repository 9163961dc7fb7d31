"""API clients in a real browser: an organisation's administrator creates a client, copies its
key (shown once), sees the client listed, and revokes it; axe-core on every page. The key
then works against the API until it is revoked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from domain.account import account_id
from domain.actor import Actor
from tests.browser.conftest import LIVE_APPS, Pages, assert_accessible, sign_in
from tests.conftest import account_for

pytestmark = pytest.mark.browser


@pytest.fixture
def provider_admin(live_server):
    """The demo provider user, made its organisation's administrator for this test only (the
    live server is shared with the other journeys)."""
    provider = account_for("provider_user")
    services = LIVE_APPS[live_server].extensions["portal"]
    services.projections.wait_for(services.portal.grant_role(
        Actor.system(), account_id(provider.email), role="organisation_admin",
        reason="Runs the provider's booking system"))
    yield provider
    services.projections.wait_for(services.portal.revoke_role(
        Actor.system(), account_id(provider.email), role="organisation_admin",
        reason="Journey over"))


def test_an_administrator_creates_and_revokes_an_api_client(pages: Pages, provider_admin):
    provider = provider_admin
    page = pages.new_page()
    page.goto("/api-clients/")
    sign_in(page, provider)
    expect(page.get_by_role("heading", level=1)).to_have_text("API clients")
    assert_accessible(page)
    page.get_by_label("Name").fill("Booking system")
    page.get_by_label("Provider user").check()
    page.get_by_role("button", name="Create API client").click()
    expect(page.get_by_text("Copy this key now: it is shown only once.")).to_be_visible()
    assert_accessible(page)
    key = page.locator("#new-key").inner_text()
    api = page.context.request
    answer = api.get("/api/v1/settings", headers={"Authorization": f"Bearer {key}"})
    assert answer.status == 200 and answer.json()["items"]

    page.goto("/api-clients/")
    expect(page.locator("#new-key")).to_have_count(0)  # never shown again
    row = page.get_by_role("row").filter(has_text="Booking system")
    expect(row).to_contain_text("Active")
    assert_accessible(page)
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("API client revoked: its key no longer works")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Booking system")).to_contain_text("Revoked")
    assert_accessible(page)
    refused = api.get("/api/v1/settings", headers={"Authorization": f"Bearer {key}"})
    assert refused.status == 401
