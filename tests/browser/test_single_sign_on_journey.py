"""A council officer signs in through their council's identity provider in a real browser: the
sign-in page, the work email, the council's sign-in page, the provider's own page (a real
OpenID Connect provider on localhost), and back, signed in. No Content-Security-Policy
violation on the way (the step to the provider is a link, so ``form-action 'self'`` never
meets the provider's address), and axe-core passes on every portal page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from domain.account import account_id
from domain.actor import Actor
from domain.identity_provider import identity_provider_id
from portal import create_app
from portal.config import Settings
from tests.browser.conftest import Pages, assert_accessible, serving
from tests.conftest import account_for, copy_demo_database
from tests.oidc_provider import running_provider

pytestmark = pytest.mark.browser

SECRET_ENV = "BROWSER_KENT_OIDC_CLIENT_SECRET"


@pytest.fixture(scope="module")
def sso_server(browser, demo_database, session_databases, tmp_path_factory) -> Iterator[dict]:
    """The portal on its own copy of the demo region, with Kent's identity provider registered
    against a provider running on localhost; yields the portal's base URL and the provider."""
    instance = tmp_path_factory.mktemp("sso-browser")
    database_url = copy_demo_database(demo_database, instance, session_databases)
    kent = account_for("council_officer", "Kent")
    admin = account_for("platform_admin")
    idp = identity_provider_id(kent.organisation_id)
    with serving(lambda base_url: create_app(Settings.from_environment(
            database_url=database_url, secret_key="browser-sso-secret-key",
            instance=instance, projections_inline=True, secure_cookies=False,
            portal_url=base_url))) as (base_url, app), \
            running_provider() as provider, pytest.MonkeyPatch.context() as patch:
        # The single sign-on redirect address is built from the portal's address.
        client_id, secret = provider.register_client(
            f"{base_url}/sign-in/organisation/{idp}/callback")
        patch.setenv(SECRET_ENV, secret)
        services = app.extensions["portal"]
        services.portal.register_identity_provider(
            Actor(account_id(admin.email), admin.organisation_id),
            organisation_id=kent.organisation_id, display_name="Kent County Council",
            discovery_url=provider.discovery_url, client_id=client_id,
            client_secret_ref=f"env:{SECRET_ENV}", allowed_domains=["kent.example.org"])
        services.projections.catch_up()
        yield {"base_url": base_url, "provider": provider, "officer": kent}


def test_a_council_officer_signs_in_with_their_councils_account(browser, sso_server):
    officer, provider = sso_server["officer"], sso_server["provider"]
    provider.add_user("kent-entra-oid-7", email=officer.email, name="Kent placements officer")
    pages = Pages(browser, sso_server["base_url"])
    try:
        page = pages.new_page()
        # The provider's own page styles itself from a CDN; the tests use no network.
        page.context.route("https://cdn.jsdelivr.net/**", lambda route: route.fulfill(
            status=200, body="", content_type="text/css"))
        page.goto("/sign-in")
        assert_accessible(page)
        page.get_by_role("link", name="sign in with the account you use at work").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Sign in with your organisation's account")
        assert_accessible(page)

        page.get_by_role("button", name="Continue").click()  # nothing entered
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter your work email address")
        assert_accessible(page)

        page.get_by_label("Work email address").fill(officer.email)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Sign in with your Kent County Council account")
        assert_accessible(page)

        page.get_by_role("button", name="Continue to Kent County Council's sign-in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Authorize Client")
        assert page.url.startswith(provider.url + "/oauth2/authorize?")
        page.get_by_placeholder("sub").fill("kent-entra-oid-7")
        page.get_by_role("button", name="Authorize").click()

        page.wait_for_url(sso_server["base_url"] + "/")
        expect(page.locator(".app-account")).to_contain_text("Kent placements officer")
        assert_accessible(page)
        expect(page.get_by_role("link", name="Kent placements officer")).to_be_visible()
    finally:
        pages.close()
