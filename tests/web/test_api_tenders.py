"""The integration API's tenders: a provider's system reads the tenders open to it (never who
evaluates, nor another provider's answers or bids), answers market engagement and lodges,
reads and withdraws its own sealed bids; a council's system reads its partnership's tenders.
A tender the client may not see answers exactly like a missing one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.account import account_id
from domain.actor import Actor
from portal.demo.loader import demo_accounts
from tests.conftest import account_for
from tests.web.api_fixtures import Api

SOUTH_EAST = "South East"


def _all(api, **query) -> list[dict]:
    items, cursor = [], None
    while True:
        page = api.get("/tenders", query_string={"limit": 2, **query,
                                                 **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.get_json()
        items += page.get_json()["items"]
        cursor = page.get_json()["next_cursor"]
        if cursor is None:
            return items


def _inviting_bids(services, officer) -> UUID:
    """Kent's tender for children's homes, inviting bids until three weeks from now (its
    market engagement run and closed on a clock set in the past)."""
    portal, actor = services.portal, Actor(account_id(officer.email), officer.organisation_id)
    real, now = portal.clock, datetime.now(UTC)
    clock = {"at": now - timedelta(days=10)}
    portal.clock = lambda: clock["at"]
    try:
        tender, _ = portal.draft_tender(
            actor, lead_authority_id=officer.organisation_id, partnership=SOUTH_EAST,
            title="Homes for the API", description="Children's homes across Kent",
            route="block_contract", estimated_annual_value=400_000,
            estimated_total_value=2_000_000, term_months=60,
            lots=[{"name": "Homes", "setting_type": "childrens_home", "area": "Kent",
                   "places": 4, "age_from": 8, "age_to": 17, "needs": []}],
            partners=[{"authority_id": officer.organisation_id, "share": 2_000_000}],
            timetable={"engagement_closes": now - timedelta(days=8)})
        portal.set_questionnaire(actor, tender, questions=[
            {"text": "How many beds could you open?", "kind": "number", "required": True}])
        portal.set_evaluation(actor, tender, quality_questions=[
            {"text": "Your approach", "weight": 100}], quality_weight=60, price_weight=40)
        portal.open_market_engagement(actor, tender)
        clock["at"] = now - timedelta(days=7)
        portal.set_tender_timetable(actor, tender, timetable={
            "clarification_deadline": now + timedelta(days=10),
            "bid_deadline": now + timedelta(days=21)})
        portal.publish_invitation(actor, tender)
    finally:
        portal.clock = real
    services.projections.catch_up()
    return tender


@pytest.fixture
def bidder(app, demo_services):
    """A provider's client that a tender inviting bids is open to, and that tender."""
    tender = str(_inviting_bids(demo_services, account_for("council_officer", "Kent")))
    for account in (a for a in demo_accounts() if a.role == "provider_user"):
        api = Api(app, demo_services, account.organisation_id, ["provider_user"])
        if tender in {t["id"] for t in _all(api, stage="invitation_to_tender")}:
            return api, tender
    pytest.fail("no demo provider may bid for a children's homes tender")


def test_a_provider_lists_tenders_open_to_it_and_reads_one(bidder):
    api, tender_id = bidder
    listed = _all(api)
    assert tender_id in {t["id"] for t in listed}
    assert len(listed) == len({t["id"] for t in listed})
    assert all(t["stage"] != "draft" for t in listed)
    tender = api.get(f"/tenders/{tender_id}")
    body = tender.get_json()
    assert tender.status_code == 200 and body["viewer_role"] == "provider"
    assert body["lots"] and "evaluators" not in body and "moderator" not in body


def test_a_provider_bids_replaces_and_withdraws_its_own_sealed_bid(bidder):
    api, tender_id = bidder
    tender = api.get(f"/tenders/{tender_id}").get_json()
    lot = tender["lots"][0]["lot_id"]
    answers = {q["question_id"]: "Our approach, in full" for q in tender["quality_questions"]}
    before = api.position()
    refused = api.post(f"/tenders/{tender_id}/lots/{lot}/bid", {"weekly_price": "cheap",
                                                                  "answers": {"Q1": {}}})
    assert refused.status_code == 422 and api.position() == before
    assert {e["field"] for e in refused.get_json()["errors"]} == {"weekly_price",
                                                                  "answers.Q1"}
    bid = api.post(f"/tenders/{tender_id}/lots/{lot}/bid", {"weekly_price": 3100,
                                                              "answers": answers})
    assert bid.status_code == 200, bid.get_json()
    assert [(b["lot_id"], b["weekly_price"], b["status"]) for b in bid.get_json()["bids"]] \
        == [(lot, 3100, "submitted")]
    replaced = api.post(f"/tenders/{tender_id}/lots/{lot}/bid", {"weekly_price": 3000,
                                                                   "answers": answers})
    assert [b["weekly_price"] for b in replaced.get_json()["bids"]] == [3000]
    withdrawn = api.post(f"/tenders/{tender_id}/lots/{lot}/withdraw", {"reason": "Full"})
    assert [b["status"] for b in withdrawn.get_json()["bids"]] == ["withdrawn"]
    assert api.get(f"/tenders/{tender_id}/own-answers").get_json()["bids"] == \
        withdrawn.get_json()["bids"]
    assert api.post(f"/tenders/{tender_id}/lots/99/bid", {"weekly_price": 1}).status_code \
        == 404


def test_market_engagement_closed_is_a_conflict_and_stores_nothing(bidder):
    api, tender_id = bidder
    before = api.position()
    answered = api.put(f"/tenders/{tender_id}/engagement-response", {"answers": {}})
    assert answered.status_code in (409, 422), answered.get_json()
    assert api.position() == before


def test_a_council_reads_its_partnerships_tenders_and_not_bids(council_api, bidder):
    listed = _all(council_api)
    assert listed and all(t["stage"] for t in listed)
    assert council_api.get(f"/tenders/{listed[0]['id']}").status_code == 200
    assert council_api.get(f"/tenders/{listed[0]['id']}/own-answers").status_code == 403
    api, tender_id = bidder
    missing = str(uuid4())
    other = {t["id"] for t in listed} ^ {tender_id}
    for hidden in [t for t in other if t not in {x["id"] for x in _all(api)}][:1]:
        assert api.get(f"/tenders/{hidden}").get_data() == \
            api.get(f"/tenders/{missing}").get_data()
