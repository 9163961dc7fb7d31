"""Signing in and out, CSRF, and the pages anyone may see."""

from __future__ import annotations

import re

import pytest

from portal.demo.loader import demo_accounts
from projections.registry import all_projections


@pytest.mark.parametrize("path", ["/", "/sign-in", "/accessibility", "/privacy"])
def test_public_pages_render(client, path):
    assert client.get(path).status_code == 200


def test_sign_in_then_out(client, officer):
    response = client.sign_in(officer)
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Kent placements officer" in home
    assert "Vacancy board</a>: open places across the region" in home
    response = client.post_form("/sign-out")
    assert response.status_code == 302
    assert client.get("/vacancies/").status_code == 302  # back to sign-in


def test_wrong_password_and_unknown_email_get_the_same_message(client, officer):
    for email, password in [(officer.email, "wrong-password"), ("nobody@x.org", "whatever")]:
        response = client.post_form("/sign-in", {"email": email, "password": password})
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Enter a correct email address and password" in page
        assert "<title>Error: Sign in" in page
        assert "wrong-password" not in page


def test_empty_sign_in_names_both_fields(client):
    page = client.post_form("/sign-in", {"email": "", "password": ""}).get_data(as_text=True)
    assert "Enter your email address" in page
    assert "Enter your password" in page


def test_sign_in_follows_only_local_next_addresses(client, officer):
    token = client.csrf()
    response = client.post("/sign-in?next=/vacancies/?age=9", data={
        "csrf_token": token, "email": officer.email, "password": officer.password})
    assert response.headers["Location"] == "/sign-in/code"  # the second factor, then on
    assert client.enter_code(officer).headers["Location"] == "/vacancies/?age=9"
    client.post_form("/sign-out")
    # Other officers (one account signs in at most twice in one 30-second time step).
    others = [a for a in demo_accounts() if a.role == "council_officer" and a != officer]
    for hostile, other in zip(["https://evil.example", "//evil.example", "/\\evil.example"],
                              others, strict=False):
        response = client.post(f"/sign-in?next={hostile}", data={
            "csrf_token": client.csrf(), "email": other.email, "password": other.password})
        assert client.enter_code(other).headers["Location"] == "/", hostile
        client.post_form("/sign-out")


def test_posts_without_a_valid_csrf_token_are_refused(client, officer):
    response = client.post("/sign-in", data={"email": officer.email,
                                              "password": officer.password})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    response = client.post("/sign-in", data={"csrf_token": "forged", "email": officer.email,
                                              "password": officer.password})
    assert response.status_code == 400


def test_a_new_session_is_issued_at_sign_in(client, officer):
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.sign_in(officer)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_a_suspended_account_is_signed_out(app, client, officer):
    from domain.account import account_id
    from domain.actor import Actor

    client.sign_in(officer)
    services = app.extensions["portal"]
    position = services.portal.get_account(account_id(officer.email)).id
    account = services.portal.get_account(position)
    account.suspend(actor=Actor.system(), reason="left")
    services.projections.wait_for(services.portal._save(account))
    assert client.get("/vacancies/").status_code == 302


def test_a_role_taken_away_or_given_counts_from_the_next_request(app, client, officer):
    """Each process remembers the principals it read (portal/security.py): a role change
    moves where the accounts table last changed, so the next request reads it afresh."""
    from domain.account import account_id
    from domain.actor import Actor

    client.sign_in(officer)
    assert client.get("/vacancies/").status_code == 200  # read once, then remembered
    assert client.get("/vacancies/").status_code == 200
    services = app.extensions["portal"]
    account = services.portal.get_account(account_id(officer.email))
    account.revoke_role("council_officer", actor=Actor.system(), reason="moved on")
    services.projections.wait_for(services.portal._save(account))
    assert client.get("/vacancies/").status_code == 403
    account = services.portal.get_account(account_id(officer.email))
    account.grant_role("council_officer", "authority", actor=Actor.system(), reason="back")
    services.projections.wait_for(services.portal._save(account))
    assert client.get("/vacancies/").status_code == 200


def test_a_renamed_organisation_shows_on_the_next_request(app, client, officer):
    from domain.actor import Actor

    client.sign_in(officer)
    assert "Kent and Medway" not in client.get("/").get_data(as_text=True)
    services = app.extensions["portal"]
    account = services.portal.find_account(officer.email)
    authority = services.portal.repository.get(account.organisation_id)
    authority.update_details(name="Kent and Medway", actor=Actor.system())
    services.projections.wait_for(services.portal._save(authority))
    assert "Kent and Medway" in client.get("/").get_data(as_text=True)


def test_health_reports_database_and_projection_lag(app, client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["backend"] == app.extensions["portal"].database.url.get_backend_name()
    assert set(body["projections"]) == {p.name for p in all_projections()}
    assert all(p["behind"] == 0 for p in body["projections"].values())


def test_htmx_requests_carry_the_csrf_token_in_a_header(client, officer):
    assert "hx-headers" not in client.get("/").get_data(as_text=True)  # nothing to protect yet
    client.sign_in(officer)
    page = client.get("/vacancies/").get_data(as_text=True)
    token = re.search(r'hx-headers="\{&#34;X-CSRFToken&#34;: &#34;([^&]+)&#34;\}"', page)
    assert token, "the body should carry the token for htmx"
    forged = client.post("/sign-out", headers={"HX-Request": "true", "X-CSRFToken": "forged"})
    assert forged.status_code == 400
    headers = {"HX-Request": "true", "X-CSRFToken": token.group(1)}
    assert client.post("/sign-out", headers=headers).status_code == 302
    assert client.get("/vacancies/").status_code == 302  # signed out


def test_repeated_wrong_sign_ins_from_one_address_are_throttled(client, officer):
    """Ten failures a minute from one address, whatever the email addresses; then 429.
    (tests/web/test_sign_in_throttle.py: successes never count, and the other limits.)"""
    statuses = [client.post_form("/sign-in", {"email": f"guess{n}@kent.example.org",
                                              "password": "wrong-one"}).status_code
                for n in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    refused = client.post_form("/sign-in", {"email": officer.email, "password": officer.password})
    assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)


def test_the_web_process_signs_a_checkpoint_when_one_is_due(app, client):
    """Every command is signed as the projections catch up (issue 17), so the demo arrives
    signed; the web process also re-signs once the last checkpoint is 15 minutes old, which
    shows the log was not quietly rolled back since."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from projections.audit.checkpoints import audit_checkpoints, stored_checkpoints

    services = app.extensions["portal"]
    with services.engine.begin() as c:
        before = stored_checkpoints(c)
        assert before and before[-1].tree_size == services.portal.last_position()
        c.execute(audit_checkpoints.update().values(
            signed_at=datetime.now(UTC) - timedelta(minutes=16)))
    client.get("/")
    client.get("/")  # looked at once a minute at most: no second checkpoint
    with services.engine.connect() as c:
        after = stored_checkpoints(c)
        newest = c.execute(sa.select(audit_checkpoints.c.signed_at)
                           .order_by(audit_checkpoints.c.id.desc()).limit(1)).scalar_one()
    assert len(after) == len(before) + 1
    assert after[-1].tree_size == services.portal.last_position()
    newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
    assert datetime.now(UTC) - newest < timedelta(minutes=1)
