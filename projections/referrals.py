"""The referrals read model: which providers each home search was sent to (and how each
answered), and the offers they made.

Rows carry no child reference: what a provider may see of a search is read from the home
searches table only through :mod:`projections.referral_queries`, which picks the shared
fields. The placing authority is kept on every row so its officers' queries filter by it.
"""

from __future__ import annotations

import sqlalchemy as sa

from domain.home_search import OFFER_ACCEPTED, OFFER_OPEN, OFFER_RELEASED, HomeSearch
from projections.base import Projection, handles
from projections.database import metadata

referrals = sa.Table(
    "home_search_referrals",
    metadata,
    sa.Column("search_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("offers_close_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answer", sa.String(10)),  # None (not yet), "offered", "declined"
    sa.Column("decline_reason", sa.String(20)),
    sa.Index("ix_home_search_referrals_provider", "provider_id", "offers_close_at"),
)

offers = sa.Table(
    "home_search_offers",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("search_id", sa.Uuid, nullable=False),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("provider_id", sa.Uuid, nullable=False),
    sa.Column("vacancy_id", sa.Uuid),  # None: a place offered at a setting, no vacancy
    sa.Column("setting_id", sa.Uuid, nullable=False),
    sa.Column("setting_type", sa.String(40), nullable=False),
    sa.Column("weekly_price", sa.Integer, nullable=False),
    sa.Column("start_on", sa.Date, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_home_search_offers_search", "search_id"),
    sa.Index("ix_home_search_offers_provider", "provider_id"),
)

# Each search's placing authority, from its Drafted event, so the rows above can carry it (a
# projection reads only its own tables: another may be at a different position).
search_authorities = sa.Table(
    "home_search_referral_authorities",
    metadata,
    sa.Column("search_id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False),
)


# The vacancies an officer asked their providers for from the board, per search: the provider
# sees which of its places is asked for. No child reference, as every table here.
asked_places = sa.Table(
    "home_search_asked_places",
    metadata,
    sa.Column("search_id", sa.Uuid, primary_key=True),
    sa.Column("vacancy_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, nullable=False),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
)


def _authority_of(c: sa.Connection, search_id) -> object:
    t = search_authorities
    return c.execute(sa.select(t.c.authority_id).where(t.c.search_id == search_id)).scalar_one()


class Referrals(Projection):
    name = "home_search_referrals"
    tables = (referrals, offers, search_authorities, asked_places)

    @handles(HomeSearch.Drafted)
    def drafted(self, c: sa.Connection, e: HomeSearch.Drafted) -> None:
        c.execute(search_authorities.insert().values(search_id=e.originator_id,
                                                     authority_id=e.authority_id))

    @handles(HomeSearch.Sent)
    def sent(self, c: sa.Connection, e: HomeSearch.Sent) -> None:
        authority = _authority_of(c, e.originator_id)
        c.execute(referrals.insert(), [
            {"search_id": e.originator_id, "provider_id": p, "authority_id": authority,
             "sent_at": e.timestamp, "offers_close_at": e.offers_close_at, "answer": None,
             "decline_reason": None} for p in e.provider_ids])

    @handles(HomeSearch.PlaceAsked)
    def place_asked(self, c: sa.Connection, e: HomeSearch.PlaceAsked) -> None:
        """A place asked for from the board: the provider is sent the search (with the
        deadline it already has) when it was not yet, and the vacancy is named."""
        authority = _authority_of(c, e.originator_id)
        known = c.execute(sa.select(referrals.c.provider_id).where(
            referrals.c.search_id == e.originator_id,
            referrals.c.provider_id == e.provider_id)).first()
        if known is None:
            deadline = c.execute(sa.select(sa.func.max(referrals.c.offers_close_at)).where(
                referrals.c.search_id == e.originator_id)).scalar_one()
            c.execute(referrals.insert().values(
                search_id=e.originator_id, provider_id=e.provider_id, authority_id=authority,
                sent_at=e.timestamp, offers_close_at=deadline, answer=None,
                decline_reason=None))
        c.execute(asked_places.insert().values(
            search_id=e.originator_id, vacancy_id=e.vacancy_id, provider_id=e.provider_id,
            authority_id=authority, asked_at=e.timestamp))

    @handles(HomeSearch.OfferMade)
    def offer_made(self, c: sa.Connection, e: HomeSearch.OfferMade) -> None:
        offer = e.offer
        authority = _authority_of(c, e.originator_id)
        c.execute(offers.insert().values(
            id=offer["id"], search_id=e.originator_id, authority_id=authority,
            provider_id=offer["provider_id"], vacancy_id=offer["vacancy_id"],
            setting_id=offer["setting_id"], setting_type=offer["setting_type"],
            weekly_price=offer["weekly_price"], start_on=offer["start_on"],
            notes=offer["notes"], status=OFFER_OPEN, made_at=offer["made_at"]))
        self._answer(c, e, offer["provider_id"], answer="offered")

    @handles(HomeSearch.Declined)
    def declined(self, c: sa.Connection, e: HomeSearch.Declined) -> None:
        self._answer(c, e, e.provider_id, answer="declined", decline_reason=e.decline_reason)

    @handles(HomeSearch.OfferAccepted)
    def accepted(self, c: sa.Connection, e: HomeSearch.OfferAccepted) -> None:
        c.execute(offers.update().where(offers.c.id == e.offer_id)
                  .values(status=OFFER_ACCEPTED))
        if e.released:
            c.execute(offers.update().where(offers.c.id.in_(list(e.released)))
                      .values(status=OFFER_RELEASED))

    def _answer(self, c: sa.Connection, e, provider_id, **values) -> None:
        c.execute(referrals.update().where(referrals.c.search_id == e.originator_id,
                                           referrals.c.provider_id == provider_id)
                  .values(**values))

