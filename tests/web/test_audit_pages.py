"""The auditor's pages through the real views: the event history, its filters and paging, a
record's history field by field, and nobody but an auditor getting in."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import pytest

from domain.account import Account, account_id
from domain.api_client import ApiClient
from domain.bid import Bid
from domain.board_search import BoardSearch
from domain.contract import Contract
from domain.development import Development
from domain.engagement import EngagementResponse
from domain.fostering import FosteringService
from domain.home_search import HomeSearch
from domain.identity_provider import IdentityProvider
from domain.organisation import authority_id
from domain.placement import Placement
from domain.tender import Tender
from domain.tender_document import DocumentDownload, TenderDocument
from domain.tender_reminder import DeadlineReminder
from domain.vacancy import Vacancy
from domain.webhook import WebhookSubscription
from portal.demo.loader import provider_id
from projections.audit.queries import in_london
from tests.conftest import account_for
from tests.web.test_provider_pages import a_home, own_setting_ids, publish, vacancy_form

POSITION = re.compile(r'govuk-table__cell--numeric">(\d+)</td>')
RECORD_LINK = re.compile(r'href="/audit/records/([0-9a-f-]{36})"')


@pytest.fixture
def demo_events(app) -> int:
    """How many events the demo region holds before the test acts (its directory, vacancies
    and accounts, its children's placements and its tenders)."""
    return app.extensions["portal"].portal.last_position()


def all_events(app) -> int:
    """Every event stored so far (signing in is recorded too)."""
    return app.extensions["portal"].portal.last_position()


@pytest.fixture
def auditor():
    return account_for("auditor")


def results_count(page: str) -> int:
    match = re.search(r'id="results-heading"[^>]*>\s*([\d,]+) events?', page)
    return int(match.group(1).replace(",", ""))


def owner(aggregate):
    """The organisation a record belongs to, from the aggregate's own fields."""
    if isinstance(aggregate, Vacancy | Bid | EngagementResponse):
        return aggregate.provider_id
    if isinstance(aggregate, Account | IdentityProvider | ApiClient | WebhookSubscription):
        return aggregate.organisation_id
    if isinstance(aggregate, Placement | Contract | TenderDocument | DocumentDownload
                  | DeadlineReminder | HomeSearch | BoardSearch | FosteringService
                  | Development):
        return aggregate.authority_id
    if isinstance(aggregate, Tender):
        return aggregate.lead_authority_id
    return aggregate.id


def stored_events(app) -> list[tuple[str, object, object]]:
    """(topic, event, owning organisation) for every stored event, read from the event store
    and the aggregates themselves rather than from the audit index."""
    portal = app.extensions["portal"].portal
    owners: dict = {}
    out = []
    for notification in portal.recorder.select_notifications(start=1, limit=100_000):
        event = portal.mapper.to_domain_event(notification)
        record = event.originator_id
        if record not in owners:
            owners[record] = owner(portal.repository.get(record))
        out.append((notification.topic, event, owners[record]))
    return out


def test_an_auditor_sees_every_event_of_the_demo_region(client, app, auditor):
    client.sign_in(auditor)
    response = client.get("/audit/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    events = all_events(app)
    assert results_count(page) == len(stored_events(app)) == events
    assert f"Showing 1 to 50 of {events:,}, newest first." in page
    assert [int(p) for p in POSITION.findall(page)] == list(range(events, events - 50, -1))
    assert "System" in page
    assert "Created an account for" in client.get("/audit/?record_type=Account").get_data(
        as_text=True)
    assert 'href="/audit/"' in page  # the Audit item in the navigation


def test_each_filter_narrows_the_history_and_agrees_with_the_event_store(client, app, auditor,
                                                                        demo_events):
    client.sign_in(auditor)
    events = stored_events(app)
    kent, provider = authority_id("886"), provider_id(
        account_for("provider_user").organisation)
    first_day = in_london(events[0][1].timestamp).date()

    def count(test) -> int:
        return sum(1 for topic, event, owner in events if test(topic, event, owner))

    cases = {
        f"organisation={kent}": count(lambda t, e, o: o == kent),
        f"organisation={provider}": count(lambda t, e, o: o == provider),
        "record_type=Vacancy": count(lambda t, e, o: ":Vacancy." in t),
        "event_type=SettingAdded": count(lambda t, e, o: t.endswith(".SettingAdded")),
        "record_type=Provider&event_type=Registered": count(
            lambda t, e, o: t.endswith(":Provider.Registered")),
        f"organisation={provider}&record_type=Vacancy": count(
            lambda t, e, o: o == provider and ":Vacancy." in t),
        "actor=system": count(lambda t, e, o: e.actor.user_id is None),
        f"from={first_day}&to={first_day}": count(
            lambda t, e, o: in_london(e.timestamp).date() == first_day),
        f"from={first_day:%d/%m/%Y}&to={first_day:%d/%m/%Y}": count(
            lambda t, e, o: in_london(e.timestamp).date() == first_day),
        f"from={first_day + timedelta(days=1)}": 0,
        f"to={first_day - timedelta(days=1)}": 0,
    }
    for query, expected in cases.items():
        page = client.get(f"/audit/?{query}").get_data(as_text=True)
        assert results_count(page) == expected, query
    assert 0 < cases[f"organisation={provider}&record_type=Vacancy"] \
        < cases[f"organisation={provider}"] < demo_events
    assert 0 < cases[f"organisation={kent}"] < demo_events


def test_blank_filters_as_a_plain_form_sends_them_are_ignored(client, app, auditor):
    client.sign_in(auditor)
    page = client.get("/audit/?organisation=&actor=&record_type=&event_type=&from=&to="
                      "&page=").get_data(as_text=True)
    assert "could not be used" not in page
    assert "There is a problem" not in page
    assert results_count(page) == all_events(app)


def test_paging_walks_every_event_once_newest_first(client, app, auditor):
    client.sign_in(auditor)
    portal = app.extensions["portal"].portal
    providers = [n.id for n in portal.recorder.select_notifications(start=1, limit=100_000)
                 if ":Provider." in n.topic]
    seen = []
    for number in range(1, len(providers) // 50 + 2):  # every page of the providers' history
        seen += [int(p) for p in POSITION.findall(client.get(
            f"/audit/?record_type=Provider&page={number}").get_data(as_text=True))]
    assert seen == sorted(providers, reverse=True)
    last = client.get("/audit/?page=999").get_data(as_text=True)
    events = all_events(app)
    first = (events - 1) // 50 * 50 + 1
    assert f"Showing {first} to {events} of {events:,}, newest first." in last
    assert [int(p) for p in POSITION.findall(last)] == list(range(events - first + 1, 0, -1))
    filtered = client.get("/audit/?record_type=Provider").get_data(as_text=True)
    assert 'href="/audit/?record_type=Provider&amp;page=2"' in filtered


def test_htmx_gets_only_the_results_fragment(client, auditor):
    client.sign_in(auditor)
    response = client.get("/audit/?record_type=Vacancy",
                          headers={"HX-Request": "true", "HX-Target": "results"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in fragment
    assert "<h1" not in fragment
    assert 'id="results-heading"' in fragment
    full = client.get("/audit/?record_type=Vacancy").get_data(as_text=True)
    assert "<h1" in full
    # The demo's vacancies' events: 78, and a place published and filled for its emergency.
    assert results_count(full) == results_count(fragment) == 80
    bad = client.get("/audit/?event_type=Exploded",
                     headers={"HX-Request": "true", "HX-Target": "results"})
    assert bad.status_code == 200
    assert "Choose a kind of event from the list" in bad.get_data(as_text=True)


@pytest.mark.parametrize(("query", "message"), [
    ("organisation=not-a-uuid", "Choose an organisation from the list"),
    ("organisation=00000000-0000-4000-8000-0000000000a1", "Choose an organisation from the list"),
    ("actor=nobody@example.org", "There is no account with that email address"),
    ("actor=somebody", "Enter an email address, a user ID or"),
    ("actor=" + "x" * 400, "Who did it must be 320 characters or fewer"),
    ("record_type=Castle", "Choose a kind of record from the list"),
    ("event_type=Exploded", "Choose a kind of event from the list"),
    ("from=2026-02-30", "From date must be a real date"),
    ("to=31/02/2026", "To date must be a real date"),
    ("to=next tuesday", "To date must be a real date"),
    ("from=1066-10-14", "From date must be between 1 January 2000 and 31 December 2099"),
    ("to=9999-12-31", "To date must be between 1 January 2000 and 31 December 2099"),
    ("from=2000-01-02&to=2000-01-01", "To date must be the same as or after the from date"),
    ("page=x", "Page must be a whole number"),
    ("page=0", "Page must be a whole number from 1"),
    ("page=99999999999999999999999", "Page must be a whole number from 1"),
])
def test_bad_filters_get_a_clear_message_not_an_error(client, app, auditor, query, message):
    client.sign_in(auditor)
    response = client.get(f"/audit/?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "<title>Error: Event history" in page
    assert results_count(page) == all_events(app)  # the bad filter is left out


def test_a_records_history_shows_each_field_change_and_why(
        client, app, provider_user, auditor, demo_events):
    import sqlalchemy as sa

    from projections.audit.index import audit_events

    with app.extensions["portal"].engine.connect() as c:  # the demo's own (offers it made)
        earlier = c.execute(sa.select(sa.func.count()).select_from(audit_events).where(
            audit_events.c.actor_user_id == account_id(provider_user.email))).scalar()
    client.sign_in(provider_user)
    vacancy_id = publish(client, app, provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    response = client.post_form(f"/our-vacancies/{vacancy_id}/edit", vacancy_form(
        a_home(settings), weekly_fee="4500", reason="Annual uplift"))
    assert response.status_code == 302
    client.post_form("/sign-out")

    client.sign_in(auditor)
    page = html.unescape(client.get(f"/audit/records/{vacancy_id}").get_data(as_text=True))
    assert "History of the vacancy at " in page
    assert "Published a children's home vacancy at £4,321 a week" in page
    assert "Changed a vacancy: weekly fee to £4,500" in page
    assert "£4,321 to £4,500" in page
    assert "Reason: Annual uplift" in page
    assert f"{provider_user.display_name}, {provider_user.organisation}" in page
    # Creation shows every field; the change shows only the field that changed.
    assert "Education on site" in page
    assert page.count("Youngest age") == 1
    assert page.count("Weekly fee") == 2

    user = account_id(provider_user.email)
    for actor in (provider_user.email, provider_user.email.upper(), str(user)):
        by_user = client.get(f"/audit/?actor={actor}").get_data(as_text=True)
        # Signing in, publishing and changing the vacancy: three events by the user.
        assert results_count(by_user) == earlier + 3, actor
        assert {vacancy_id, str(user)} <= set(RECORD_LINK.findall(by_user))
        assert "Annual uplift" in by_user
    everything = client.get("/audit/").get_data(as_text=True)
    assert results_count(everything) == all_events(app)
    # The system loaded the demo region, all but the tenders' steps (taken by named officers).
    by_system = [e for _, e, _ in stored_events(app) if e.actor.user_id is None]
    assert 0 < len(by_system) < demo_events
    assert results_count(client.get("/audit/?actor=system").get_data(
        as_text=True)) == len(by_system)


def test_a_providers_history_is_grouped_by_day(client, app, auditor):
    client.sign_in(auditor)
    record = provider_id(account_for("provider_user").organisation)
    page = client.get(f"/audit/records/{record}").get_data(as_text=True)
    day = in_london(stored_events(app)[0][1].timestamp).date()
    assert f'<h2 class="govuk-heading-m">{day.day} {day:%B %Y}</h2>' in page
    assert "Registered the provider" in page
    assert "Added the setting" in page
    assert "by the system" in page


def test_unknown_records_are_not_found(client, auditor):
    client.sign_in(auditor)
    assert client.get(f"/audit/records/{uuid.uuid4()}").status_code == 404
    assert client.get("/audit/records/not-a-uuid").status_code == 404


@pytest.mark.parametrize("role", ["council_officer", "provider_user", "platform_admin"])
def test_only_auditors_may_read_the_audit_pages(client, role):
    client.sign_in(account_for(role))
    for path in ("/audit/", "/audit/?record_type=Vacancy", f"/audit/records/{authority_id('886')}",
                 f"/audit/records/{uuid.uuid4()}"):
        assert client.get(path).status_code == 403, path
    assert 'href="/audit/"' not in client.get("/").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/audit/", f"/audit/records/{authority_id('886')}"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")


def test_histories_whose_events_hold_nested_details_are_shown(client, app, auditor):
    """A placement's terms and an authority's targets are dicts in their events (found by the
    generated isolation traffic: these pages answered 500)."""
    import sqlalchemy as sa

    from projections.placements import placement_children

    dorset = authority_id("838")
    with app.extensions["portal"].engine.connect() as c:
        placement = c.execute(sa.select(placement_children.c.id).where(
            placement_children.c.authority_id == dorset).limit(1)).scalar_one()
    client.sign_in(auditor)
    child = client.get(f"/audit/records/{placement}")
    assert child.status_code == 200
    assert "Legal status: " in html.unescape(child.get_data(as_text=True))
    authority = client.get(f"/audit/records/{dorset}")
    assert authority.status_code == 200
    assert "Children in care per 10,000 children: 60" in html.unescape(
        authority.get_data(as_text=True))
