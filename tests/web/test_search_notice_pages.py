"""Home search notices through the real views and the scheduled job: a provider is told (page
and mail) when a search reaches it and offers a place at one of its settings; at the deadline
the job closes the search and the officer who sent it is told how many offers arrived; the
officer accepts an offer starting later and the job starts the placement on its day, the
provider told its offer was accepted. Each e-mail once, however often the job runs and after
a rebuild; none carries the child's reference."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from uuid import UUID

import pytest

from domain.actor import Actor
from domain.timezone import LONDON
from portal.mail import RecordingMailer
from portal.services.notices import run_notices
from projections.referral_queries import offer_contract
from tests.conftest import PORTAL_URL, account_for
from tests.projections.home_search_world import principal
from tests.web.tender_fixtures import Clock, provider_accounts
from tests.web.test_placement_pages import date_fields
from tests.web.test_referral_pages import (  # sent: a Kent search sent to the provider
    DIRECTOR_APPROVAL,
    sent,  # noqa: F401
    signed_in,
)


@pytest.fixture
def svc(app):
    return app.extensions["portal"]


def child_ref_of(kent, search_id: str) -> str:
    page = kent.get(f"/home-searches/{search_id}/offers").text
    return re.search(r"Offers for child (C[0-9A-Z]{12})", page).group(1)


def notice_rows(page: str) -> list[str]:
    return re.findall(r'<tr class="govuk-table__row">.*?</tr>', page, re.S)


def setting_of(app, provider) -> str:
    portal = app.extensions["portal"].portal
    return str(next(iter(portal.get_provider(provider.organisation_id).settings.values())).id)


def test_the_offer_form_asks_for_a_vacancy_or_a_setting_not_both(
        app, sent, provider_user):  # noqa: F811
    _, search_id, vacancy = sent
    provider = signed_in(app, provider_user)
    page = provider.get(f"/referrals/{search_id}").text
    assert 'name="setting_id"' in page and "Or a place at which of your settings?" in page
    terms = {"weekly_price": "4850", **date_fields("start_on", date.today())}
    neither = provider.post_form(f"/referrals/{search_id}/offer",
                                 {**terms, "vacancy_id": "", "setting_id": ""})
    assert neither.status_code == 400
    assert "Choose one of your vacancies, or one of your settings" in neither.text
    both = provider.post_form(f"/referrals/{search_id}/offer", {
        **terms, "vacancy_id": vacancy, "setting_id": setting_of(app, provider_user)})
    assert both.status_code == 400 and "Offer either a vacancy or a setting, not both" in both.text


def test_notices_and_mail_from_sending_to_a_placement_starting_later(
        app, svc, sent, provider_user, other_provider_user):  # noqa: F811
    kent, search_id, _ = sent
    mailer = svc.mailer
    assert isinstance(mailer, RecordingMailer)
    child_ref = child_ref_of(kent, search_id)
    today = date.today()
    clock = Clock(datetime.now(LONDON))
    svc.portal.clock = clock

    # The search reached the provider: a notice in the portal, and an e-mail to its users.
    provider = signed_in(app, provider_user)
    rows = [r for r in notice_rows(provider.get("/notices/").text) if "/notices/" in r]
    sent_row = next(r for r in rows if "A home search was sent to you" in r)
    assert "Planned search from Kent" in sent_row and "Unread" in sent_row
    assert "Offers close at" in sent_row and child_ref not in sent_row
    opened = provider.get(re.search(r'href="(/notices/[0-9a-f-]{36})"', sent_row).group(1))
    assert opened.status_code == 303 and opened.headers["Location"] == f"/referrals/{search_id}"
    run_notices(svc, PORTAL_URL)
    users = {a.email for a in provider_accounts()
             if a.organisation_id == provider_user.organisation_id}
    mine = [m for m in mailer.sent(kind="search_notice") if search_id in m.body]
    assert {m.to for m in mine} == users
    assert mine[0].subject.startswith("A home search was sent to you: Planned search from Kent")
    assert f"See it at {PORTAL_URL}/referrals/{search_id}\n" in mine[0].body
    # Another provider hears nothing of it.
    assert "Planned search from Kent" not in signed_in(app, other_provider_user).get(
        "/notices/").text

    # The provider offers a place at one of its settings, starting in three days.
    start = today + timedelta(days=3)
    response = provider.post_form(f"/referrals/{search_id}/offer", {
        "vacancy_id": "", "setting_id": setting_of(app, provider_user), "weekly_price": "5100",
        "notes": "A room at the house", **date_fields("start_on", start)})
    assert response.status_code == 302, response.text[:3000]
    assert "(a place at the setting)" in provider.get(f"/referrals/{search_id}").text

    # At the deadline the job closes the search; the officer who sent it is told.
    clock.now = datetime.combine(today + timedelta(days=1), time(17, 1), tzinfo=LONDON)
    outcome = run_notices(svc, PORTAL_URL)
    assert outcome.closed == 1
    officer = account_for("council_officer", "Kent")
    [closed_mail] = [m for m in mailer.sent(kind="search_notice", to=officer.email)
                     if search_id in m.body]
    assert "Offers on your home search closed: 1 offer arrived" in closed_mail.body
    assert f"{PORTAL_URL}/home-searches/{search_id}/offers" in closed_mail.body
    page = kent.get("/notices/").text
    assert "Notices (" in page and "unread)" in page
    [row] = [r for r in notice_rows(page) if "Offers closed on your home search" in r]
    assert "1 offer arrived" in row and child_ref not in row
    link = re.search(r'href="(/notices/[0-9a-f-]{36})"', row).group(1)
    assert kent.get(link).headers["Location"] == f"/home-searches/{search_id}/offers"
    assert signed_in(app, account_for("council_officer", "Dorset")).get(link).status_code == 404
    assert provider.get(link).status_code == 404
    about_it = len([m for m in mailer.sent(kind="search_notice") if search_id in m.body])
    assert run_notices(svc, PORTAL_URL).closed == 0
    assert len([m for m in mailer.sent(kind="search_notice") if search_id in m.body]) == about_it

    # The officer accepts: the placement is scheduled for the offer's start day.
    offers = kent.get(f"/home-searches/{search_id}/offers").text
    assert "A place at the setting (no vacancy published)" in offers
    offer_id = re.search(r'name="offer_id" type="radio" value="([0-9a-f-]{36})"', offers)
    response = kent.post_form(f"/home-searches/{search_id}/accept", {
        "offer_id": offer_id.group(1), "birth_month": "2010-04", "uasc": "no",
        **DIRECTOR_APPROVAL})  # the provider's setting is in Dorset: at a distance from Kent
    assert response.status_code == 302, response.text[:3000]
    done = kent.get(f"/home-searches/{search_id}/offers").text
    assert f"the placement starts on {start.day} {start:%B %Y}" in done
    # It is bought as the read model of Kent's contracts says, linked to that contract.
    with svc.engine.connect() as c:
        bought = offer_contract(principal(officer.organisation_id), c, UUID(search_id),
                                UUID(offer_id.group(1)))
    kept = svc.portal.get_home_search(Actor.system(), UUID(search_id)).pending_placement
    assert (kept["contract_route"], kept["contract_id"]) == (
        bought["contract_route"], bought["contract_id"])
    assert "Offer accepted" in done
    shown = kent.get(f"/home-searches/{search_id}").text
    assert f"Offer accepted: the placement starts on {start.day} {start:%B %Y}" in shown
    assert not svc.portal.start_accepted_placements([UUID(search_id)], now=clock.now)[0]
    clock.now = datetime.combine(start, time(7, 0), tzinfo=LONDON)
    assert run_notices(svc, PORTAL_URL).started >= 1
    assert "Placed" in kent.get(f"/home-searches/{search_id}/offers").text
    accepted = [m for m in mailer.sent(kind="search_notice") if search_id in m.body
                and m.subject.startswith("Your offer was accepted")]
    assert {m.to for m in accepted} == users
    assert f"move in on {start:%d/%m/%Y}" in accepted[0].body

    # Nothing is sent twice, nor after the notices are rebuilt; no mail names the child.
    count = len(mailer.sent(kind="search_notice"))
    svc.projections.rebuild(["search_notices"])
    assert run_notices(svc, PORTAL_URL).mailed == 0
    assert len(mailer.sent(kind="search_notice")) == count
    assert all(child_ref not in m.body + m.subject for m in mailer.sent(kind="search_notice"))
