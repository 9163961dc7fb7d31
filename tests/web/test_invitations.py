"""Inviting people, and accepting an invitation by its single-use, expiring link."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pyotp
import pytest

from domain.account import account_id
from domain.actor import Actor
from domain.organisation import authority_id
from portal.demo.loader import PLATFORM_ID
from projections.directory_queries import account_by_email
from tests.conftest import account_for

GOOD_PASSWORD = "copper kettle lantern moss"
LINK = re.compile(r"https?://[^/\s]+(/invitations/[A-Za-z0-9_-]+)")


def invite(client, **fields):
    data = {"display_name": "Nia Newstart", "email": "nia@kent.example.org",
            "organisation_id": str(authority_id("886")), "roles": ["council_officer"], **fields}
    return client.post_form("/users/invite", data)


def invitation_path(app, email: str) -> str:
    """The link from the last invitation e-mailed to ``email`` (the recording outbox)."""
    message = app.extensions["portal"].mailer.sent(to=email, kind="invitation")[-1]
    return LINK.search(message.body).group(1)


def directory_row(app, email: str):
    with app.extensions["portal"].engine.connect() as c:
        return account_by_email(c, email)


def test_a_platform_administrator_invites_to_any_organisation(app, client):
    client.sign_in(account_for("platform_admin"))
    page = client.get("/users/invite").get_data(as_text=True)
    assert "Invite a user" in page and "Kent" in page
    response = invite(client, reason="New placements officer")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Invitation sent" in page
    shown = LINK.search(page).group(1)
    assert shown == invitation_path(app, "nia@kent.example.org")
    (message,) = app.extensions["portal"].mailer.sent(to="nia@kent.example.org")
    assert message.subject == "You are invited to the Sufficiency Portal for Kent"
    row = directory_row(app, "nia@kent.example.org")
    assert (row["status"], row["roles"], row["second_factor"]) == (
        "invited", "council_officer", False)
    events = list(app.extensions["portal"].portal.events.get(row["id"]))
    assert [type(e).__name__ for e in events] == ["Created", "Invited"]
    assert events[1].reason == "New placements officer"
    assert shown.rsplit("/", 1)[1] not in str(vars(events[1]))  # the token is not an event


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"email": ""}, "email", "Enter the person's email address"),
    ({"email": "not-an-address"}, "email", "correct format"),
    ({"display_name": ""}, "display_name", "Enter the person's name"),
    ({"roles": []}, "roles", "Choose at least one role"),
    ({"roles": ["wizard"]}, "roles", "Choose roles from the list"),
    ({"roles": ["provider_user"]}, "roles", "You cannot invite someone as provider user"),
    ({"organisation_id": ""}, "organisation_id", "Choose the organisation"),
    ({"organisation_id": "not-a-uuid"}, "organisation_id", "Choose the organisation"),
    ({"organisation_id": str(account_id("x@y.org"))}, "organisation_id", "from the list"),
    ({"email": "placements@kent.example.org"}, "email", "already exists"),
])
def test_bad_invitations_say_why_and_store_and_send_nothing(app, client, fields, field,
                                                            message):
    client.sign_in(account_for("platform_admin"))
    before = app.extensions["portal"].portal.last_position()
    response = invite(client, **fields)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "<title>Error: Invite a user" in page
    assert message in page
    assert f'href="#{field}"' in page or f'href="#{field}-' in page
    assert app.extensions["portal"].portal.last_position() == before
    assert app.extensions["portal"].mailer.sent(kind="invitation") == []


def test_an_organisation_administrator_invites_to_their_own_organisation_only(app, client):
    svc = app.extensions["portal"]
    kent_admin = account_for("council_officer", "Kent")
    account = svc.portal.get_account(account_id(kent_admin.email))
    account.grant_role("organisation_admin", "authority", actor=Actor.system())
    svc.projections.wait_for(svc.portal._save(account))
    client.sign_in(kent_admin)
    page = client.get("/users/invite").get_data(as_text=True)
    assert 'name="organisation_id"' not in page  # nothing to choose: their own
    assert "Auditor" not in page and "Platform administrator" not in page
    # Another organisation named in a forged form is ignored: their own is used.
    response = invite(client, organisation_id=str(authority_id("878")))
    assert "Invitation sent" in response.get_data(as_text=True)
    row = directory_row(app, "nia@kent.example.org")
    assert row["organisation_id"] == authority_id("886")
    refused = invite(client, email="aud@kent.example.org", roles=["auditor"])
    assert "You cannot invite someone as auditor" in refused.get_data(as_text=True)
    assert directory_row(app, "aud@kent.example.org") is None


def test_people_without_accounts_manage_cannot_invite(client, officer, provider_user):
    for account in (officer, provider_user):
        client.sign_in(account)
        assert client.get("/users/invite").status_code == 403
        assert invite(client).status_code == 403
        client.post_form("/sign-out")
    assert client.get("/users/invite").status_code == 302  # signed out: to sign-in


def test_accepting_sets_a_password_activates_and_signs_in(app, client):
    client.sign_in(account_for("platform_admin"))
    invite(client)
    client.post_form("/sign-out")
    path = invitation_path(app, "nia@kent.example.org")
    page = client.get(path).get_data(as_text=True)
    assert "Set your password" in page and "nia@kent.example.org" in page
    response = client.post_form(path, {"password": GOOD_PASSWORD,
                                       "confirm_password": GOOD_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Nia Newstart" in client.get("/").get_data(as_text=True)
    row = directory_row(app, "nia@kent.example.org")
    assert row["status"] == "active"
    kinds = [type(e).__name__ for e in app.extensions["portal"].portal.events.get(row["id"])]
    assert kinds[-2:] == ["Activated", "SignedIn"]
    # The link is spent: a replay changes nothing and says so.
    client.post_form("/sign-out")
    replay = client.post_form(path, {"password": "another long password here",
                                     "confirm_password": "another long password here"})
    assert replay.status_code == 410
    assert "already been used" in replay.get_data(as_text=True)
    assert client.post_form("/sign-in", {"email": "nia@kent.example.org",
                                         "password": GOOD_PASSWORD}).status_code == 302


def test_a_provider_user_must_set_up_an_authenticator_before_activation(app, client):
    client.sign_in(account_for("platform_admin"))
    provider = account_for("provider_user")
    invite(client, email="new@provider.example.org", organisation_id=str(
        provider.organisation_id), roles=["provider_user"])
    client.post_form("/sign-out")
    path = invitation_path(app, "new@provider.example.org")
    assert "authenticator app" in client.get(path).get_data(as_text=True)
    response = client.post_form(path, {"password": GOOD_PASSWORD,
                                       "confirm_password": GOOD_PASSWORD})
    assert response.headers["Location"] == "/set-up-authenticator"
    assert client.get("/our-vacancies/").headers["Location"] == "/set-up-authenticator"
    assert directory_row(app, "new@provider.example.org")["status"] == "invited"
    page = client.get("/set-up-authenticator").get_data(as_text=True)
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    done = client.post_form("/set-up-authenticator", {"code": pyotp.TOTP(secret).now()})
    assert "Your recovery codes" in done.get_data(as_text=True)
    row = directory_row(app, "new@provider.example.org")
    assert (row["status"], row["second_factor"]) == ("active", True)
    assert client.get("/our-vacancies/").status_code == 200


@pytest.mark.parametrize(("password", "confirm", "message"), [
    ("", "", "Enter a password"),
    ("short", "short", "10 characters or more"),
    ("password123", "password123", "too common"),
    ("nia-kent-secret-words", "nia-kent-secret-words", "must not contain your email"),
    (GOOD_PASSWORD, "something else entirely", "do not match"),
    ("x" * 257, "x" * 257, "256 characters or fewer"),
])
def test_bad_passwords_keep_the_link_usable(app, client, password, confirm, message):
    client.sign_in(account_for("platform_admin"))
    invite(client)
    client.post_form("/sign-out")
    path = invitation_path(app, "nia@kent.example.org")
    response = client.post_form(path, {"password": password, "confirm_password": confirm})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert password not in page or not password
    assert directory_row(app, "nia@kent.example.org")["status"] == "invited"
    assert client.get(path).status_code == 200  # still usable


def test_tampered_expired_and_replaced_links_are_refused_clearly(app, client):
    svc = app.extensions["portal"]
    client.sign_in(account_for("platform_admin"))
    invite(client)
    path = invitation_path(app, "nia@kent.example.org")
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    for bad in (tampered, "/invitations/x", "/invitations/" + "a" * 200):
        response = client.get(bad)
        assert response.status_code == 404
        assert "This invitation link is not valid" in response.get_data(as_text=True)
    # Inviting again replaces the link: the first one stops working.
    invite(client)
    newer = invitation_path(app, "nia@kent.example.org")
    assert newer != path
    assert client.get(path).status_code == 410
    # An expired link.
    later = svc.tokens.clock
    svc.tokens.clock = lambda: later() + timedelta(days=8)
    try:
        response = client.post_form(newer, {"password": GOOD_PASSWORD,
                                            "confirm_password": GOOD_PASSWORD})
        assert response.status_code == 410
        assert "This invitation link has expired" in response.get_data(as_text=True)
    finally:
        svc.tokens.clock = later
    assert directory_row(app, "nia@kent.example.org")["status"] == "invited"
    assert not svc.credentials.has_password(account_id("nia@kent.example.org"))


def test_invitation_pages_are_only_for_invited_accounts(app, client):
    """A suspended invitee's link says so and changes nothing."""
    svc = app.extensions["portal"]
    client.sign_in(account_for("platform_admin"))
    invite(client)
    path = invitation_path(app, "nia@kent.example.org")
    account = svc.portal.get_account(account_id("nia@kent.example.org"))
    account.suspend(actor=Actor(account_id(account_for("platform_admin").email), PLATFORM_ID),
                    reason="Left before starting")
    svc.projections.wait_for(svc.portal._save(account))
    response = client.get(path)
    assert response.status_code == 410
    assert "can no longer be accepted" in response.get_data(as_text=True)
