"""The partnership's procurement pipeline for its council officers, and a provider's tenders,
responses and bids, through the real views."""

from __future__ import annotations

from datetime import date

import pytest

from portal.views.tender_pipelines import next_milestone
from tests.web.tender_fixtures import (
    NOW,
    PORTSMOUTH,
    Clock,
    actor_for,
    as_user,
    draft,
    officer,
    open_engagement,
    provider_accounts,
    table_row,
)


@pytest.fixture
def svc(app):
    return app.extensions["portal"]


@pytest.fixture
def clock(svc) -> Clock:
    clock = Clock()
    svc.portal.clock = clock
    return clock


def test_the_partnership_pipeline(client, svc, clock):
    tender_id = draft(svc)
    open_engagement(svc, tender_id)
    svc.projections.wait_for(svc.portal.record_key_decision(
        actor_for(officer("Portsmouth")), tender_id, authority_id=PORTSMOUTH,
        reference="PCC-2026-14", taken_on=date(2026, 11, 2)))
    client.sign_in(officer("West Sussex"))
    page = client.get("/tenders/pipeline/").get_data(as_text=True)
    assert "Procurement pipeline: South East" in page
    row = table_row(page, "South East complex needs block")
    assert "Market engagement" in row and "Led by Kent" in row
    assert "£3,564,000" in row and "£35,640,000" in row
    assert "key decision PCC-2026-14 taken 2 November 2026" in row
    assert row.count("not yet taken") == 2  # Kent's and West Sussex's
    assert "Market engagement closes: 5:00pm on 1 December 2026" in row
    # The demo's South East procurement, with Kent's key decision 21/00094.
    assert "key decision 21/00094 taken" in table_row(page, "children with complex needs")
    # Another partnership's officer sees only their own partnership.
    as_user(client, officer("Devon"))
    page = client.get("/tenders/pipeline/").get_data(as_text=True)
    assert "Procurement pipeline: Peninsula" in page
    assert "South East complex needs block" not in page
    assert client.get("/tenders/pipeline/?partnership=South+East").status_code == 404
    # Providers have no pipeline.
    as_user(client, provider_accounts()[0])
    assert client.get("/tenders/pipeline/").status_code == 403


def test_a_providers_opportunities_responses_and_bids(client, svc, clock):
    tender_id = draft(svc)
    account = provider_accounts()[2]  # no demo response or bid of its own
    client.sign_in(account)
    page = client.get("/tenders/opportunities/").get_data(as_text=True)
    assert "No tender is open to your organisation" in page
    open_engagement(svc, tender_id)
    page = client.get("/tenders/opportunities/").get_data(as_text=True)
    assert "South East complex needs block" in page
    assert "5:00pm on 1 December 2026" in page
    assert "has not answered any market engagement" in page
    svc.projections.wait_for(svc.portal.respond_to_engagement(
        actor_for(account), tender_id, provider_id=account.organisation_id,
        answers={"q1": 4})[1])
    page = client.get("/tenders/opportunities/").get_data(as_text=True)
    assert "Not amended" in page
    # Other providers' responses are never listed.
    as_user(client, provider_accounts()[3])
    page = client.get("/tenders/opportunities/").get_data(as_text=True)
    assert "has not answered any market engagement" in page
    as_user(client, officer("Kent"))
    assert client.get("/tenders/opportunities/").status_code == 403


def test_next_milestone_is_the_first_date_still_ahead():
    tender = {"stage": "market_engagement", "engagement_opens": date(2026, 11, 1),
              "engagement_closes": NOW.replace(day=30), "award": date(2027, 3, 1)}
    assert next_milestone(tender, NOW.date())["label"] == "Market engagement closes"
    assert next_milestone(tender, date(2026, 12, 1))["label"] == "Award decision"
    assert next_milestone(tender, date(2027, 4, 1)) is None
    assert next_milestone({**tender, "stage": "cancelled"}, NOW.date()) is None
