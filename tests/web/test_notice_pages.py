"""Notices to providers through the real views and the scheduled job: a tender opening, a
published clarification (never a private one), a deadline three days away; read and unread per
user with a count in the header; e-mails through the mailer once per notice and user, however
often the job runs and after the notices are rebuilt from the events."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.mail import RecordingMailer
from portal.services.notices import run_notices
from tests.web.tender_fixtures import (
    ENGAGEMENT_CLOSES,
    FOSTERING,
    Clock,
    actor_for,
    as_user,
    draft,
    officer,
    open_engagement,
    provider_accounts,
)


@pytest.fixture
def svc(app):
    return app.extensions["portal"]


@pytest.fixture
def clock(svc) -> Clock:
    clock = Clock()
    svc.portal.clock = clock
    return clock


@pytest.fixture
def provider(client, clock):
    client.sign_in(provider_accounts()[0])
    return client


TITLE = "South East complex needs block"  # the demo's own tenders have other titles
PORTAL_URL = "https://portal.example.gov.uk"  # where notices link to (Settings.portal_url)


def notice_link(row: str) -> str:
    return re.search(r'href="(/notices/[0-9a-f-]{36})"', row).group(1)


def navigation_text(page: str) -> str:
    """The header navigation's notices item (bold when it is the current page)."""
    item = re.search(r'<a class="govuk-service-navigation__link" href="/notices/"[^>]*>(.*?)</a>',
                     page, re.S).group(1)
    return re.sub(r"<[^>]+>", "", item).strip()


def unread(page: str) -> int:
    found = re.search(r"Notices \((\d+) unread\)", navigation_text(page))
    return int(found.group(1)) if found else 0


def ours(page: str) -> list[str]:
    return [r for r in re.findall(r'<tr class="govuk-table__row">.*?</tr>', page, re.S)
            if TITLE in r]


def test_a_tender_opening_is_a_notice_read_once(provider, svc):
    tender_id = draft(svc)
    page = provider.get("/notices/").get_data(as_text=True)
    assert ours(page) == []
    before = unread(page)  # the demo's own tenders' notices
    open_engagement(svc, tender_id)
    page = provider.get("/notices/").get_data(as_text=True)
    [row] = ours(page)
    assert f"Market engagement has opened: {TITLE}" in row and "Unread" in row
    assert unread(page) == before + 1
    opened = provider.get(notice_link(row))
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/opportunities/{tender_id}")
    page = provider.get("/notices/").get_data(as_text=True)
    assert unread(page) == before and "Unread" not in ours(page)[0]
    # Read is each user's own: another provider's user still has it unread.
    as_user(provider, provider_accounts()[1])
    assert "Unread" in ours(provider.get("/notices/").get_data(as_text=True))[0]


def test_published_clarifications_only(provider, svc):
    tender_id = draft(svc)
    open_engagement(svc, tender_id)
    asker = provider_accounts()[1]
    kent = actor_for(officer("Kent"))
    private, _ = svc.portal.ask_clarification(actor_for(asker), tender_id,
                                              provider_id=asker.organisation_id,
                                              question="Our own commercial question?")
    svc.portal.answer_clarification(kent, tender_id, private, answer="Yes.", publish=False)
    public, _ = svc.portal.ask_clarification(actor_for(asker), tender_id,
                                             provider_id=asker.organisation_id,
                                             question="Is the term ten years?")
    svc.projections.wait_for(svc.portal.answer_clarification(
        kent, tender_id, public, answer="Yes, ten years.", publish=True))
    page = provider.get("/notices/").get_data(as_text=True)
    assert [r for r in ours(page) if "Clarification published" in r] != []
    assert len(ours(page)) == 2  # opened, and the one published clarification
    assert asker.organisation not in page
    provider.post_form("/notices/read")
    assert navigation_text(provider.get("/notices/").get_data(as_text=True)) == "Notices"


