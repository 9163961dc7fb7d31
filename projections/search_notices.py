"""Notices of home searches: to each provider a search was sent to, or asked for a vacancy's
place from the board (it reached them, it closed to offers, their offer was accepted or
released, the search was withdrawn), and to the placing authority (offers closed, with how
many arrived). In the portal (``/notices/``) and by e-mail.

Like the tender notices (:mod:`projections.notices`, whose read and e-mail ledgers these share),
a notice is one row derived from one event, its id derived from the event's record, version
and recipient, so a rebuild writes the same rows and the e-mail ledger finds them sent already.

A notice carries nothing of the child: no reference, no age, no legal status. What a provider
reads of it is what the search shares with it (:mod:`projections.referral_queries`: age band,
kinds of placement, urgency), joined when it is read; the placing authority's officers read
their own search's dates.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

import sqlalchemy as sa

from domain.home_search import URGENCIES, HomeSearch
from domain.permissions import can
from domain.vocabulary import SETTING_TYPES
from projections.base import Projection, handles
from projections.database import metadata
from projections.directory import organisations
from projections.home_searches import as_list, home_searches
from projections.notices import UNREAD_BOARD, notice_reads, unread_tender_count
from projections.referral_queries import age_band
from projections.tender_queries import aware

PROVIDER = "provider"
AUTHORITY = "authority"
KINDS = {
    "search_sent": "A home search was sent to you",
    "search_closed": "A home search closed to offers",
    "offer_accepted": "Your offer was accepted",
    "offer_released": "Your offer was not taken",
    "search_withdrawn": "A home search was withdrawn",
    "offers_closed": "Offers closed on your home search",
}
AUDIENCE = {"search_sent": PROVIDER, "search_closed": PROVIDER, "offer_accepted": PROVIDER,
            "offer_released": PROVIDER, "search_withdrawn": PROVIDER,
            "offers_closed": AUTHORITY}
# Who may read each audience's notices (the viewer's own organisation only).
READ_ACTION = {PROVIDER: "referrals.answer", AUTHORITY: "home_searches.view"}

search_notices = sa.Table(
    "search_notices",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("search_id", sa.Uuid, nullable=False),
    sa.Column("organisation_id", sa.Uuid, nullable=False),  # the provider, or the authority
    sa.Column("audience", sa.String(10), nullable=False),
    sa.Column("addressee", sa.Uuid),  # the officer who sent the search (authority notices)
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("offers_close_at", sa.DateTime(timezone=True)),
    sa.Column("offers", sa.Integer),  # offers made, for offers_closed
    sa.Column("starts_on", sa.Date),  # for offer_accepted
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Index("ix_search_notices_organisation", "organisation_id", "created_at"),
)

# What the projection keeps of each search to address its notices: the placing authority, who
# sent it and its deadline; and each offer's provider and start day.
search_notice_searches = sa.Table(
    "search_notice_searches",
    metadata,
    sa.Column("search_id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("sent_by", sa.Uuid),
    sa.Column("offers_close_at", sa.DateTime(timezone=True)),
)
search_notice_offers = sa.Table(
    "search_notice_offers",
    metadata,
    sa.Column("offer_id", sa.Uuid, primary_key=True),
    sa.Column("search_id", sa.Uuid, nullable=False, index=True),
    sa.Column("provider_id", sa.Uuid, nullable=False),
    sa.Column("start_on", sa.Date, nullable=False),
)


def search_notice_id(record_id: UUID, version: int, recipient: UUID) -> UUID:
    return uuid5(record_id, f"search-notice:{version}:{recipient}")


class SearchNotices(Projection):
    name = "search_notices"
    tables = (search_notices, search_notice_searches, search_notice_offers)

    def _add(self, c: sa.Connection, e, kind: str, recipients, **values) -> None:
        rows = [{"id": search_notice_id(e.originator_id, e.originator_version, r),
                 "search_id": e.originator_id, "organisation_id": r,
                 "audience": AUDIENCE[kind], "kind": kind, "created_at": e.timestamp,
                 "addressee": None, "offers_close_at": None, "offers": None,
                 "starts_on": None, **values} for r in recipients]
        if rows:
            c.execute(search_notices.insert(), rows)

    def _search(self, c: sa.Connection, search_id):
        t = search_notice_searches
        return c.execute(sa.select(t).where(t.c.search_id == search_id)).first()

    def _sent_to(self, c: sa.Connection, search_id) -> list:
        t = search_notices
        return list(c.execute(sa.select(t.c.organisation_id).where(
            t.c.search_id == search_id, t.c.kind == "search_sent")
            .order_by(t.c.organisation_id)).scalars())

    @handles(HomeSearch.Drafted)
    def drafted(self, c: sa.Connection, e: HomeSearch.Drafted) -> None:
        c.execute(search_notice_searches.insert().values(
            search_id=e.originator_id, authority_id=e.authority_id))

    @handles(HomeSearch.Sent)
    def sent(self, c: sa.Connection, e: HomeSearch.Sent) -> None:
        c.execute(search_notice_searches.update()
                  .where(search_notice_searches.c.search_id == e.originator_id)
                  .values(sent_by=e.actor.user_id, offers_close_at=e.offers_close_at))
        self._add(c, e, "search_sent", e.provider_ids, offers_close_at=e.offers_close_at)

    @handles(HomeSearch.PlaceAsked)
    def place_asked(self, c: sa.Connection, e: HomeSearch.PlaceAsked) -> None:
        """Asking for a vacancy's place from the board reaches its provider like sending does
        (a draft's ``Sent`` comes first and has told it already)."""
        if e.provider_id in self._sent_to(c, e.originator_id):
            return
        search = self._search(c, e.originator_id)
        self._add(c, e, "search_sent", [e.provider_id], offers_close_at=search.offers_close_at)

    @handles(HomeSearch.OfferMade)
    def offer_made(self, c: sa.Connection, e: HomeSearch.OfferMade) -> None:
        c.execute(search_notice_offers.insert().values(
            offer_id=e.offer["id"], search_id=e.originator_id,
            provider_id=e.offer["provider_id"], start_on=e.offer["start_on"]))

    @handles(HomeSearch.ClosedToOffers)
    def closed_to_offers(self, c: sa.Connection, e: HomeSearch.ClosedToOffers) -> None:
        search = self._search(c, e.originator_id)
        self._add(c, e, "search_closed", self._sent_to(c, e.originator_id),
                  offers_close_at=search.offers_close_at)
        made = c.execute(sa.select(sa.func.count()).select_from(search_notice_offers).where(
            search_notice_offers.c.search_id == e.originator_id)).scalar_one()
        self._add(c, e, "offers_closed", [search.authority_id], addressee=search.sent_by,
                  offers_close_at=search.offers_close_at, offers=made)

    @handles(HomeSearch.OfferAccepted)
    def accepted(self, c: sa.Connection, e: HomeSearch.OfferAccepted) -> None:
        t = search_notice_offers
        chosen = c.execute(sa.select(t).where(t.c.offer_id == e.offer_id)).first()
        self._add(c, e, "offer_accepted", [chosen.provider_id], starts_on=chosen.start_on)
        released = set(c.execute(sa.select(t.c.provider_id).where(
            t.c.offer_id.in_(list(e.released)))).scalars()) if e.released else set()
        # A provider with its own offer accepted is not told another of its offers was not.
        self._add(c, e, "offer_released", sorted(released - {chosen.provider_id}, key=str))

    @handles(HomeSearch.Cancelled, HomeSearch.ClosedUnfilled)
    def withdrawn(self, c: sa.Connection, e) -> None:
        self._add(c, e, "search_withdrawn", self._sent_to(c, e.originator_id))


# --- queries -----------------------------------------------------------------------------------

def _audiences(viewer) -> list[str]:
    return [a for a, action in READ_ACTION.items() if can(viewer, action)]


def _mine(viewer):
    audiences = _audiences(viewer)
    if not audiences or viewer.organisation_id is None:
        return sa.false()
    return sa.and_(search_notices.c.organisation_id == viewer.organisation_id,
                   search_notices.c.audience.in_(audiences))


def describe(row) -> str:
    """What a notice says of its search: only what the search shares with providers (urgency,
    kinds of placement, age band, places), never the child's reference."""
    kinds = ", ".join(SETTING_TYPES.get(t, t) for t in as_list(row["placement_types"]))
    places = 1 + row["siblings"]
    together = f", {places} places together" if places > 1 else ""
    return (f"{URGENCIES[row['urgency']]} search from {row['authority_name']}: {kinds.lower()}"
            f", age band {age_band(row['age']).lower()}{together}")


def search_notices_for(viewer, c: sa.Connection, *, limit: int = 200) -> list[dict]:
    """The viewer's organisation's home search notices, newest first, each with whether the
    viewer read it and what it says of the search."""
    t, h = search_notices, home_searches
    read = sa.and_(notice_reads.c.notice_id == t.c.id, notice_reads.c.user_id == viewer.user_id)
    query = (sa.select(t, h.c.urgency, h.c.placement_types, h.c.age, h.c.siblings,
                       h.c.needed_by, organisations.c.name.label("authority_name"),
                       notice_reads.c.read_at)
             .select_from(t.join(h, h.c.id == t.c.search_id)
                          .join(organisations, organisations.c.id == h.c.authority_id)
                          .outerjoin(notice_reads, read))
             .where(_mine(viewer)).order_by(t.c.created_at.desc(), t.c.id).limit(limit))
    return [{**row, "title": describe(row), "created_at": aware(row["created_at"]),
             "offers_close_at": aware(row["offers_close_at"]), "read_at": aware(row["read_at"])}
            for row in c.execute(query).mappings()]


def _unread_search_counts() -> tuple[sa.Select, sa.Select]:
    """The count of :func:`unread_search_count` for a viewer with an audience (its
    organisation's, of those audiences) and for one with none (nothing: still asked, so the
    page reads the table as before)."""
    t = search_notices
    read = sa.and_(notice_reads.c.notice_id == t.c.id,
                   notice_reads.c.user_id == sa.bindparam("user"))
    count = sa.select(sa.func.count()).select_from(t.outerjoin(notice_reads, read))
    mine = sa.and_(t.c.organisation_id == sa.bindparam("organisation"),
                   t.c.audience.in_(sa.bindparam("audiences", expanding=True)))
    return (count.where(mine, notice_reads.c.read_at.is_(None)),
            count.where(sa.false(), notice_reads.c.read_at.is_(None)))


# Built once: every page counts them for its navigation (the same query as ``_mine`` makes).
_UNREAD_MINE, _UNREAD_NONE = _unread_search_counts()


# The same counts with the viewer's unread board search notices added, in one statement.
_UNREAD_MINE_AND_BOARD, _UNREAD_NONE_AND_BOARD = (
    sa.select(query.scalar_subquery() + UNREAD_BOARD.scalar_subquery())
    for query in (_UNREAD_MINE, _UNREAD_NONE))


def _unread_query(viewer, *, with_board: bool) -> tuple[sa.Select, dict]:
    audiences = _audiences(viewer)
    if not audiences or viewer.organisation_id is None:
        return (_UNREAD_NONE_AND_BOARD if with_board else _UNREAD_NONE), {"user": viewer.user_id}
    return ((_UNREAD_MINE_AND_BOARD if with_board else _UNREAD_MINE),
            {"user": viewer.user_id, "audiences": audiences,
             "organisation": viewer.organisation_id})


def unread_search_count(viewer, c: sa.Connection) -> int:
    query, parameters = _unread_query(viewer, with_board=False)
    return c.execute(query, parameters).scalar_one()


def unread_notice_count(viewer, c: sa.Connection) -> int:
    """Every notice the viewer has not read (of home searches, their board searches and the
    tenders open to them), as the navigation shows it: one statement for all but those who
    answer tenders, the same count as the three added up."""
    query, parameters = _unread_query(viewer, with_board=can(viewer, "board_searches.manage"))
    return c.execute(query, parameters).scalar_one() + unread_tender_count(viewer, c)


def mark_search_notices_read(viewer, c: sa.Connection, ids: list[UUID],
                             now: datetime) -> int:
    """Mark these of the viewer's home search notices read (others' ids are ignored)."""
    if not ids:
        return 0
    mine = set(c.execute(sa.select(search_notices.c.id).where(
        search_notices.c.id.in_(ids), _mine(viewer))).scalars())
    already = set(c.execute(sa.select(notice_reads.c.notice_id).where(
        notice_reads.c.user_id == viewer.user_id, notice_reads.c.notice_id.in_(mine)))
        .scalars()) if mine else set()
    fresh = mine - already
    if fresh:
        c.execute(notice_reads.insert(), [{"notice_id": n, "user_id": viewer.user_id,
                                           "read_at": now} for n in sorted(fresh, key=str)])
    return len(fresh)


# --- for the notices runner: searches with something due (ids only, nothing of the child) -----

def searches_past_deadline(c: sa.Connection, now: datetime) -> list[UUID]:
    """Searches still open to offers whose deadline has passed (for the runner to close)."""
    h, s = home_searches, search_notice_searches
    return list(c.execute(
        sa.select(h.c.id).join(s, s.c.search_id == h.c.id)
        .where(h.c.status == "offers_open", s.c.offers_close_at <= now)
        .order_by(s.c.offers_close_at, h.c.id)).scalars())


def placements_due(c: sa.Connection, today) -> list[UUID]:
    """Accepted searches whose scheduled placement starts today or before (to start)."""
    h = home_searches
    return list(c.execute(
        sa.select(h.c.id).where(h.c.status == "accepted", h.c.starts_on.is_not(None),
                                h.c.starts_on <= today)
        .order_by(h.c.starts_on, h.c.id)).scalars())
