"""The auditor's event feed through the API: every event in notification order, paged by
position, with the event history page's own sentence and who did it, and its leaf in the
verifiable log. Only a client given the auditor's role (by a platform administrator alone)
reads it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domain.account import account_id
from domain.actor import Actor
from domain.errors import DomainError, NotFound
from projections.audit.index import audit_events
from projections.audit.log import audit_leaves
from tests.conftest import account_for
from tests.web.api_fixtures import Api, admin_of


@pytest.fixture
def auditor_api(app, demo_services):
    admin = account_for("platform_admin")
    api = Api(app, demo_services, admin.organisation_id, ["council_officer"])
    api.client_id, api.key = demo_services.portal.create_api_client(
        Actor(account_id(admin.email), admin.organisation_id), name="Audit system",
        roles=["auditor"])
    return api


def test_the_feed_pages_every_event_in_position_order(auditor_api):
    services = auditor_api.services
    services.projections.catch_up()
    first = auditor_api.get("/audit/events", query_string={"limit": 3})
    assert first.status_code == 200, first.get_json()
    page = first.get_json()
    positions = [e["position"] for e in page["items"]]
    second = auditor_api.get("/audit/events", query_string={
        "limit": 3, "cursor": page["next_cursor"]}).get_json()
    positions += [e["position"] for e in second["items"]]
    with services.engine.connect() as c:
        expected = list(c.execute(sa.select(audit_events.c.position, audit_events.c.summary)
                                  .order_by(audit_events.c.position).limit(6)))
        leaves = dict(c.execute(sa.select(audit_leaves.c.position,
                                          audit_leaves.c.leaf_hash)).all())
    assert positions == [p for p, _ in expected]
    events = page["items"] + second["items"]
    assert [e["summary"] for e in events] == [s for _, s in expected]
    for event in events:
        leaf = leaves.get(event["position"])
        assert event["leaf_hash"] == (None if leaf is None else leaf.hex())
    resumed = auditor_api.get("/audit/events", query_string={
        "after": positions[2], "limit": 3}).get_json()
    assert [e["position"] for e in resumed["items"]] == positions[3:]


def test_an_api_clients_event_names_the_client(auditor_api, provider_api):
    from tests.web.api_fixtures import setting_of, vacancy_body

    before = provider_api.position()
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    assert provider_api.post("/vacancies", vacancy_body(setting.id)).status_code == 201
    feed = auditor_api.get("/audit/events", query_string={"after": before}).get_json()
    published = [e for e in feed["items"] if e["event_type"] == "Published"]
    assert [e["actor_name"] for e in published] == ["API client Test system"]
    assert published[0]["actor_user_id"] == str(provider_api.client_id)


def test_bad_paging_is_named_and_others_may_not_read_the_feed(auditor_api, council_api):
    both = auditor_api.get("/audit/events", query_string={"after": 1, "cursor": "x"})
    assert both.status_code == 400
    assert auditor_api.get("/audit/events", query_string={"cursor": "bm90LWEtY3Vyc29y"}
                           ).status_code == 400
    assert auditor_api.get("/audit/events", query_string={"after": -1}).status_code == 400
    assert council_api.get("/audit/events").status_code == 403


def test_only_a_platform_administrator_gives_a_client_the_auditors_role(demo_services):
    officer = account_for("council_officer", "Kent")
    admin = admin_of(demo_services, officer)
    with pytest.raises(DomainError, match="Only a platform administrator"):
        demo_services.portal.create_api_client(
            Actor(admin, officer.organisation_id), name="Sneaky", roles=["auditor"])


def test_creating_and_revoking_a_client_are_events_of_its_organisation(auditor_api,
                                                                       demo_services):
    officer = account_for("council_officer", "Kent")
    admin = Actor(admin_of(demo_services, officer), officer.organisation_id)
    before = auditor_api.position()
    client_id, key = demo_services.portal.create_api_client(admin, name="Mosaic",
                                                            roles=["council_officer"])
    demo_services.portal.revoke_api_client(admin, client_id, reason="Replaced")
    events = auditor_api.get("/audit/events", query_string={"after": before}).get_json()
    assert [(e["record_type"], e["event_type"], e["record_id"], e["organisation_id"],
             e["actor_user_id"], e["reason"]) for e in events["items"]] == [
        ("ApiClient", "Created", str(client_id), str(officer.organisation_id),
         str(admin.user_id), None),
        ("ApiClient", "Revoked", str(client_id), str(officer.organisation_id),
         str(admin.user_id), "Replaced")]
    assert events["items"][0]["summary"].startswith(
        "Created the API client Mosaic (Council officer), its key valid until ")
    assert key not in str(events)  # never the key
    with pytest.raises(NotFound, match="already revoked"):
        demo_services.portal.revoke_api_client(admin, client_id)
    assert auditor_api.position() == before + 2
