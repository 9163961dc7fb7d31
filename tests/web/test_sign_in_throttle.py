"""Sign-in under a council's morning rush: only failures are throttled (auth/lockout.py).

A whole council's staff reach the portal through one proxy address, so successful sign-ins
from one address are never counted; guessing is still slowed, per address, per account and
per pair, in the failures table every web worker shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from auth.credentials import credentials
from domain.actor import Actor
from domain.organisation import authority_id
from tests.html_checks import CheckedClient
from tests.web.test_server_sessions import Clock

PROXY = "198.51.100.20"
PASSWORD = "morning rush correct horse"


def _client(app) -> CheckedClient:
    client = app.test_client()
    client.__class__ = CheckedClient
    return client


def _attempt(app, email: str, password: str, address: str = PROXY):
    return _client(app).post_form("/sign-in", {"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def clock(app):
    lockout = app.extensions["lockout"]
    lockout.clock = Clock()
    return lockout.clock


def officers(app, count: int) -> list[str]:
    """Kent officers with local accounts and one password (hashed once, the same hash stored
    for each, so the test spends its time signing in rather than hashing)."""
    svc = app.extensions["portal"]
    kent = authority_id("886")
    expires = datetime.now(UTC) + timedelta(days=7)
    emails, ids = [], []
    position = 0
    for n in range(count):
        email = f"officer{n:03}@kent.example.org"
        account, _ = svc.portal.invite_account(
            Actor.system(), email=email, display_name=f"Kent officer {n}", organisation_id=kent,
            roles=["council_officer"], expires_at=expires)
        position = svc.portal.activate_account(account)
        emails.append(email)
        ids.append(account)
    svc.credentials.set_password(ids[0], PASSWORD)
    with svc.engine.begin() as c:
        stored = c.execute(sa.select(credentials).where(
            credentials.c.account_id == ids[0])).mappings().one()
        c.execute(credentials.insert(), [
            {**stored, "account_id": account} for account in ids[1:]])
    svc.projections.wait_for(position)
    return emails


@pytest.fixture
def staff(app) -> list[str]:
    return officers(app, 25)


def test_two_hundred_officers_sign_in_through_one_address_within_a_minute(app, clock):
    for email in officers(app, 200):  # the lockout's clock stands still: all within one minute
        response = _attempt(app, email, PASSWORD)
        assert response.status_code == 302, (email, response.text[:300])
        assert response.headers["Location"] == "/"


def test_guessing_many_accounts_from_one_address_is_stopped_for_a_while(app, staff, clock):
    for email in staff[:10]:
        assert "Enter a correct email address" in _attempt(app, email, "not the password").text
    # The eleventh attempt from that address within the minute, even a right one, is refused
    # with 429 and when to come back; another address is not affected.
    stopped = _attempt(app, staff[10], PASSWORD)
    assert stopped.status_code == 429
    assert "Too many wrong passwords or codes have come from your network" in stopped.text
    assert 1 <= int(stopped.headers["Retry-After"]) <= 61
    assert _attempt(app, staff[10], PASSWORD, address="192.0.2.44").status_code == 302
    clock.advance(minutes=1, seconds=1)
    assert _attempt(app, staff[11], PASSWORD).status_code == 302


def test_a_hundred_failures_an_hour_from_one_address_stop_it_for_the_hour(app, staff, clock):
    for n in range(100):  # twenty accounts, five tries each: no pair or account limit reached
        if n and n % 9 == 0:
            clock.advance(minutes=1, seconds=1)  # never ten within one minute
        assert _attempt(app, staff[n % 20], "not the password").status_code == 200
    assert _attempt(app, staff[24], PASSWORD).status_code == 429
    clock.advance(minutes=45)  # the first failures (eleven minutes ago and more) are within it
    assert _attempt(app, staff[24], PASSWORD).status_code == 429
    clock.advance(minutes=5)
    assert _attempt(app, staff[24], PASSWORD).status_code == 302


def test_guessing_one_account_from_many_addresses_is_stopped(app, staff, clock):
    target = staff[0]
    for n in range(20):
        _attempt(app, target, "not the password", address=f"203.0.113.{n + 1}")
    refused = _attempt(app, target, PASSWORD, address="203.0.113.200")
    assert refused.status_code == 200
    assert "Too many wrong passwords or codes for this account from several places" in refused.text
    assert _attempt(app, staff[1], PASSWORD, address="203.0.113.200").status_code == 302
    clock.advance(minutes=16)
    assert _attempt(app, target, PASSWORD, address="203.0.113.200").status_code == 302


def test_a_right_password_after_a_typo_forgets_the_typo(app, staff, clock):
    for _ in range(4):
        _attempt(app, staff[0], "typo")
        assert _attempt(app, staff[0], PASSWORD).status_code == 302
    # Sixteen failures in all, none of them left counting against the pair.
    assert _attempt(app, staff[0], PASSWORD).status_code == 302
