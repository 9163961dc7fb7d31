"""Joint tenders through the real views, for each role and stage: the lead council drafts and
runs a tender, a partner records its key decision and sees responses, providers answer, ask and
bid (sealed until opening), and nobody reaches another organisation's tender.

Every page is fetched by the CheckedClient, which validates its HTML. The portal's clock is set
by each test, so deadlines are the server's and nothing depends on when the tests run.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from markupsafe import escape

from domain.account import account_id
from domain.actor import Actor
from domain.organisation import authority_id
from tests.conftest import account_for
from tests.html_checks import CheckedClient
from tests.web.test_placement_pages import date_fields, error_text, field_error

KENT, PORTSMOUTH, WEST_SUSSEX = authority_id("886"), authority_id("851"), authority_id("938")
DORSET = authority_id("838")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ENGAGEMENT_CLOSES = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
CLARIFICATIONS_CLOSE = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
BID_DEADLINE = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
PRICE, NEW_PRICE = 4321, 4195
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class Clock:
    """The portal's clock, moved by the test."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def svc(app):
    return app.extensions["portal"]


@pytest.fixture
def clock(svc) -> Clock:
    clock = Clock(NOW)
    svc.portal.clock = clock
    return clock


def officer(name: str):
    return account_for("council_officer", name)


def providers():
    return [a for a in _demo_accounts() if a.role == "provider_user"]


def _demo_accounts():
    from portal.demo.loader import demo_accounts

    return demo_accounts()


def actor_for(account) -> Actor:
    return Actor(user_id=account_id(account.email), organisation_id=account.organisation_id)


@pytest.fixture
def login(app, clock):
    """A client signed in as each account, one session per account (so no account signs in
    twice in one test)."""
    clients: dict[str, CheckedClient] = {}

    def signed_in(account) -> CheckedClient:
        if account.email not in clients:
            app.test_client_class = CheckedClient
            clients[account.email] = app.test_client()
            clients[account.email].sign_in(account)
        return clients[account.email]

    return signed_in


def shown(text: str) -> str:
    """``text`` as the page escapes it."""
    return escape(text)


def moment_fields(name: str, when: datetime) -> dict[str, str]:
    """A deadline as the form takes it: a date and a UK time (GMT in winter)."""
    return {**date_fields(name, when.date()), f"{name}-time": f"{when:%H:%M}"}


def tender_form(**overrides) -> dict:
    return {
        "title": "South East complex needs block", "route": "block_contract",
        "description": "Fifteen beds within 24 months for children with complex needs.",
        "partnership": "South East", "estimated_annual_value": "3564000",
        "estimated_total_value": "35640000", "term_months": "120",
        f"share-{KENT}": "20000000", f"share-{PORTSMOUTH}": "8000000",
        f"share-{WEST_SUSSEX}": "7640000",
        "lot-count": "2",
        "lot-1-name": "Complex needs homes, Kent", "lot-1-setting_type": "childrens_home",
        "lot-1-area": "Kent", "lot-1-places": "10", "lot-1-age_from": "8",
        "lot-1-age_to": "17", "lot-1-needs": ["complex_needs", "solo_placement"],
        "lot-2-name": "Complex needs homes, Hampshire coast",
        "lot-2-setting_type": "childrens_home", "lot-2-area": "Portsmouth",
        "lot-2-places": "5", "lot-2-age_from": "10", "lot-2-age_to": "17",
        **moment_fields("engagement_closes", ENGAGEMENT_CLOSES),
        **moment_fields("clarification_deadline", CLARIFICATIONS_CLOSE),
        **moment_fields("bid_deadline", BID_DEADLINE),
        **overrides,
    }


LOTS = [
    {"name": "Complex needs homes, Kent", "setting_type": "childrens_home", "area": "Kent",
     "places": 10, "age_from": 8, "age_to": 17, "needs": ["complex_needs"]},
    {"name": "Complex needs homes, Hampshire coast", "setting_type": "childrens_home",
     "area": "Portsmouth", "places": 5, "age_from": 10, "age_to": 17, "needs": []},
]
QUESTIONS = [
    {"text": "How many beds could you open within 24 months?", "kind": "number",
     "options": [], "required": True},
    {"text": "Which areas could you open homes in?", "kind": "multiple",
     "options": ["Kent", "Portsmouth", "West Sussex"], "required": True},
    {"text": "Anything else we should know?", "kind": "text", "options": [],
     "required": False},
]


def draft(svc, **changes) -> UUID:
    """Kent's tender, drafted through the command (the form has its own tests)."""
    kent = actor_for(officer("Kent"))
    terms = dict(
        lead_authority_id=KENT, partnership="South East",
        title="South East complex needs block", description="Fifteen beds for complex needs.",
        route="block_contract", estimated_annual_value=3_564_000,
        estimated_total_value=35_640_000, term_months=120, lots=LOTS,
        partners=[{"authority_id": KENT, "share": 20_000_000},
                  {"authority_id": PORTSMOUTH, "share": 8_000_000},
                  {"authority_id": WEST_SUSSEX, "share": 7_640_000}],
        timetable={"engagement_closes": ENGAGEMENT_CLOSES,
                   "clarification_deadline": CLARIFICATIONS_CLOSE,
                   "bid_deadline": BID_DEADLINE})
    terms.update(changes)
    tender_id, position = svc.portal.draft_tender(kent, **terms)
    svc.projections.wait_for(position)
    return tender_id


