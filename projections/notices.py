"""Notices to providers: a tender they may answer has opened, a clarification was published,
a deadline is near. In the portal (``/notices/``) and by e-mail to the provider's users.

How notices stay exactly-once through replays and rebuilds
----------------------------------------------------------
Notices are derived from events, in two steps that are kept apart on purpose:

1. **The projection** (``Notices``) turns each notice-worthy event into one ``notices`` row:
   ``Tender.MarketEngagementOpened`` and ``Tender.InvitationPublished`` (a tender opened),
   ``Tender.ClarificationAnswered`` when published, and ``DeadlineReminder.Issued`` (written
   by the reminder job, ``domain/tender_reminder.py``, whose deterministic id makes the event
   store refuse a second reminder of the same deadline). A row's id is derived from the
   event's record and version, so a rebuild writes exactly the same rows again. The row is
   about a tender, not a provider: who may see it is decided when it is read, by the same rule
   as the tender itself (eligible providers of a published tender, ``open_to``).
2. **The mail dispatcher** (``portal/services/notices.py``, run by housekeeping and by ``portal
   tenders remind``) sends the e-mails. Before sending a notice to an account it claims the
   pair in ``notice_mail``, whose primary key (notice, account) makes a second claim fail. That
   ledger is *not* part of the projection: a rebuild clears and refills ``notices`` but never
   touches ``notice_mail``, so the same notice ids find their e-mails already sent. Only
   notices younger than ``MAIL_WINDOW`` are mailed, so an account created later, or a portal
   restored from an old backup, is not sent a flood of stale news.

Read and unread is each user's own state, kept in ``notice_reads`` (not derived, not cleared).

Council officers' notices, that a new vacancy matches one of their saved searches of the board,
are rows of their own projection (``projections/board_searches.py``), addressed to the search's
owner; they are read here with the tender notices and share both ledgers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid5

import sqlalchemy as sa

from domain.organisation import KIND_COVERS
from domain.permissions import can, check
from domain.tender import Tender
from domain.tender_reminder import DeadlineReminder
from projections.base import Projection, handles
from projections.board_searches import board_notices
from projections.database import metadata
from projections.directory import organisations, settings
from projections.tender_queries import aware, tender_list
from projections.tenders import tender_eligible_providers, tender_lots, tenders

MAIL_WINDOW = timedelta(days=7)
KINDS = {
    "engagement_opened": "Market engagement has opened",
    "invitation_published": "Invitation to tender published",
    "clarification_published": "Clarification published",
    "deadline_near": "Deadline approaching",
    "vacancy_matched": "A new vacancy matches your saved search",
}

notices = sa.Table(
    "notices",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tender_id", sa.Uuid, nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("deadline_name", sa.String(32)),
    sa.Column("deadline", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

# Not projection tables: what each user has read, and which e-mails were sent (see above).
notice_reads = sa.Table(
    "notice_reads",
    metadata,
    sa.Column("notice_id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
)
notice_mail = sa.Table(
    "notice_mail",
    metadata,
    sa.Column("notice_id", sa.Uuid, primary_key=True),
    sa.Column("account_id", sa.Uuid, primary_key=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)


def notice_id(record_id: UUID, version: int) -> UUID:
    return uuid5(record_id, f"notice:{version}")


class Notices(Projection):
    name = "notices"
    tables = (notices,)

    def _add(self, c: sa.Connection, e, tender_id: UUID, kind: str, **values) -> None:
        c.execute(notices.insert().values(
            id=notice_id(e.originator_id, e.originator_version), tender_id=tender_id,
            kind=kind, created_at=e.timestamp, **values))

    @handles(Tender.MarketEngagementOpened)
    def engagement_opened(self, c: sa.Connection, e) -> None:
        self._add(c, e, e.originator_id, "engagement_opened")

    @handles(Tender.InvitationPublished)
    def invitation_published(self, c: sa.Connection, e) -> None:
        self._add(c, e, e.originator_id, "invitation_published")

    @handles(Tender.ClarificationAnswered)
    def clarification_answered(self, c: sa.Connection, e) -> None:
        if e.published:
            self._add(c, e, e.originator_id, "clarification_published")

    @handles(DeadlineReminder.Issued)
    def reminder(self, c: sa.Connection, e) -> None:
        self._add(c, e, e.tender_id, "deadline_near", deadline_name=e.deadline_name,
                  deadline=e.deadline)


# --- who a tender is open to -----------------------------------------------------------------

def _offers(provider_kind: str | None, provider_id, lot_types: set[str],
            setting_types: dict) -> bool:
    if provider_kind == "mixed":
        return True
    types = KIND_COVERS.get(provider_kind or "", frozenset()) | setting_types.get(
        provider_id, set())
    return bool(types & lot_types)


def open_to(c: sa.Connection, tender_ids: list[UUID] | None = None) -> dict[UUID, set[UUID]]:
    """For each published (not draft) tender, the providers eligible to answer it: those named
    (when it names providers) that offer a lot's setting type, by their kind or a setting in
    the directory. The same rule as ``TenderCommands.check_eligible`` and
    ``tender_queries.tender_list`` for a provider, for every provider at once (the mail
    dispatcher's question; a test checks the three agree)."""
    query = sa.select(tenders.c.id, tenders.c.named_providers).where(tenders.c.stage != "draft")
    if tender_ids is not None:
        query = query.where(tenders.c.id.in_(tender_ids))
    found = {row.id: row.named_providers for row in c.execute(query)}
    if not found:
        return {}
    lot_types: dict[UUID, set[str]] = {}
    for row in c.execute(sa.select(tender_lots.c.tender_id, tender_lots.c.setting_type)
                         .where(tender_lots.c.tender_id.in_(list(found)))):
        lot_types.setdefault(row.tender_id, set()).add(row.setting_type)
    named: dict[UUID, set[UUID]] = {}
    for row in c.execute(sa.select(tender_eligible_providers).where(
            tender_eligible_providers.c.tender_id.in_(list(found)))):
        named.setdefault(row.tender_id, set()).add(row.provider_id)
    providers = {row.id: row.provider_kind for row in c.execute(
        sa.select(organisations.c.id, organisations.c.provider_kind)
        .where(organisations.c.kind == "provider"))}
    setting_types: dict[UUID, set[str]] = {}
    for row in c.execute(sa.select(settings.c.provider_id, settings.c.setting_type).distinct()):
        setting_types.setdefault(row.provider_id, set()).add(row.setting_type)
    result = {}
    for tender_id, by_name in found.items():
        candidates = named.get(tender_id, set()) if by_name else providers.keys()
        result[tender_id] = {
            p for p in candidates if p in providers and _offers(
                providers[p], p, lot_types.get(tender_id, set()), setting_types)}
    return result


def _visible(viewer, c: sa.Connection) -> set[UUID]:
    """The tenders the viewer's provider may see (``tender_queries``' own rule)."""
    return {t["id"] for t in tender_list(viewer, c)}


# --- queries ---------------------------------------------------------------------------------

def notices_for(viewer, c: sa.Connection, *, limit: int = 200) -> list[dict]:
    """The viewer's notices, newest first, each with whether the viewer read it: a
    provider's, of tenders it may answer; an officer's own, of vacancies matching their saved
    searches."""
    found = _tender_notices(viewer, c, limit) if can(viewer, "tenders.respond") else []
    if can(viewer, "board_searches.manage"):
        found += _board_notices(viewer, c, limit)
    found.sort(key=lambda n: str(n["id"]))
    found.sort(key=lambda n: n["created_at"], reverse=True)
    return found[:limit]


def _tender_notices(viewer, c: sa.Connection, limit: int) -> list[dict]:
    open_tenders = _visible(viewer, c)
    if not open_tenders:
        return []
    read = notice_reads.c.user_id == viewer.user_id
    query = (sa.select(notices, tenders.c.title, notice_reads.c.read_at)
             .join(tenders, tenders.c.id == notices.c.tender_id)
             .outerjoin(notice_reads, sa.and_(notice_reads.c.notice_id == notices.c.id, read))
             .where(notices.c.tender_id.in_(open_tenders))
             .order_by(notices.c.created_at.desc(), notices.c.id).limit(limit))
    return [{**row, "vacancy_id": None, "deadline": aware(row["deadline"]),
             "created_at": aware(row["created_at"]), "read_at": aware(row["read_at"])}
            for row in c.execute(query).mappings()]


def _board_notices(viewer, c: sa.Connection, limit: int) -> list[dict]:
    b = board_notices
    query = (sa.select(b.c.id, b.c.vacancy_id, b.c.search_name.label("title"),
                       b.c.created_at, notice_reads.c.read_at)
             .outerjoin(notice_reads, sa.and_(notice_reads.c.notice_id == b.c.id,
                                              notice_reads.c.user_id == viewer.user_id))
             .where(b.c.account_id == viewer.user_id)
             .order_by(b.c.created_at.desc(), b.c.id).limit(limit))
    return [{**row, "kind": "vacancy_matched", "tender_id": None, "deadline": None,
             "deadline_name": None, "created_at": aware(row["created_at"]),
             "read_at": aware(row["read_at"])} for row in c.execute(query).mappings()]


def unread_board_matches(viewer, c: sa.Connection) -> list[dict]:
    """The viewer's own saved searches with new matches they have not read: each search's
    id and name and how many, most first."""
    check(viewer, "board_searches.manage")
    b = board_notices
    query = (sa.select(b.c.board_search_id, b.c.search_name, sa.func.count().label("unread"))
             .outerjoin(notice_reads, sa.and_(notice_reads.c.notice_id == b.c.id,
                                              notice_reads.c.user_id == viewer.user_id))
             .where(b.c.account_id == viewer.user_id, notice_reads.c.read_at.is_(None))
             .group_by(b.c.board_search_id, b.c.search_name))
    rows = [dict(row) for row in c.execute(query).mappings()]
    return sorted(rows, key=lambda r: (-r["unread"], r["search_name"], str(r["board_search_id"])))


# Built once: every officer's page counts them for its navigation (with the home search
# notices, in one statement: projections/search_notices.py ``unread_notice_count``).
UNREAD_BOARD = (
    sa.select(sa.func.count()).select_from(board_notices)
    .outerjoin(notice_reads, sa.and_(notice_reads.c.notice_id == board_notices.c.id,
                                     notice_reads.c.user_id == sa.bindparam("user")))
    .where(board_notices.c.account_id == sa.bindparam("user"),
           notice_reads.c.read_at.is_(None)))


def unread_tender_count(viewer, c: sa.Connection) -> int:
    """The viewer's unread notices of the tenders open to them (none without
    ``tenders.respond``, and then nothing is asked)."""
    if not can(viewer, "tenders.respond"):
        return 0
    open_tenders = _visible(viewer, c)
    if not open_tenders:
        return 0
    query = (sa.select(sa.func.count()).select_from(notices)
             .outerjoin(notice_reads, sa.and_(notice_reads.c.notice_id == notices.c.id,
                                              notice_reads.c.user_id == viewer.user_id))
             .where(notices.c.tender_id.in_(open_tenders), notice_reads.c.read_at.is_(None)))
    return c.execute(query).scalar_one()


def mark_read(viewer, c: sa.Connection, ids: list[UUID], now: datetime) -> int:
    """Mark these of the viewer's notices read (others' or unknown ids are ignored)."""
    mine: set[UUID] = set()
    if can(viewer, "tenders.respond"):
        open_tenders = _visible(viewer, c)
        mine |= set(c.execute(sa.select(notices.c.id).where(
            notices.c.id.in_(ids), notices.c.tender_id.in_(open_tenders))).scalars())
    if can(viewer, "board_searches.manage"):
        mine |= set(c.execute(sa.select(board_notices.c.id).where(
            board_notices.c.id.in_(ids),
            board_notices.c.account_id == viewer.user_id)).scalars())
    already = set(c.execute(sa.select(notice_reads.c.notice_id).where(
        notice_reads.c.user_id == viewer.user_id, notice_reads.c.notice_id.in_(mine)))
        .scalars())
    fresh = mine - already
    if fresh:
        c.execute(notice_reads.insert(), [{"notice_id": n, "user_id": viewer.user_id,
                                           "read_at": now} for n in fresh])
    return len(fresh)
