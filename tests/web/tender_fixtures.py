"""A joint tender on the demo region, driven through the real commands with a clock the test
sets: for the documents, notices and pipeline pages' tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.account import account_id
from domain.actor import Actor
from domain.organisation import authority_id
from tests.conftest import account_for

KENT, PORTSMOUTH, WEST_SUSSEX = authority_id("886"), authority_id("851"), authority_id("938")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ENGAGEMENT_CLOSES = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
CLARIFICATIONS_CLOSE = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
BID_DEADLINE = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
HOMES = {"name": "Complex needs homes", "setting_type": "childrens_home", "area": "Kent",
         "places": 10, "age_from": 8, "age_to": 17, "needs": []}
FOSTERING = {"name": "Foster care", "setting_type": "independent_fostering_agency",
             "area": "Kent", "places": None, "age_from": 0, "age_to": 17, "needs": []}


class Clock:
    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def officer(name: str):
    return account_for("council_officer", name)


def provider_accounts():
    from portal.demo.loader import demo_accounts

    return [a for a in demo_accounts() if a.role == "provider_user"]


def actor_for(account) -> Actor:
    return Actor(user_id=account_id(account.email), organisation_id=account.organisation_id)


def as_user(client, account):
    client.post_form("/sign-out")
    client.sign_in(account)
    return client


def draft(svc, *, lots=(HOMES,), title="South East complex needs block") -> UUID:
    kent = actor_for(officer("Kent"))
    tender_id, position = svc.portal.draft_tender(
        kent, lead_authority_id=KENT, partnership="South East", title=title,
        description="Fifteen beds within 24 months for children with complex needs.",
        route="block_contract", estimated_annual_value=3_564_000,
        estimated_total_value=35_640_000, term_months=120, lots=list(lots),
        partners=[{"authority_id": KENT, "share": 20_000_000},
                  {"authority_id": PORTSMOUTH, "share": 8_000_000},
                  {"authority_id": WEST_SUSSEX, "share": 7_640_000}],
        timetable={"engagement_closes": ENGAGEMENT_CLOSES,
                   "clarification_deadline": CLARIFICATIONS_CLOSE,
                   "bid_deadline": BID_DEADLINE})
    svc.projections.wait_for(position)
    return tender_id


def open_engagement(svc, tender_id: UUID) -> None:
    kent = actor_for(officer("Kent"))
    svc.portal.set_questionnaire(kent, tender_id, questions=[
        {"text": "How many beds could you open within 24 months?", "kind": "number",
         "options": [], "required": True}])
    svc.portal.set_evaluation(kent, tender_id, quality_weight=60, price_weight=40,
                              quality_questions=[{"text": "Your approach", "weight": 100}])
    svc.projections.wait_for(svc.portal.open_market_engagement(kent, tender_id))


def publish_invitation(svc, clock: Clock, tender_id: UUID) -> None:
    clock.now = ENGAGEMENT_CLOSES + timedelta(hours=1)
    kent = actor_for(officer("Kent"))
    svc.projections.wait_for(svc.portal.publish_invitation(kent, tender_id))


def table_row(page: str, text: str) -> str:
    """The table row (``<tr>...</tr>``) holding ``text``; AssertionError if there is none."""
    import re

    for row in re.findall(r"<tr class=\"govuk-table__row\">.*?</tr>", page, re.S):
        if text in row:
            return row
    raise AssertionError(f"no table row holds {text!r}")