def advance(svc, clock: Clock, tender_id: UUID, stage: str,
            start: str = "questionnaire") -> None:
    """Move the tender on through the commands, as its lead would, from ``start`` to
    ``stage``."""
    kent = actor_for(officer("Kent"))
    steps = ["questionnaire", "market_engagement", "invitation_to_tender", "evaluation"]
    position = 0
    for step in steps[steps.index(start):steps.index(stage) + 1]:
        if step == "questionnaire":
            svc.portal.set_questionnaire(kent, tender_id, questions=QUESTIONS)
            position = svc.portal.set_evaluation(
                kent, tender_id, quality_weight=60, price_weight=40, quality_questions=[
                    {"text": "How will you meet complex needs?", "weight": 70},
                    {"text": "How will you recruit staff?", "weight": 30}])
        elif step == "market_engagement":
            position = svc.portal.open_market_engagement(kent, tender_id)
        elif step == "invitation_to_tender":
            clock.now = ENGAGEMENT_CLOSES + timedelta(hours=1)
            position = svc.portal.publish_invitation(kent, tender_id)
        elif step == "evaluation":
            clock.now = BID_DEADLINE + timedelta(hours=1)
            position = svc.portal.open_bids(kent, tender_id)
    svc.projections.wait_for(position)


def bid_form(price: int = PRICE, **overrides) -> dict[str, str]:
    return {"weekly_price": str(price), "Q1": "Therapeutic staffing and a clinical lead.",
            "Q2": "A local recruitment academy.", **overrides}


# --- the lead drafts a tender ----------------------------------------------------------------

@pytest.fixture
def kent(login):
    return login(officer("Kent"))


def test_lead_drafts_a_tender_with_partners_lots_and_timetable(kent):
    assert "Draft a tender" in kent.get("/tenders/").get_data(as_text=True)
    page = kent.get("/tenders/new").get_data(as_text=True)
    assert "Portsmouth" in page and "West Sussex" in page and "Dorset" not in page
    response = kent.post_form("/tenders/new", tender_form())
    assert response.status_code == 302, error_text(response)
    tender_id = re.search(UUID_RE, response.headers["Location"]).group(0)
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "Tender drafted" in page
    assert "South East complex needs block" in page and "Block contract" in page
    assert "£35,640,000" in page and "120 months" in page
    assert "Complex needs homes, Hampshire coast" in page and "Solo placement" in page
    assert "5:00pm on 1 December 2026" in page  # deadlines shown in UK time
    assert page.count("<strong>Needed</strong>") == 3  # every share is above its threshold
    listing = kent.get("/tenders/").get_data(as_text=True)
    assert "South East complex needs block" in listing and "Draft" in listing


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": ""}, "title", "Enter the tender's title"),
    ({"route": "auction"}, "route", "Choose the route"),
    ({"estimated_total_value": "lots"}, "estimated_total_value",
     "Estimated total value must be an amount in pounds, like £5,200"),
    ({"term_months": "0"}, "term_months", "Term must be between 1 and 240"),
    ({"lot-1-name": ""}, "lot-1-name", "Enter the lot's name"),
    ({"lot-2-age_from": "17", "lot-2-age_to": "9"}, "lot-2-age_from",
     "Youngest age must not be more than the oldest age"),
    ({"lot-1-setting_type": "castle"}, "lot-1-setting_type",
     "Choose the kind of placement the lot buys"),
    ({f"share-{PORTSMOUTH}": "eight million"}, f"share-{PORTSMOUTH}",
     "Portsmouth: Share must be an amount in pounds, like £5,200"),
    ({f"share-{KENT}": ""}, "partners",
     "The lead authority must be one of the partners, with its own share"),
    ({"bid_deadline-time": "25:00"}, "bid_deadline-time",
     "Bid deadline: enter the time as hours and minutes on the 24-hour clock, like 17:00"),
    ({"bid_deadline-day": "31", "bid_deadline-month": "2"}, "bid_deadline",
     "Bid deadline must be a real date"),
    ({**moment_fields("bid_deadline", ENGAGEMENT_CLOSES - timedelta(days=2))}, "bid_deadline",
     "Bid deadline cannot be before clarification questions deadline"),
    ({"partnership": "Peninsula"}, "partnership",
     "Kent is not a member of the partnership Peninsula"),
])
def test_bad_tenders_are_refused_beside_their_field_and_nothing_is_stored(
        kent, overrides, field, message):
    response = kent.post_form("/tenders/new", tender_form(**overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, field) == message.replace("'", "&#39;")
    assert "<title>Error: Draft a tender" in page
    anchor = f"{field}-day" if field == "bid_deadline" else field
    assert f'href="#{anchor}"' in page  # the error summary links to the field
    assert 'value="Complex needs homes, Hampshire coast"' in page or field == "lot-2-name"
    assert "South East complex needs block" not in kent.get("/tenders/").get_data(as_text=True)


def test_a_tender_form_reports_its_fields_and_its_rules_at_once(kent):
    """A field left blank, a total under the annual value, the lead without a share, two lots
    of one name and a bid deadline before the clarification deadline: one round trip."""
    response = kent.post_form("/tenders/new", tender_form(**{
        "title": "", "estimated_total_value": "1000000", f"share-{KENT}": "",
        "lot-2-name": "complex needs homes, kent",
        **moment_fields("bid_deadline", ENGAGEMENT_CLOSES - timedelta(days=2))}))
    page = response.get_data(as_text=True)
    assert field_error(page, "title") == "Enter the tender&#39;s title"
    assert field_error(page, "estimated_total_value") == (
        "The estimated total value cannot be less than the annual value")
    assert field_error(page, "partners") == (
        "The lead authority must be one of the partners, with its own share")
    assert field_error(page, "lot-2-name") == (
        "Lot 2: another lot is called complex needs homes, kent")
    assert field_error(page, "bid_deadline") == (
        "Bid deadline cannot be before clarification questions deadline")
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S).group(1)
    assert summary.count("<li>") == 5
    assert "South East complex needs block" not in kent.get("/tenders/").get_data(as_text=True)


