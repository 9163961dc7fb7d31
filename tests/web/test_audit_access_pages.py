"""The auditor's page of every change of access across the region."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from projections.audit.access import ACCESS_CHANGES, SIGN_INS
from projections.audit.index import SUMMARIES, audit_events
from tests.web.test_user_pages import DORSET, KENT, add_account, demo_id, sign_in

SYSTEM = Actor.system()


@pytest.fixture
def changes(demo_services):
    """A Kent administrator who grants, takes away, suspends and reinstates; a Dorset one."""
    svc = demo_services
    kim = add_account(svc, "kim@kent.example.org", KENT, ["organisation_admin"])
    dee = add_account(svc, "dee@dorset.example.org", DORSET, ["organisation_admin"])
    officer = demo_id(svc, "council_officer", "Kent")
    actor = Actor(kim.id, KENT)
    svc.portal.grant_role(actor, officer, role="organisation_admin", reason="Deputy")
    svc.portal.revoke_role(actor, officer, role="organisation_admin", reason="Not needed")
    svc.portal.suspend_account(actor, officer, reason="On leave")
    position = svc.portal.reinstate_account(actor, officer, reason="Back from leave")
    svc.portal.record_sign_in(dee.id, method="password+totp")
    position = svc.portal.record_failed_sign_in(dee.id, reason="Wrong password")
    svc.projections.wait_for(position)
    return kim, dee


def auditor(client, demo_services):
    sign_in(client, demo_id(demo_services, "auditor"))


def test_every_kind_of_account_event_is_a_change_of_access_or_a_sign_in():
    account_events = {key for key in SUMMARIES if key[0] == "Account"}
    assert account_events <= ACCESS_CHANGES | SIGN_INS
    assert not ACCESS_CHANGES & SIGN_INS
    assert set(SUMMARIES) >= ACCESS_CHANGES | SIGN_INS  # each has its sentence


def test_the_auditor_sees_every_change_of_access_and_nothing_else(client, changes,
                                                                  demo_services):
    auditor(client, demo_services)
    page = client.get("/audit/access/").get_data(as_text=True)
    for sentence in ["Granted an account the role Organisation administrator",
                     "Took the role Organisation administrator from an account",
                     "Suspended an account", "Reinstated an account",
                     "Created an account for kim@kent.example.org",
                     "Created an account for dee@dorset.example.org"]:
        assert sentence in page, sentence
    for reason in ["Deputy", "Not needed", "On leave", "Back from leave"]:
        assert f">{reason}</td>" in page
    assert "Kim, Kent" in page  # who did it
    assert "Signed in" not in page and "Refused a sign-in" not in page
    # Exactly the access changes in the whole history, and none of the rest of it.
    with demo_services.engine.connect() as c:
        kinds = c.execute(sa.select(audit_events.c.record_type, audit_events.c.event_type)
                          ).all()
    expected = sum(1 for kind in kinds if tuple(kind) in ACCESS_CHANGES)
    assert 0 < expected < len(kinds)
    assert f"{expected:,} events" in page


def test_sign_ins_are_shown_on_request(client, changes, demo_services):
    auditor(client, demo_services)
    page = client.get("/audit/access/?sign_ins=yes").get_data(as_text=True)
    assert "Signed in (password and totp)" in page
    assert "Refused a sign-in to an account" in page and "Wrong password" in page
    assert "Suspended an account" in page
    assert 'value="yes" checked' in page


def test_filtered_by_the_organisation_the_account_belongs_to(client, changes, demo_services):
    auditor(client, demo_services)
    dorset = client.get(f"/audit/access/?organisation={DORSET}&sign_ins=yes").get_data(
        as_text=True)
    assert "dee@dorset.example.org" in dorset and "Refused a sign-in" in dorset
    assert "kim@kent.example.org" not in dorset and "Suspended an account" not in dorset
    kent = client.get(f"/audit/access/?organisation={KENT}").get_data(as_text=True)
    assert "Suspended an account" in kent and "dee@dorset.example.org" not in kent


def test_filtered_by_date(client, changes, demo_services):
    auditor(client, demo_services)
    today = date.today()
    tomorrow = (today + timedelta(days=2)).strftime("%d/%m/%Y")
    page = client.get(f"/audit/access/?from={tomorrow}").get_data(as_text=True)
    assert "0 events" in page and "Suspended an account" not in page
    yesterday = (today - timedelta(days=1)).isoformat()
    page = client.get(f"/audit/access/?from={yesterday}").get_data(as_text=True)
    assert "Suspended an account" in page


@pytest.mark.parametrize(("query", "message"), [
    ("from=31/02/2026", "From date must be a real date"),
    ("to=yesterday", "To date must be a real date"),
    ("from=2026-11-23&to=2026-11-01", "To date must be the same as or after the from date"),
    ("from=1066-10-14", "From date must be between"),
    ("organisation=nonsense", "Choose an organisation from the list"),
    ("organisation=00000000-0000-4000-8000-0000000000a1", "Choose an organisation from the list"),
    ("sign_ins=maybe", "Choose whether to include sign-ins"),
    ("page=minus", "Page must be a whole number"),
])
def test_bad_filters_get_a_clear_message_and_the_other_filters_still_apply(
        client, changes, demo_services, query, message):
    auditor(client, demo_services)
    response = client.get(f"/audit/access/?{query}&sign_ins=yes")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "<title>Error: Changes of access" in page


@pytest.mark.parametrize("role", ["council_officer", "provider_user", "platform_admin"])
def test_only_the_auditor_may_read_it(client, demo_services, role):
    sign_in(client, demo_id(demo_services, role))
    assert client.get("/audit/access/").status_code == 403


def test_an_organisation_admin_may_not_read_it(client, changes):
    kim, _dee = changes
    sign_in(client, kim)
    assert client.get("/audit/access/").status_code == 403


def test_htmx_gets_only_the_results(client, changes, demo_services):
    auditor(client, demo_services)
    response = client.get(f"/audit/access/?organisation={KENT}", headers={
        "HX-Request": "true", "HX-Target": "results"})
    page = response.get_data(as_text=True)
    assert "<html" not in page and "Suspended an account" in page


def test_signing_in_is_required(client):
    response = client.get("/audit/access/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_event_history_links_here(client, demo_services):
    auditor(client, demo_services)
    assert 'href="/audit/access/"' in client.get("/audit/").get_data(as_text=True)
