"""Server-side sessions (OWASP ASVS 3.2-3.3): Flask's signed-cookie default fails each of these,
so each is tested: revocable, new at sign-in, idle and absolute timeouts, HttpOnly, SameSite,
``__Host-`` and Secure over TLS, refused after sign-out, "sign out everywhere"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from auth.sessions import PLAIN_COOKIE, SECURE_COOKIE, web_sessions
from portal import create_app
from portal.config import Settings
from tests.conftest import account_for
from tests.html_checks import CheckedClient, totp_code


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app) -> Clock:
    clock = Clock()
    app.session_interface.clock = clock
    return clock


@pytest.fixture
def officer():
    return account_for("council_officer", "Kent")


def signed_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def cookie(client, name=PLAIN_COOKIE):
    return client.get_cookie(name)


def test_the_cookie_is_httponly_samesite_and_holds_only_a_random_token(client, officer, app):
    client.sign_in(officer)
    jar = cookie(client)
    assert jar.http_only and jar.same_site == "Lax" and jar.path == "/"
    assert not jar.secure  # a plain-HTTP localhost run only
    assert len(jar.value) >= 40 and "." not in jar.value  # not a signed data cookie
    with app.extensions["portal"].engine.connect() as c:
        stored = c.execute(sa.select(web_sessions.c.token_hash, web_sessions.c.data)).all()
    assert all(jar.value not in (token_hash + data) for token_hash, data in stored)


def test_over_tls_the_cookie_is_host_prefixed_and_secure(demo_services, tmp_path, officer):
    settings = Settings.from_environment(
        database_url=demo_services.database.url.render_as_string(hide_password=False),
        secret_key="test-secret-key", instance=tmp_path, projections_inline=True,
        secure_cookies=True, portal_url="https://portal.example")
    app = create_app(settings, services=demo_services)
    app.config.update(TESTING=True)
    client = app.test_client()
    page = client.get("/sign-in", base_url="https://portal.example").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/sign-in", base_url="https://portal.example", data={
        "csrf_token": token, "email": officer.email, "password": officer.password},
        headers={"Referer": "https://portal.example/sign-in"})  # checked over HTTPS
    assert response.status_code == 302
    header = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith(SECURE_COOKIE + "="))
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"secure", "httponly", "path"} <= attributes
    assert "domain" not in attributes  # the __Host- prefix forbids it
    assert "samesite=lax" in header.lower()
    assert response.headers["Location"] == "/sign-in/code"  # the second factor, then in
    page = client.get("/sign-in/code", base_url="https://portal.example").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/sign-in/code", base_url="https://portal.example", data={
        "csrf_token": token, "code": totp_code(demo_services, officer)},
        headers={"Referer": "https://portal.example/sign-in/code"})
    assert response.status_code == 302
    assert client.get("/account", base_url="https://portal.example").status_code == 200


def test_signing_in_starts_a_new_session_and_ends_the_one_before(client, officer):
    client.get("/sign-in")
    client.csrf()
    before = cookie(client).value
    client.sign_in(officer)
    after = cookie(client).value
    assert after != before
    client.set_cookie(PLAIN_COOKIE, before)  # a token planted before sign-in
    assert not signed_in(client)


def test_a_cookie_replayed_after_sign_out_is_refused(client, officer):
    client.sign_in(officer)
    stolen = cookie(client).value
    assert signed_in(client)
    response = client.post_form("/sign-out")
    assert response.status_code == 302
    client.set_cookie(PLAIN_COOKIE, stolen)
    response = client.get("/account")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_thirty_minutes_idle_ends_the_session(client, officer, clock):
    client.sign_in(officer)
    clock.advance(minutes=29)
    assert signed_in(client)  # activity keeps it alive...
    clock.advance(minutes=29)
    assert signed_in(client)
    clock.advance(minutes=31)  # ...but not 31 minutes of silence
    assert not signed_in(client)


def test_twelve_hours_after_sign_in_the_session_ends_however_busy(client, officer, clock):
    client.sign_in(officer)
    for _ in range(35):  # every 20 minutes for 11 hours 40 minutes
        clock.advance(minutes=20)
        assert signed_in(client)
    clock.advance(minutes=21)
    assert not signed_in(client)


def test_sign_out_everywhere_ends_every_session_of_the_account(app, officer):
    app.test_client_class = CheckedClient
    laptop, phone, other = app.test_client(), app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.sign_in(officer)
    other.sign_in(account_for("council_officer", "Dorset"))
    page = phone.get("/account").get_data(as_text=True)
    assert "2 sessions" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = phone.post("/sign-out-everywhere", data={"csrf_token": token})
    assert response.status_code == 302
    assert not signed_in(laptop) and not signed_in(phone)
    assert signed_in(other)  # another account is untouched


def test_a_forged_or_oversized_cookie_is_just_no_session(client):
    for value in ("forged-token", "x" * 3000, ""):
        client.set_cookie(PLAIN_COOKIE, value)
        response = client.get("/account")
        assert response.status_code == 302
        assert client.get("/").status_code == 200


def test_visitors_who_need_no_session_store_nothing(client, app):
    engine = app.extensions["portal"].engine
    with engine.connect() as c:
        before = c.execute(sa.select(sa.func.count()).select_from(web_sessions)).scalar_one()
    assert client.get("/").status_code == 200
    assert client.get("/accessibility").status_code == 200
    with engine.connect() as c:
        after = c.execute(sa.select(sa.func.count()).select_from(web_sessions)).scalar_one()
    assert after == before
    assert cookie(client) is None


def wrong(client, account, address):
    return client.post_form("/sign-in", {"email": account.email, "password": "not-my-password"},
                            environ_base={"REMOTE_ADDR": address})


def test_five_wrong_passwords_lock_out_that_address_but_never_the_owner(app, client, officer):
    lockout = app.extensions["lockout"]
    lockout.clock = Clock()
    for _ in range(5):
        assert "Enter a correct email address" in wrong(client, officer, "203.0.113.9").text
    locked = client.post_form("/sign-in", {"email": officer.email, "password": officer.password},
                              environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert "Too many wrong passwords" in locked.text  # even the right password, from there
    assert not signed_in(client)
    owner = app.test_client()
    owner.__class__ = CheckedClient
    response = owner.post_form("/sign-in", {"email": officer.email,
                                            "password": officer.password},
                               environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 302  # the owner, elsewhere, is never locked out
    lockout.clock.advance(minutes=16)
    response = client.post_form("/sign-in", {"email": officer.email,
                                             "password": officer.password},
                                environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 302  # and the lock lifts by itself


def test_sign_ins_and_refusals_are_events_on_the_account(app, client, officer):
    from domain.account import account_id

    wrong(client, officer, "203.0.113.10")
    client.sign_in(officer)
    portal = app.extensions["portal"].portal
    stored = list(portal.events.get(account_id(officer.email)))
    kinds = [type(e).__name__ for e in stored]
    assert kinds[-2:] == ["SignInFailed", "SignedIn"]
    failed, signed_in_event = stored[-2:]
    assert failed.reason == "Wrong password" and failed.actor.user_id is None
    assert signed_in_event.method == "password+totp"
    assert signed_in_event.actor.user_id == account_id(officer.email)