def test_a_tender_needs_a_lot(kent):
    blank = {k: "" for k in tender_form() if k.startswith("lot-") and k != "lot-count"}
    page = kent.post_form("/tenders/new", tender_form(**blank)).get_data(as_text=True)
    assert field_error(page, "lot-1-name") == "Add at least one lot"


def test_another_lot_is_added_with_or_without_javascript(kent):
    plain = kent.post_form("/tenders/new", tender_form(add="lot"))
    page = plain.get_data(as_text=True)
    assert plain.status_code == 200 and 'name="lot-3-name"' in page
    assert 'value="Complex needs homes, Kent"' in page  # what was typed is kept
    assert "There is a problem" not in page
    partial = kent.post_form("/tenders/new", tender_form(add="lot"),
                             headers={"HX-Request": "true"})
    assert 'id="lot-3-name"' in partial.get_data(as_text=True)
    assert "South East complex needs block" not in kent.get("/tenders/").get_data(as_text=True)


def test_the_lead_changes_a_draft(kent, svc):
    tender_id = draft(svc)
    page = kent.get(f"/tenders/{tender_id}/edit").get_data(as_text=True)
    assert 'value="Complex needs homes, Kent"' in page and 'value="35640000"' in page
    form = tender_form(title="South East complex needs block 2027",
                       **{f"share-{WEST_SUSSEX}": "", "estimated_total_value": "28000000"})
    changed = kent.post_form(f"/tenders/{tender_id}/edit", form)
    assert changed.status_code == 302, error_text(changed)
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "South East complex needs block 2027" in page and "West Sussex" not in page


def test_the_questionnaire_is_built_with_every_kind_of_question(kent, svc):
    tender_id = draft(svc)
    url = f"/tenders/{tender_id}/questionnaire"
    more = kent.post_form(url, {"question-count": "1", "question-1-text": "Beds?",
                                "question-1-kind": "number", "add": "question"})
    assert 'name="question-2-text"' in more.get_data(as_text=True)
    form = {"question-count": "4",
            "question-1-text": "How many beds could you open?", "question-1-kind": "number",
            "question-1-required": "yes",
            "question-2-text": "Which kind of home?", "question-2-kind": "single",
            "question-2-options": "Solo\nTwo-bed\n", "question-2-required": "yes",
            "question-3-text": "Which areas?", "question-3-kind": "multiple",
            "question-3-options": "Kent\nPortsmouth",
            "question-4-text": "Anything else?", "question-4-kind": "text"}
    bad = kent.post_form(url, {**form, "question-2-options": "Solo"})
    assert field_error(bad.get_data(as_text=True), "question-2-options") == (
        "Question 2: give at least two options, one a line")
    bad = kent.post_form(url, {**form, "question-4-options": "Yes\nNo"})
    assert field_error(bad.get_data(as_text=True), "question-4-options") == (
        "Question 4: only choice questions have options")
    bad = kent.post_form(url, {**form, "question-1-kind": ""})
    assert field_error(bad.get_data(as_text=True), "question-1-kind") == (
        "Choose the kind of answer")
    assert "How many beds" not in kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    saved = kent.post_form(url, form)
    assert saved.status_code == 302, error_text(saved)
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "Market engagement questionnaire saved" in page
    assert "How many beds could you open?" in page and "Solo, Two-bed" in page
    again = kent.get(url).get_data(as_text=True)
    assert 'value="4"' in again and "Which areas?" in again


def test_timetable_is_set_in_uk_time_and_checked(kent, svc):
    tender_id = draft(svc)
    url = f"/tenders/{tender_id}/timetable"
    page = kent.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]*id="bid_deadline-time"[^>]*value="12:00"', page)
    summer = datetime(2027, 6, 1, 16, 0, tzinfo=UTC)  # 17:00 British Summer Time
    form = {**moment_fields("engagement_closes", ENGAGEMENT_CLOSES),
            **moment_fields("clarification_deadline", CLARIFICATIONS_CLOSE),
            **date_fields("bid_deadline", summer.date()), "bid_deadline-time": "17:00",
            **date_fields("contract_start", date(2027, 10, 1))}
    bad = kent.post_form(url, {**form, "bid_deadline-time": ""})
    assert field_error(bad.get_data(as_text=True), "bid_deadline-time") == (
        "Bid deadline: enter the time")
    saved = kent.post_form(url, form)
    assert saved.status_code == 302, error_text(saved)
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "5:00pm on 1 June 2027" in page and "1 October 2027" in page
    assert svc.portal.get_tender(tender_id).timetable["bid_deadline"] == summer