def test_deadline_reminders_and_e_mails_are_sent_once(provider, svc, clock):
    mailer = svc.mailer
    assert isinstance(mailer, RecordingMailer)
    run_notices(svc, PORTAL_URL)  # the demo's own notices

    def mine():
        return [m for m in mailer.sent(kind="tender_notice") if TITLE in m.subject]

    tender_id = draft(svc)
    open_engagement(svc, tender_id)
    emails = {a.email for a in provider_accounts()}  # every demo provider user runs homes
    assert run_notices(svc, PORTAL_URL).mailed == len(emails)
    assert {m.to for m in mine()} == emails
    assert {m.subject for m in mine()} == {f"Market engagement has opened: {TITLE}"}
    # The link is under the configured address (never a request's host).
    assert all(f"See it at {PORTAL_URL}/tenders/{tender_id}\n" in m.body for m in mine())
    assert run_notices(svc, PORTAL_URL).mailed == 0
    # Three days before engagement closes (by the server's clock), a reminder.
    clock.now = ENGAGEMENT_CLOSES - timedelta(days=3)
    before = len(mine())
    # (The demo's open home searches pass their deadlines too: their notices are other mail.)
    second = run_notices(svc, PORTAL_URL)
    assert (second.reminders, len(mine()) - before) == (1, len(emails))
    reminder = mine()[-1]
    assert reminder.subject == f"Deadline approaching: {TITLE}"
    assert "Market engagement closes 17:00 UTC on 1 December 2026" in reminder.body
    row = ours(provider.get("/notices/").get_data(as_text=True))[0]
    assert "Deadline approaching" in row and "Market engagement closes at 5:00pm" in row
    # Again, and after the notices are rebuilt from the events: nothing new, nothing resent.
    assert (run_notices(svc, PORTAL_URL).reminders, run_notices(svc, PORTAL_URL).mailed) == (0, 0)
    svc.projections.rebuild(["notices"])
    assert run_notices(svc, PORTAL_URL).mailed == 0
    assert len(mine()) == 2 * len(emails)
    assert [("Unread" in r) for r in ours(provider.get("/notices/").get_data(as_text=True))] \
        == [True, True]


def test_a_provider_not_eligible_hears_nothing(provider, svc):
    run_notices(svc, PORTAL_URL)  # the demo's own notices
    open_engagement(svc, draft(svc, lots=[FOSTERING], title="Kent fostering framework"))
    assert run_notices(svc, PORTAL_URL).mailed == 0  # the demo's provider users all run homes
    page = provider.get("/notices/").get_data(as_text=True)
    assert "Kent fostering framework" not in page


def test_another_providers_notice_is_not_found(provider, svc):
    tender_id = draft(svc, lots=[FOSTERING], title="Kent fostering framework")
    open_engagement(svc, tender_id)
    from projections.notices import notices

    with svc.engine.connect() as c:
        [row] = c.execute(notices.select().where(notices.c.tender_id == tender_id)).mappings()
    assert provider.get(f"/notices/{row['id']}").status_code == 404


def test_councils_read_no_tender_notices(client, svc, clock):
    tender_id = draft(svc)  # led by Kent, which sees the tender itself
    open_engagement(svc, tender_id)
    from projections.notices import notices

    with svc.engine.connect() as c:
        [row] = c.execute(notices.select().where(notices.c.tender_id == tender_id)).mappings()
    client.sign_in(officer("Kent"))
    page = client.get("/notices/").get_data(as_text=True)
    assert TITLE not in page
    assert client.get(f"/notices/{row['id']}").status_code == 404


def test_a_council_officer_sees_the_notices_page_without_tender_notices(client, svc, clock):
    """An officer's notices are their own saved searches' (tests/web/test_board_search_pages.py);
    providers' tender notices are never among them."""
    open_engagement(svc, draft(svc, lots=[FOSTERING], title="Kent fostering framework"))
    client.sign_in(officer("Kent"))
    page = client.get("/").get_data(as_text=True)
    assert 'href="/notices/"' in page
    page = client.get("/notices/").get_data(as_text=True)
    assert "You have no notices yet" in page and "Kent fostering framework" not in page
