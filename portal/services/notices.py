"""Sending notices by e-mail, and issuing deadline reminders: the scheduled side of notices,
run by ``portal notices run`` (``portal/notices.py``) and the projection process's housekeeping.
Tender notices go to eligible providers' users; saved-search notices (a new vacancy matching an
officer's saved search of the board) to the officer who saved the search.

See ``projections/notices.py`` for why e-mails are sent from here, once per notice and account
through the ``notice_mail`` ledger, and never by the projection (a rebuild would resend them).
Both steps read the server's clock (``portal.clock``), never a browser's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from domain.tender_reminder import REMINDED_DEADLINES
from domain.timezone import uk_date
from domain.vocabulary import SETTING_TYPES
from portal.services.notice_mail import Letter, already_sent, deliver
from portal.services.search_notices import (
    close_due_searches,
    send_search_notice_mail,
    start_due_placements,
)
from projections.board_searches import board_notices
from projections.directory import accounts, organisations, settings
from projections.notices import KINDS, MAIL_WINDOW, notices, open_to
from projections.tenders import tenders
from projections.vacancies import vacancy_board


@dataclass(frozen=True)
class Outcome:
    reminders: int
    mailed: int
    failed: int
    closed: int = 0  # home searches closed to offers at their deadline
    started: int = 0  # scheduled placements started on their day
    not_started: int = 0  # scheduled placements the child's record no longer allows

def message(notice: dict, portal_url: str) -> tuple[str, str]:
    """The subject and plain-text body of a notice's e-mail (tender-level facts only: never
    who asked a clarification, never anything of another provider), linking to the tender
    under the portal's configured address (``Settings.portal_url``)."""
    title = notice["title"]
    subject = f"{KINDS[notice['kind']]}: {title}"[:200]
    if notice["kind"] == "deadline_near":
        deadline = notice["deadline"]
        what = ("Market engagement closes" if notice["deadline_name"] == "engagement_closes"
                else "Bids must be submitted by")
        lead = f"{what} {deadline:%H:%M} UTC on {uk_date(deadline)}."
    elif notice["kind"] == "clarification_published":
        lead = "The lead authority has published a clarification question and its answer."
    elif notice["kind"] == "engagement_opened":
        lead = "The lead authority has opened market engagement and invites your response."
    else:
        lead = "The lead authority has published its invitation to tender."
    link = f"{portal_url.rstrip('/')}/tenders/{notice['tender_id']}"
    body = (f"{lead}\n\nTender: {title}\nSee it at {link}\n\n"
            "You are receiving this because your organisation may answer this tender.\n")
    return subject, body

def issue_reminders(services) -> int:
    """Issue a reminder for every open tender with a deadline within the reminder window."""
    with services.engine.connect() as c:
        candidates = list(c.execute(sa.select(tenders.c.id).where(
            tenders.c.stage.in_(list(REMINDED_DEADLINES)))).scalars())
    if not candidates:
        return 0
    issued, position = services.portal.issue_deadline_reminders(candidates)
    if issued:
        services.projections.wait_for(position)
    return issued

def send_notice_mail(services, now: datetime, portal_url: str) -> tuple[int, int]:
    """E-mail every recent notice to each active user of each provider it is for, once, with
    links under ``portal_url``. Returns (sent, failed); a failed message is released to be
    tried again next time."""
    engine = services.engine
    with engine.connect() as c:
        recent = [dict(row) for row in c.execute(
            sa.select(notices, tenders.c.title)
            .join(tenders, tenders.c.id == notices.c.tender_id)
            .where(notices.c.created_at >= now - MAIL_WINDOW)
            .order_by(notices.c.created_at)).mappings()]
        if not recent:
            return 0, 0
        eligible = open_to(c, list({n["tender_id"] for n in recent}))
        providers = set().union(*eligible.values()) if eligible else set()
        users: dict = {}
        for row in c.execute(sa.select(accounts.c.id, accounts.c.email,
                                       accounts.c.organisation_id, accounts.c.roles)
                             .where(accounts.c.organisation_id.in_(providers),
                                    accounts.c.suspended.is_(False))):
            if "provider_user" in row.roles.split():
                users.setdefault(row.organisation_id, []).append((row.id, row.email))
        sent_before = already_sent(c, [n["id"] for n in recent])
    return deliver(services, _tender_letters(recent, eligible, users, portal_url),
                   sent_before=sent_before, now=now, template="tender_notice")

