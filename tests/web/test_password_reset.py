"""Resetting a forgotten password by an e-mailed, single-use link that works for an hour."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from domain.account import account_id
from domain.actor import Actor

NEW_PASSWORD = "heron bicycle tangerine"
LINK = re.compile(r"https?://[^/\s]+(/password-reset/[A-Za-z0-9_-]+)")


def ask(client, email: str):
    return client.post_form("/password-reset/", {"email": email})


def reset_path(app, email: str) -> str:
    message = app.extensions["portal"].mailer.sent(to=email, kind="password_reset")[-1]
    return LINK.search(message.body).group(1)


def test_the_reply_is_the_same_whether_or_not_the_account_exists(app, client, officer):
    known = ask(client, officer.email)
    unknown = ask(client, "nobody@nowhere.example.org")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token" value="[^"]+"|nonce="[^"]+"')
    assert strip.sub("", known.get_data(as_text=True)) == strip.sub(
        "", unknown.get_data(as_text=True))
    mailer = app.extensions["portal"].mailer
    assert [m.to for m in mailer.sent(kind="password_reset")] == [officer.email]
    assert mailer.sent(to="nobody@nowhere.example.org") == []


def test_a_suspended_account_gets_no_link(app, client, officer):
    svc = app.extensions["portal"]
    account = svc.portal.get_account(account_id(officer.email))
    account.suspend(actor=Actor.system(), reason="Left")
    svc.projections.wait_for(svc.portal._save(account))
    assert "Check your email" in ask(client, officer.email).get_data(as_text=True)
    assert svc.mailer.sent(kind="password_reset") == []


def test_asking_is_throttled(client, officer):
    statuses = [ask(client, officer.email).status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429


def test_an_empty_address_is_asked_for(client):
    page = ask(client, "").get_data(as_text=True)
    assert "<title>Error: Reset your password" in page
    assert "Enter your email address" in page


def test_a_reset_changes_the_password_ends_sessions_and_clears_the_lockout(app, client,
                                                                          officer):
    svc = app.extensions["portal"]
    elsewhere = app.test_client()  # the officer signed in on another device
    elsewhere.sign_in(officer)
    lockout = app.extensions["lockout"]
    for _ in range(5):
        lockout.failed(officer.email, "127.0.0.1")
    assert lockout.locked_until(officer.email, "127.0.0.1") is not None
    ask(client, officer.email)
    path = reset_path(app, officer.email)
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    response = client.post_form(path, {"password": NEW_PASSWORD,
                                       "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert elsewhere.get("/placements/").status_code == 302  # that session has ended
    assert lockout.locked_until(officer.email, "127.0.0.1") is None
    (event,) = [e for e in svc.portal.events.get(account_id(officer.email))
                if type(e).__name__ == "PasswordReset"]
    assert NEW_PASSWORD not in str(vars(event)) and "argon2" not in str(vars(event))
    assert not svc.credentials.verify(account_id(officer.email), officer.password)
    assert svc.credentials.verify(account_id(officer.email), NEW_PASSWORD)
    # The second factor still applies.
    signed = client.post_form("/sign-in", {"email": officer.email, "password": NEW_PASSWORD})
    assert signed.headers["Location"] == "/sign-in/code"
    # The link is spent.
    client.post_form("/sign-out")
    replay = client.post_form(path, {"password": "otter marble chimney",
                                     "confirm_password": "otter marble chimney"})
    assert replay.status_code == 410
    assert "already been used" in replay.get_data(as_text=True)
    assert svc.credentials.verify(account_id(officer.email), NEW_PASSWORD)


def test_expired_tampered_and_superseded_links_are_refused(app, client, officer):
    svc = app.extensions["portal"]
    ask(client, officer.email)
    first = reset_path(app, officer.email)
    ask(client, officer.email)
    second = reset_path(app, officer.email)
    assert client.get(first).status_code == 410  # only the latest link works
    tampered = second[:-1] + ("A" if second[-1] != "A" else "B")
    response = client.get(tampered)
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)
    now = svc.tokens.clock
    svc.tokens.clock = lambda: now() + timedelta(minutes=61)
    try:
        response = client.post_form(second, {"password": NEW_PASSWORD,
                                             "confirm_password": NEW_PASSWORD})
        assert response.status_code == 410
        assert "expired" in response.get_data(as_text=True)
    finally:
        svc.tokens.clock = now
    assert svc.credentials.verify(account_id(officer.email), officer.password)


@pytest.mark.parametrize(("password", "confirm", "message"), [
    ("short", "short", "10 characters or more"),
    ("liverpool2024!", "liverpool2024!", "too common"),
    (NEW_PASSWORD, "different words here", "do not match"),
    ("", "", "Enter a password"),
])
def test_bad_new_passwords_change_nothing(app, client, officer, password, confirm, message):
    ask(client, officer.email)
    path = reset_path(app, officer.email)
    response = client.post_form(path, {"password": password, "confirm_password": confirm})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert app.extensions["portal"].credentials.verify(account_id(officer.email),
                                                       officer.password)
    assert client.get(path).status_code == 200  # still usable
