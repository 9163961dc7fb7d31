"""The scheduled side of home searches, run by ``portal notices run`` with the tender notices
(:func:`portal.services.notices.run_notices`): close the searches whose offers deadline has
passed, start the placements of accepted offers whose start day has come, and e-mail the
home search notices (:mod:`projections.search_notices`).

The searches due are found in the read models, never by scanning the event store; each
command then checks again against the search itself, so a read model a little behind never
closes a search early or starts a placement twice. E-mails go through the same once-only
ledger as the tender notices (``notice_mail``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from domain.timezone import LONDON
from portal.services.notice_mail import Letter, already_sent, deliver
from projections.directory import accounts, organisations
from projections.home_searches import home_searches
from projections.notices import MAIL_WINDOW
from projections.search_notices import (
    AUTHORITY,
    KINDS,
    describe,
    placements_due,
    search_notices,
    searches_past_deadline,
)
from projections.tender_queries import aware

ROLE = {"provider": "provider_user", AUTHORITY: "council_officer"}

def close_due_searches(services, now: datetime) -> int:
    """Close every search still open to offers whose deadline has passed (the placing
    authority is then told how many offers arrived, by a notice)."""
    with services.engine.connect() as c:
        due = searches_past_deadline(c, now)
    if not due:
        return 0
    closed = services.portal.close_home_searches_past_deadline(due, now=now)
    return len(closed)

def start_due_placements(services, now: datetime) -> tuple[int, int]:
    """Start the scheduled placement of every accepted offer whose start day has come.
    Returns (started, refused)."""
    with services.engine.connect() as c:
        due = placements_due(c, now.astimezone(LONDON).date())
    if not due:
        return 0, 0
    started, refused = services.portal.start_accepted_placements(due, now=now)
    return len(started), len(refused)

def _when(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local:%H:%M} on {local.day} {local:%B %Y} (UK time)"

def message(notice: dict, portal_url: str) -> tuple[str, str]:
    """The subject and plain-text body of a home search notice's e-mail: what the search
    shares with providers, never the child's reference, with a link under ``portal_url``."""
    kind = notice["kind"]
    base = portal_url.rstrip("/")
    if notice["audience"] == AUTHORITY:
        link = f"{base}/home-searches/{notice['search_id']}/offers"
    else:
        link = f"{base}/referrals/{notice['search_id']}"
    subject = f"{KINDS[kind]}: {notice['title']}"[:200]
    body = (f"{_lead(notice)}\n\nHome search: {notice['title']}\nSee it at {link}\n\n"
            "You are receiving this because your organisation takes part in this home "
            "search.\n")
    return subject, body

def _lead(notice: dict) -> str:
    """The first paragraph of a notice's e-mail: what happened."""
    kind = notice["kind"]
    if kind == "search_sent":
        return ("The council has sent your organisation a home search. Offers close at "
                f"{_when(aware(notice['offers_close_at']))}: offer a vacancy or a place at one "
                "of your settings, or decline.")
    if kind == "offers_closed":
        count = notice["offers"] or 0
        return (f"Offers on your home search closed: {count} "
                f"{'offer' if count == 1 else 'offers'} arrived. See them ranked and accept "
                "one.")
    if kind == "offer_accepted" and notice["starts_on"] is not None:
        return ("The council accepted your offer. The child is expected to move in on "
                f"{notice['starts_on']:%d/%m/%Y}.")
    return {
        "search_closed": ("The home search is now closed to offers. The council will choose "
                          "among the offers made."),
        "offer_accepted": "The council accepted your offer.",
        "offer_released": ("The council accepted another offer, so yours is released: the "
                           "place is yours to offer elsewhere."),
        "search_withdrawn": "The council has withdrawn the home search: no place is needed.",
    }[kind]

def _recent(c: sa.Connection, now: datetime) -> list[dict]:
    t, h = search_notices, home_searches
    rows = c.execute(
        sa.select(t, h.c.urgency, h.c.placement_types, h.c.age, h.c.siblings,
                  organisations.c.name.label("authority_name"))
        .select_from(t.join(h, h.c.id == t.c.search_id)
                     .join(organisations, organisations.c.id == h.c.authority_id))
        .where(t.c.created_at >= now - MAIL_WINDOW)
        .order_by(t.c.created_at, t.c.id)).mappings()
    return [{**row, "title": describe(row)} for row in rows]

def _recipients(c: sa.Connection, recent: list[dict]) -> dict:
    """(organisation, audience) -> [(account id, e-mail)]: the organisation's active users of
    the audience's role."""
    found: dict = {}
    for row in c.execute(sa.select(accounts.c.id, accounts.c.email,
                                   accounts.c.organisation_id, accounts.c.roles)
                         .where(accounts.c.organisation_id.in_(
                             list({n["organisation_id"] for n in recent})),
                                accounts.c.suspended.is_(False),
                                accounts.c.status == "active")
                         .order_by(accounts.c.email)):
        for audience, role in ROLE.items():
            if role in row.roles.split():
                found.setdefault((row.organisation_id, audience), []).append((row.id, row.email))
    return found

def _addressed(notice: dict, users: dict) -> list:
    """Who is e-mailed a notice: a provider's users; for the placing authority, the officer
    who sent the search when they still can be, otherwise every officer of the authority."""
    everyone = users.get((notice["organisation_id"], notice["audience"]), [])
    if notice["audience"] == AUTHORITY and notice["addressee"] is not None:
        sender = [u for u in everyone if u[0] == notice["addressee"]]
        return sender or everyone
    return everyone

def send_search_notice_mail(services, now: datetime, portal_url: str) -> tuple[int, int]:
    """E-mail each recent home search notice to its users once. Returns (sent, failed); a
    failed message is released to be tried again next time."""
    engine = services.engine
    with engine.connect() as c:
        recent = _recent(c, now)
        if not recent:
            return 0, 0
        users = _recipients(c, recent)
        sent_before = already_sent(c, [n["id"] for n in recent])
    return deliver(services, _letters(recent, users, portal_url), sent_before=sent_before,
                   now=now, template="search_notice")

def _letters(recent: list, users: dict, portal_url: str):
    for notice in recent:
        subject, body = message(notice, portal_url)
        for account_id, email in _addressed(notice, users):
            yield Letter(notice["id"], account_id, email, subject, body, notice["kind"])