# --- stages and key decisions ---------------------------------------------------------------

def test_stage_actions_refuse_with_a_clear_message_and_partners_cannot_take_them(
        kent, svc, login):
    tender_id = draft(svc)
    refused = kent.post_form(f"/tenders/{tender_id}/open-engagement")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Write the market engagement questionnaire first" in page
    assert 'href="#actions"' in page
    svc.portal.set_questionnaire(actor_for(officer("Kent")), tender_id, questions=QUESTIONS)
    opened = kent.post_form(f"/tenders/{tender_id}/open-engagement")
    assert opened.status_code == 302, error_text(opened)
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "Market engagement opened" in page and "Change the details" not in page

    client = login(officer("Portsmouth"))
    page = client.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "Your authority is a partner" in page and "What you can do now" not in page
    assert client.post_form(f"/tenders/{tender_id}/publish-invitation").status_code == 403
    for page in ("edit", "timetable", "questionnaire", "evaluation", "panel", "open-bids",
                 "cancel", "award", "contracts/new"):
        assert client.get(f"/tenders/{tender_id}/{page}").status_code == 403, page
    assert client.post_form(f"/tenders/{tender_id}/cancel",
                            {"reason": "No longer needed"}).status_code == 403
    assert svc.portal.get_tender(tender_id).stage == "market_engagement"


def test_key_decisions_are_recorded_by_the_partner_or_the_lead(kent, svc, login):
    tender_id = draft(svc)
    url = f"/tenders/{tender_id}/key-decisions/{PORTSMOUTH}"
    client = login(officer("Portsmouth"))
    future = client.post_form(url, {"reference": "PCC 2026/41",
                                    **date_fields("taken_on", date(2026, 12, 1))})
    page = future.get_data(as_text=True)
    assert field_error(page, "taken_on") == "The key decision&#39;s date cannot be in the future"
    assert 'href="#taken_on-day"' in page
    blank = client.post_form(url, {"reference": "", **date_fields("taken_on", date(2026, 11, 2))})
    assert field_error(blank.get_data(as_text=True), "reference") == (
        "Enter the key decision&#39;s reference, like 21/00094")
    recorded = client.post_form(url, {"reference": "PCC 2026/41",
                                      **date_fields("taken_on", date(2026, 11, 2))})
    assert recorded.status_code == 302, error_text(recorded)
    page = client.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "Taken: PCC 2026/41, 2 November 2026" in page
    # A partner records only its own; the lead records any.
    assert client.get(f"/tenders/{tender_id}/key-decisions/{WEST_SUSSEX}").status_code == 403
    assert client.post_form(f"/tenders/{tender_id}/key-decisions/{WEST_SUSSEX}", {
        "reference": "X", **date_fields("taken_on", date(2026, 11, 2))}).status_code == 403
    lead = kent.post_form(f"/tenders/{tender_id}/key-decisions/{KENT}", {
        "reference": "21/00094", **date_fields("taken_on", date(2026, 11, 20))})
    assert lead.status_code == 302, error_text(lead)
    assert kent.get(f"/tenders/{tender_id}/key-decisions/{DORSET}").status_code == 404


# --- providers answer market engagement ------------------------------------------------------

