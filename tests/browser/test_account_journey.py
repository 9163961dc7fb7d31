"""Local accounts in a real browser: a platform administrator invites a provider user, who
opens the link, sets a password, sets up an authenticator app from the QR code page (its key
under "I cannot scan the QR code"), keeps the recovery codes and lands signed in; then the
forgotten-password pages. axe-core on every page, and no Content-Security-Policy violation
(the QR code is inline SVG)."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Pages, assert_accessible, sign_in
from tests.conftest import account_for

pytestmark = pytest.mark.browser

PASSWORD = "walnut harbour lantern fog"


def test_an_invited_provider_user_sets_a_password_and_an_authenticator(pages: Pages):
    admin_page = pages.new_page()
    admin_page.goto("/users/invite")
    sign_in(admin_page, account_for("platform_admin"))
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Invite a user")
    assert_accessible(admin_page)
    admin_page.get_by_role("button", name="Send invitation").click()
    expect(admin_page.locator(".govuk-error-summary")).to_contain_text("Choose at least one role")
    assert_accessible(admin_page)
    provider = account_for("provider_user")
    admin_page.get_by_label("Full name").fill("Robin Browser")
    admin_page.get_by_label("Email address").fill("robin@browser.example.org")
    admin_page.get_by_label("Organisation", exact=True).select_option(
        label=f"{provider.organisation} (Provider)")
    admin_page.get_by_label("Provider user").check()
    admin_page.get_by_role("button", name="Send invitation").click()
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Invitation sent")
    assert_accessible(admin_page)
    link = admin_page.locator("#invitation-link").inner_text()

    page = pages.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm new password").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    assert_accessible(page)
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")
           ).to_be_visible()
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    assert_accessible(page)
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("button", name="I have kept my codes: continue").click()
    expect(page.locator(".app-account")).to_contain_text("Robin Browser")
    assert_accessible(page)


def test_the_forgotten_password_pages(pages: Pages):
    page = pages.new_page()
    page.goto("/sign-in")
    assert_accessible(page)
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    assert_accessible(page)
    page.get_by_label("Email address").fill("nobody@browser.example.org")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)