def _tender_letters(recent: list, eligible: dict, users: dict, portal_url: str):
    for notice in recent:
        subject, body = message(notice, portal_url)
        for provider in sorted(eligible.get(notice["tender_id"], ()), key=str):
            for account_id, email in users.get(provider, ()):
                yield Letter(notice["id"], account_id, email, subject, body, notice["kind"])

def board_message(notice: dict, portal_url: str) -> tuple[str, str]:
    """The subject and plain-text body of a saved search's notice: the vacancy's public facts
    as the board shows them (never a child's), linking to the vacancy."""
    subject = f"{KINDS['vacancy_matched']}: {notice['search_name']}"[:200]
    link = f"{portal_url.rstrip('/')}/vacancies/{notice['vacancy_id']}"
    body = (f"A new vacancy on the board matches your saved search {notice['search_name']}.\n\n"
            f"{notice['setting_name']} ({SETTING_TYPES.get(notice['setting_type'], '')}), "
            f"{notice['provider_name']}, postcode district {notice['postcode_district']}\n"
            f"Ages {notice['age_from']} to {notice['age_to']}, £{notice['weekly_fee']:,} a week, "
            f"available from {notice['available_from']:%d/%m/%Y}\n"
            f"See it at {link}\n\n"
            "You are receiving this because you saved this search of the vacancy board. Delete "
            "the saved search to stop these messages.\n")
    return subject, body

def send_board_notice_mail(services, now: datetime, portal_url: str) -> tuple[int, int]:
    """E-mail each recent saved-search notice to the officer who saved the search (while the
    account is active and still an officer), once. Returns (sent, failed)."""
    b, v = board_notices, vacancy_board
    with services.engine.connect() as c:
        recent = [dict(row) for row in c.execute(
            sa.select(b, v.c.setting_type, v.c.postcode_district, v.c.age_from, v.c.age_to,
                      v.c.weekly_fee, v.c.available_from,
                      settings.c.name.label("setting_name"),
                      organisations.c.name.label("provider_name"),
                      accounts.c.email, accounts.c.roles)
            .join(v, v.c.id == b.c.vacancy_id)
            .join(settings, settings.c.id == v.c.setting_id)
            .join(organisations, organisations.c.id == v.c.provider_id)
            .join(accounts, accounts.c.id == b.c.account_id)
            .where(b.c.created_at >= now - MAIL_WINDOW, accounts.c.suspended.is_(False),
                   accounts.c.status == "active")
            .order_by(b.c.created_at, b.c.id)).mappings()
            if "council_officer" in row["roles"].split()]
        sent_before = already_sent(c, [n["id"] for n in recent])
    letters = (Letter(n["id"], n["account_id"], n["email"], *board_message(n, portal_url),
                      "vacancy_matched") for n in recent)
    return deliver(services, letters, sent_before=sent_before, now=now,
                   template="vacancy_notice")

def run_notices(services, portal_url: str) -> Outcome:
    """The scheduled job: issue due reminders, close the home searches whose offers deadline
    has passed and start the placements due today, then send the notices' e-mails (their
    links under ``portal_url``, the configured address, ``Settings.portal_url``)."""
    now = services.portal.clock()
    reminders = issue_reminders(services)
    closed = close_due_searches(services, now)
    started, not_started = start_due_placements(services, now)
    services.projections.wait_for(services.portal.last_position())
    mailed, failed = send_notice_mail(services, now, portal_url)
    board_mailed, board_failed = send_board_notice_mail(services, now, portal_url)
    search_mailed, search_failed = send_search_notice_mail(services, now, portal_url)
    return Outcome(reminders=reminders, mailed=mailed + board_mailed + search_mailed,
                   failed=failed + board_failed + search_failed, closed=closed,
                   started=started, not_started=not_started)