def test_providers_answer_once_amend_until_close_and_never_see_each_other(
        svc, clock, login):
    tender_id = draft(svc)
    advance(svc, clock, tender_id, "market_engagement")
    first, second = providers()[:2]
    client = login(first)
    page = client.get(f"/opportunities/{tender_id}").get_data(as_text=True)
    assert "Answer the questionnaire" in page and "8,000,000" not in page
    url = f"/opportunities/{tender_id}/response"
    missing = client.post_form(url, {"q1": "", "q2": "Kent"})
    assert field_error(missing.get_data(as_text=True), "q1") == (
        "Answer: How many beds could you open within 24 months?")
    word = client.post_form(url, {"q1": "six", "q2": "Kent"})
    assert field_error(word.get_data(as_text=True), "q1") == (
        "Enter a number for: How many beds could you open within 24 months?")
    both = client.post_form(url, {"q1": "six"}).get_data(as_text=True)  # all at once
    assert field_error(both, "q1") == (
        "Enter a number for: How many beds could you open within 24 months?")
    assert field_error(both, "q2") == "Answer: Which areas could you open homes in?"
    wrong = client.post_form(url, {"q1": "6", "q2": "Cornwall"})
    assert field_error(wrong.get_data(as_text=True), "q2") == (
        "Choose from the options for: Which areas could you open homes in?")
    assert client.get(f"/opportunities/{tender_id}").get_data(as_text=True).count(
        "has not answered yet") == 1  # nothing stored
    sent = client.post_form(url, {"q1": "6", "q2": ["Kent", "West Sussex"],
                                  "q3": "Our homes near Ashford are ready to convert."})
    assert sent.status_code == 302, error_text(sent)
    page = client.get(url).get_data(as_text=True)
    assert "Change your answers" in page and 'value="6"' in page
    changed = client.post_form(url, {"q1": "7", "q2": ["Kent"]})
    assert changed.status_code == 302, error_text(changed)
    assert "Your answers have been changed" in client.get(
        f"/opportunities/{tender_id}").get_data(as_text=True)

    client = login(second)
    assert client.post_form(url, {"q1": "3", "q2": ["Portsmouth"]}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'value="7"' not in page and "Ashford" not in page

    client = login(officer("West Sussex"))  # a partner sees every response and the summary
    page = client.get(f"/tenders/{tender_id}/responses").get_data(as_text=True)
    assert shown(first.organisation) in page and shown(second.organisation) in page
    assert "2 providers have answered" in page
    assert re.search(r"Lowest</dt><dd[^>]*>3<", page) and re.search(r"Highest</dt><dd[^>]*>7<",
                                                                   page)
    assert "Kent (most common)" in page or "Portsmouth (most common)" in page

    clock.now = ENGAGEMENT_CLOSES + timedelta(minutes=1)
    client = login(first)
    late = client.post_form(url, {"q1": "9", "q2": ["Kent"]})
    assert field_error(late.get_data(as_text=True), "answers") == (
        "Market engagement has closed: answers can no longer be given or changed")
    assert "Change your answers" not in client.get(
        f"/opportunities/{tender_id}").get_data(as_text=True)


def test_clarifications_are_answered_privately_or_published_without_the_asker(
        svc, clock, login, kent):
    tender_id = draft(svc)
    advance(svc, clock, tender_id, "invitation_to_tender")
    first, second = providers()[:2]
    client = login(first)
    url = f"/opportunities/{tender_id}/clarifications"
    blank = client.post_form(url, {"question": ""})
    assert field_error(blank.get_data(as_text=True), "question") == "Enter your question"
    for question in ("Is a solo placement home in scope for lot 1?",
                     "Can we bid for both lots from one home?"):
        asked = client.post_form(url, {"question": question, "lot": "1"})
        assert asked.status_code == 302, error_text(asked)

    kent = login(officer("Kent"))
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert page.count(f"{shown(first.organisation)} (never shown") == 2
    links = re.findall(rf"/tenders/{tender_id}/clarifications/({UUID_RE})", page)
    assert len(links) == 2
    bad = kent.post_form(f"/tenders/{tender_id}/clarifications/{links[0]}", {"answer": "Yes"})
    assert field_error(bad.get_data(as_text=True), "publish") == (
        "Say whether to publish the answer to every bidder")
    assert kent.post_form(f"/tenders/{tender_id}/clarifications/{links[0]}", {
        "answer": "Yes, solo homes are in scope.", "publish": "yes",
        "question": "Are solo placement homes in scope?"}).status_code == 302
    assert kent.post_form(f"/tenders/{tender_id}/clarifications/{links[1]}", {
        "answer": "Yes, one home may serve both.", "publish": "no"}).status_code == 302

    client = login(second)
    page = client.get(f"/opportunities/{tender_id}").get_data(as_text=True)
    assert "Are solo placement homes in scope?" in page
    assert "Yes, solo homes are in scope." in page
    assert "one home may serve both" not in page and shown(first.organisation) not in page
    assert "Is a solo placement home" not in page  # the asker's own wording stays private
    client = login(first)
    page = client.get(f"/opportunities/{tender_id}").get_data(as_text=True)
    assert "one home may serve both" in page and "Sent to your organisation only" in page

    clock.now = CLARIFICATIONS_CLOSE + timedelta(minutes=1)
    late = client.post_form(url, {"question": "One more?"})
    assert field_error(late.get_data(as_text=True), "question") == (
        "The deadline for clarification questions has passed")


# --- sealed bids -----------------------------------------------------------------------------

def test_bids_are_sealed_from_every_council_page_until_opened(svc, clock, login, kent):
    tender_id = draft(svc)
    advance(svc, clock, tender_id, "invitation_to_tender")
    provider = providers()[0]
    client = login(provider)
    url = f"/opportunities/{tender_id}/lots/1/bid"
    page = client.get(url).get_data(as_text=True)
    assert "Bid for lot 1" in page and "How will you meet complex needs?" in page
    for bad, field, message in (
            ({"weekly_price": "0"}, "weekly_price",
             "Weekly price per place must be between £1 and £50,000"),
            ({"weekly_price": "4,000.50"}, "weekly_price",
             "Weekly price per place must be in whole pounds: pence are not accepted"),
            ({"Q2": ""}, "Q2", "Answer: How will you recruit staff?")):
        refused = client.post_form(url, bid_form(**bad))
        assert field_error(refused.get_data(as_text=True), field) == message
    assert client.get(f"/opportunities/{tender_id}").get_data(as_text=True).count(
        "No bid") == 2
    submitted = client.post_form(url, bid_form())
    assert submitted.status_code == 302, error_text(submitted)
    page = client.get(f"/opportunities/{tender_id}").get_data(as_text=True)
    assert "Your bid for Complex needs homes, Kent has been submitted" in page
    assert "£4,321 a week per place, sealed" in page
    replaced = client.post_form(url, bid_form(NEW_PRICE))
    assert replaced.status_code == 302, error_text(replaced)
    page = client.get(f"/opportunities/{tender_id}").get_data(as_text=True)
    assert "has been replaced" in page and "£4,195" in page and "£4,321" not in page
    client.post_form(f"/opportunities/{tender_id}/lots/2/bid", bid_form(3999))
    assert client.post_form(f"/opportunities/{tender_id}/lots/2/withdraw",
                            {"reason": "Home sold"}).status_code == 302
    assert "Withdrawn" in client.get(f"/opportunities/{tender_id}").get_data(as_text=True)
    assert client.get(f"/opportunities/{tender_id}/lots/3/bid").status_code == 404

    for council in ("Kent", "Portsmouth"):
        kent = login(officer(council))
        for path in ("", "/bids", "/responses", "/award", "/open-bids"):
            response = kent.get(f"/tenders/{tender_id}{path}")
            body = response.get_data(as_text=True)
            assert "4,195" not in body and "4195" not in body and "3,999" not in body
            assert "Therapeutic staffing" not in body
            assert shown(provider.organisation) not in body
    kent = login(officer("Kent"))
    assert "Bids are sealed" in kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    early = kent.post_form(f"/tenders/{tender_id}/open-bids", {})
    assert field_error(early.get_data(as_text=True), "open") == (
        "Bids stay sealed until the bid deadline has passed")

    clock.now = BID_DEADLINE + timedelta(seconds=1)
    client = login(provider)
    late = client.post_form(url, bid_form(4000))
    assert field_error(late.get_data(as_text=True), "bid") == (
        "The bid deadline passed at 12:00 on 15 December 2026: late bids cannot be accepted")
    assert "Closed" in client.get(f"/opportunities/{tender_id}").get_data(as_text=True)

    kent = login(officer("Kent"))
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "Open the bids" in page
    opened = kent.post_form(f"/tenders/{tender_id}/open-bids", {"reason": "Panel meeting"})
    assert opened.status_code == 302, error_text(opened)
    page = kent.get(opened.headers["Location"]).get_data(as_text=True)
    assert "Bids opened" in page and "£4,195" in page and "3,999" not in page  # withdrawn
    assert svc.portal.get_tender(tender_id).stage == "evaluation"


def test_a_provider_cannot_reach_a_tender_it_is_not_eligible_for(svc, clock, login):
    fostering = [{**LOTS[0], "setting_type": "independent_fostering_agency"}]
    tender_id = draft(svc, lots=fostering, title="South East fostering framework",
                      route="framework")
    advance(svc, clock, tender_id, "market_engagement")
    client = login(providers()[0])
    for path in ("", "/response", "/clarifications", "/lots/1/bid"):
        assert client.get(f"/opportunities/{tender_id}{path}").status_code == 404
    assert client.post_form(f"/opportunities/{tender_id}/response",
                            {"q1": "3", "q2": ["Kent"]}).status_code == 404
    draft_id = draft(svc, title="Not yet published")
    assert client.get(f"/opportunities/{draft_id}").status_code == 404


def test_other_organisations_tenders_are_not_found_and_wrong_roles_are_refused(
        svc, clock, login):
    tender_id = draft(svc)
    advance(svc, clock, tender_id, "market_engagement")
    client = login(officer("Dorset"))  # another partnership
    assert "South East complex" not in client.get("/tenders/").get_data(as_text=True)
    for path in ("", "/edit", "/timetable", "/questionnaire", "/responses", "/bids",
                 "/evaluation", "/panel", "/award", "/contracts/new", "/open-bids", "/cancel",
                 f"/key-decisions/{DORSET}", f"/clarifications/{uuid4()}",
                 f"/bids/{uuid4()}"):
        assert client.get(f"/tenders/{tender_id}{path}").status_code == 404, path
    assert client.post_form(f"/tenders/{tender_id}/open-engagement").status_code == 404
    assert client.get(f"/tenders/{uuid4()}").status_code == 404
    assert client.get(f"/opportunities/{tender_id}").status_code == 403
    client = login(providers()[0])
    assert client.get(f"/tenders/{tender_id}").status_code == 403
    assert client.get("/tenders/new").status_code == 403
    assert client.get(f"/opportunities/{uuid4()}").status_code == 404
    client = login(account_for("auditor"))
    assert client.get(f"/opportunities/{tender_id}").status_code == 403
    assert client.get(f"/tenders/{tender_id}/edit").status_code == 403


# --- evaluation, award and contracts ---------------------------------------------------------

def test_the_panel_scores_the_moderator_agrees_and_the_lead_awards_and_contracts(
        svc, clock, login, kent):
    tender_id = draft(svc)
    advance(svc, clock, tender_id, "invitation_to_tender")
    first, second = providers()[:2]
    bids = {}
    for provider, price in ((first, 4300), (second, 3900)):
        bid, position = svc.portal.submit_bid(
            actor_for(provider), tender_id, provider_id=provider.organisation_id, lot_id="1",
            weekly_price=price, answers={"Q1": f"{provider.organisation} plan",
                                         "Q2": "Recruitment"})
        svc.projections.wait_for(position)
        bids[provider.organisation] = bid
    advance(svc, clock, tender_id, "evaluation", start="evaluation")

    panel = f"/tenders/{tender_id}/panel"
    page = kent.get(panel).get_data(as_text=True)
    assert "Portsmouth placements officer, Portsmouth" in page
    evaluator, moderator = officer("Kent"), officer("Portsmouth")
    same = kent.post_form(panel, {"evaluators": str(account_id(evaluator.email)),
                                  "moderator": str(account_id(evaluator.email))})
    assert field_error(same.get_data(as_text=True), "moderator") == (
        "The moderator must be someone other than the evaluators")
    assert field_error(kent.post_form(panel, {"moderator": str(account_id(moderator.email))})
                       .get_data(as_text=True), "evaluators") == "Choose at least one evaluator"
    second_evaluator = officer("West Sussex")
    appointed = kent.post_form(panel, {
        "evaluators": [str(account_id(evaluator.email)),
                       str(account_id(second_evaluator.email))],
        "moderator": str(account_id(moderator.email))})
    assert appointed.status_code == 302, error_text(appointed)

    ranking = kent.get(f"/tenders/{tender_id}/bids").get_data(as_text=True)
    assert "£4,300" in ranking and "£3,900" in ranking and "Not ranked" in ranking
    west_sussex = login(second_evaluator)
    for name, bid in bids.items():
        url = f"/tenders/{tender_id}/bids/{bid}"
        page = kent.get(url).get_data(as_text=True)
        assert shown(f"{name} plan") in page and "Your scores" in page
        bad = kent.post_form(url, {"score-Q1": "9", "score-Q2": "3"})
        assert field_error(bad.get_data(as_text=True), "score-Q1") == "Score Q1 from 0 to 5"
        q1 = "4" if bid == bids[first.organisation] else "2"
        scored = kent.post_form(url, {"score-Q1": q1, "score-Q2": "3"})
        assert scored.status_code == 302, error_text(scored)
        # Evaluators score independently: the other's scores are not shown.
        assert "Evaluator 1:" not in west_sussex.get(url).get_data(as_text=True)
        assert west_sussex.post_form(url, {"score-Q1": q1, "score-Q2": "2"}
                                     ).status_code == 302

    client = login(moderator)
    for bid in bids.values():
        url = f"/tenders/{tender_id}/bids/{bid}"
        page = client.get(url).get_data(as_text=True)
        assert "Agree the final scores" in page and "Evaluator 2:" in page
        agreed = client.post_form(url, {"score-Q1": "4" if bid == bids[first.organisation]
                                        else "2", "score-Q2": "3"})
        assert agreed.status_code == 302, error_text(agreed)
    ranking = client.get(f"/tenders/{tender_id}/bids").get_data(as_text=True)
    assert "Agreed" in ranking and "Not ranked" not in ranking.split("Lot 2")[0]
    assert client.get(f"/tenders/{tender_id}/award").status_code == 403  # partner

    kent = login(officer("Kent"))
    award = f"/tenders/{tender_id}/award"
    winner = str(bids[first.organisation])
    no_decisions = kent.post_form(award, {"award-1": winner,
                                          **date_fields("standstill_ends", date(2027, 1, 4))})
    assert field_error(no_decisions.get_data(as_text=True), "awards").startswith(
        "Record the key decisions of ")
    for authority in (KENT, PORTSMOUTH, WEST_SUSSEX):
        position = svc.portal.record_key_decision(
            actor_for(officer("Kent")), tender_id, authority_id=authority,
            reference=f"KD {authority.hex[:4]}", taken_on=date(2026, 11, 2))
    svc.projections.wait_for(position)
    early = kent.post_form(award, {"award-1": winner,
                                   **date_fields("standstill_ends", date(2026, 12, 18))})
    assert field_error(early.get_data(as_text=True), "standstill_ends").startswith(
        "The standstill must last at least 8 working days")
    awarded = kent.post_form(award, {"award-1": winner,
                                     **date_fields("standstill_ends", date(2027, 1, 4))})
    assert awarded.status_code == 302, error_text(awarded)
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "Award decision recorded" in page and "Awarded (standstill)" in page

    contract = f"/tenders/{tender_id}/contracts/new"
    terms = {"bid": winner, "authority_id": str(KENT), "places": "6",
             **date_fields("start", date(2027, 1, 4)), **date_fields("end", date(2032, 1, 3))}
    during = kent.post_form(contract, terms)
    assert field_error(during.get_data(as_text=True), "start") == (
        "The standstill runs until 4 January 2027: contracts can be entered from then")
    clock.now = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    loser = kent.post_form(contract, {**terms, "bid": str(bids[second.organisation])})
    assert field_error(loser.get_data(as_text=True), "bid") == "Choose an awarded bid"
    entered = kent.post_form(contract, terms)
    assert entered.status_code == 302, error_text(entered)
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "Contract entered" in page and "Contracted" in page
    contracts = kent.get("/contracts/").get_data(as_text=True)
    assert "South East complex needs block: Complex needs homes, Kent" in contracts
    assert "£4,300" in contracts


def test_bids_are_weighed_with_the_providers_ofsted_judgements(svc, clock, login, kent):
    import html

    import sqlalchemy as sa

    from domain.ofsted import JUDGEMENTS
    from projections.directory import settings

    tender_id = draft(svc)
    advance(svc, clock, tender_id, "invitation_to_tender")
    provider = providers()[0]
    bid, position = svc.portal.submit_bid(
        actor_for(provider), tender_id, provider_id=provider.organisation_id, lot_id="1",
        weekly_price=4200, answers={"Q1": "Our plan", "Q2": "Recruitment"})
    svc.projections.wait_for(position)
    advance(svc, clock, tender_id, "evaluation", start="evaluation")
    with svc.engine.connect() as c:
        names = set(c.execute(sa.select(settings.c.name).where(
            settings.c.provider_id == provider.organisation_id)).scalars())
    ranking = kent.get(f"/tenders/{tender_id}/bids").get_data(as_text=True)
    page = kent.get(f"/tenders/{tender_id}/bids/{bid}").get_data(as_text=True)
    assert "Ofsted: latest overall judgement of its settings" in ranking
    assert "Ofsted: the latest overall judgement of its settings" in page
    line = re.compile(r'<li data-judgement="([a-z_]+)">([^<]+)</li>')
    judged = [(j, html.unescape(text)) for j, text in line.findall(page)]
    assert [(j, html.unescape(text)) for j, text in line.findall(ranking)] == judged
    # Every one of the provider's settings, each judged (the demo's sample import judges
    # every demo setting) with the date of its inspection.
    assert names and {text.split(": ")[0] for _j, text in judged} == names
    for judgement, text in judged:
        assert re.search(rf": {re.escape(JUDGEMENTS[judgement])}, inspected \d+ \w+ \d{{4}}$",
                         text), text


def test_a_bid_for_a_lot_the_provider_cannot_serve_gets_a_clear_message(svc, clock, login):
    mixed = [LOTS[0], {**LOTS[1], "name": "Fostering, Kent and Medway",
                       "setting_type": "independent_fostering_agency"}]
    tender_id = draft(svc, lots=mixed)
    advance(svc, clock, tender_id, "invitation_to_tender")
    client = login(providers()[0])  # runs children's homes, not a fostering agency
    refused = client.post_form(f"/opportunities/{tender_id}/lots/2/bid", bid_form())
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert f"{shown(providers()[0].organisation)} is not eligible to answer this lot" in page
    assert 'href="#weekly_price"' in page
    assert client.get(f"/opportunities/{tender_id}").get_data(as_text=True).count(
        "No bid") == 2


def test_a_council_of_the_partnership_that_is_not_a_partner_reads_the_tender_only(
        svc, clock, login):
    tender_id = draft(svc, partners=[{"authority_id": KENT, "share": 27_640_000},
                                     {"authority_id": PORTSMOUTH, "share": 8_000_000}])
    advance(svc, clock, tender_id, "market_engagement")
    provider = login(providers()[0])
    assert provider.post_form(f"/opportunities/{tender_id}/response",
                              {"q1": "5", "q2": ["Kent"]}).status_code == 302
    client = login(officer("West Sussex"))
    page = client.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "South East complex needs block" in page and "What you can do now" not in page
    assert "responses and the summary" not in page
    assert shown(providers()[0].organisation) not in page
    assert client.get(f"/tenders/{tender_id}/responses").status_code == 404
    assert client.get(f"/tenders/{tender_id}/bids").status_code == 404
    assert client.get(f"/tenders/{tender_id}/questionnaire").status_code == 403


def test_the_lead_names_the_only_providers_who_may_answer(kent, svc, clock, login):
    first, second = providers()[:2]
    bad = kent.post_form("/tenders/new", tender_form(eligible_providers=str(uuid4())))
    assert field_error(bad.get_data(as_text=True), "eligible_providers") == (
        "Choose providers from the list")
    created = kent.post_form("/tenders/new", tender_form(
        eligible_providers=[str(first.organisation_id)]))
    assert created.status_code == 302, error_text(created)
    tender_id = UUID(re.search(UUID_RE, created.headers["Location"]).group(0))
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert f"Only {shown(first.organisation)}" in page
    edit = kent.get(f"/tenders/{tender_id}/edit").get_data(as_text=True)
    assert re.search(rf'value="{first.organisation_id}" checked', edit)
    advance(svc, clock, tender_id, "market_engagement")
    assert login(first).get(f"/opportunities/{tender_id}").status_code == 200
    assert login(second).get(f"/opportunities/{tender_id}").status_code == 404


def test_a_market_engagement_only_tender_is_concluded_and_a_tender_can_be_cancelled(
        kent, svc, clock):
    tender_id = draft(svc, route="market_engagement_only", title="South East market warming")
    svc.portal.set_questionnaire(actor_for(officer("Kent")), tender_id, questions=QUESTIONS)
    assert kent.post_form(f"/tenders/{tender_id}/open-engagement").status_code == 302
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "Conclude market engagement" in page and "Publish the invitation" not in page
    assert "Your bids" not in page and "quality questions" not in page
    early = kent.post_form(f"/tenders/{tender_id}/conclude-engagement")
    assert early.status_code == 422
    assert "Market engagement is still open: conclude it once it closes" in early.get_data(
        as_text=True)
    clock.now = ENGAGEMENT_CLOSES + timedelta(minutes=1)
    concluded = kent.post_form(f"/tenders/{tender_id}/conclude-engagement")
    assert concluded.status_code == 302, error_text(concluded)
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert "Market engagement concluded" in page and "Cancel the tender" not in page

    other = draft(svc, title="South East block to cancel")
    blank = kent.post_form(f"/tenders/{other}/cancel", {"reason": ""})
    assert field_error(blank.get_data(as_text=True), "reason") == (
        "Say why the tender is being cancelled")
    assert svc.portal.get_tender(other).stage == "draft"
    cancelled = kent.post_form(f"/tenders/{other}/cancel", {"reason": "Budget withdrawn"})
    assert cancelled.status_code == 302, error_text(cancelled)
    page = kent.get(f"/tenders/{other}").get_data(as_text=True)
    assert "Tender cancelled" in page and "Cancelled: Budget withdrawn" in page
