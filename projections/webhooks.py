"""What each organisation's webhook subscriptions may be sent: the events it may see, each as
the small payload its system receives, in notification order; and the subscriptions
themselves.

An event reaches an organisation only when the pages would show it the same thing: a provider
the home searches sent to it, its own offers accepted or not taken and its own vacancies held
or filled; a council the offers and refusals on its own searches and the vacancies held or
filled for it. A payload names records by their ids only (pseudonymous: never a child's
reference, age or needs): the receiving system reads what it may of each through the API with
its own key. Rows are derived from events alone, so a rebuild writes the same rows; what was
delivered is kept apart, in the outbox (:mod:`projections.webhook_outbox`), which a rebuild
leaves alone.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid5

import sqlalchemy as sa

from domain.home_search import HomeSearch
from domain.vacancy import Vacancy
from domain.webhook import WebhookSubscription
from projections.base import BufferedRows, Projection, handles
from projections.bulk import TableWriter
from projections.database import metadata

webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("organisation_id", sa.Uuid, nullable=False, index=True),
    sa.Column("client_id", sa.Uuid, nullable=False, index=True),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("event_types", sa.String(300), nullable=False),  # space-separated
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_position", sa.BigInteger, nullable=False),  # events after it are sent
    sa.Column("removed_at", sa.DateTime(timezone=True)),
)

# One row per event and organisation that may see it.
webhook_events = sa.Table(
    "webhook_events",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True),
    sa.Column("organisation_id", sa.Uuid, primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("event_type", sa.String(40), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # JSON
    sa.Index("ix_webhook_events_organisation", "organisation_id", "position"),
)

# What the projection keeps to address events: each search's authority, each offer's
# provider, each vacancy's provider.
webhook_searches = sa.Table(
    "webhook_searches", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),  # the search's
    sa.Column("authority_id", sa.Uuid, nullable=False))
webhook_offers = sa.Table(
    "webhook_offers", metadata,
    sa.Column("offer_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, nullable=False))
webhook_vacancies = sa.Table(
    "webhook_vacancies", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),  # the vacancy's
    sa.Column("provider_id", sa.Uuid, nullable=False))


def event_id(record_id: UUID, version: int) -> UUID:
    """The event's own id, the same on every rebuild (receivers de-duplicate by it)."""
    return uuid5(record_id, f"webhook-event:{version}")


class WebhookFeed(Projection):
    name = "webhook_feed"
    tables = (webhook_subscriptions, webhook_events, webhook_searches, webhook_offers,
              webhook_vacancies)
    snapshots = False

    def __init__(self) -> None:
        # Vacancies and searches are many: their rows are read and written once a batch.
        self.searches = BufferedRows(webhook_searches)
        self.vacancies = BufferedRows(webhook_vacancies)
        self._events: list[dict] = []
        self._event_writer = TableWriter(webhook_events)

    def prepare(self, connection: sa.Connection, notifications) -> None:
        mine = [n for n in notifications if n.topic in self._handlers]
        searches = [n for n in mine if ":HomeSearch." in n.topic]
        vacancies = [n for n in mine if ":Vacancy." in n.topic]
        # A search or vacancy created in this batch has no row yet: nothing to read.
        self.searches.absent(n.originator_id for n in searches if n.originator_version == 1)
        self.vacancies.absent(n.originator_id for n in vacancies if n.originator_version == 1)
        self.searches.load(connection, [n.originator_id for n in searches])
        self.vacancies.load(connection, [n.originator_id for n in vacancies])

    def begin_batch(self, connection: sa.Connection) -> None:
        self._events = []

    def end_batch(self, connection: sa.Connection) -> None:
        self.searches.flush(connection)
        self.vacancies.flush(connection)
        self._event_writer.insert(connection, self._events)
        self._events = []

    def discard_batch(self) -> None:
        super().discard_batch()
        self._events = []

    def process(self, connection: sa.Connection, event: Any, topic: str, position: int) -> None:
        self._position = position
        super().process(connection, event, topic, position)

    def _emit(self, c: sa.Connection, e, event_type: str,
              audience: dict[UUID, dict[str, Any]]) -> None:
        """One row per organisation in ``audience``, with the payload it may see."""
        self._events += [{"position": self._position, "organisation_id": organisation,
                          "event_id": event_id(e.originator_id, e.originator_version),
                          "event_type": event_type, "occurred_at": e.timestamp,
                          "payload": json.dumps(payload, sort_keys=True, default=str)}
                         for organisation, payload in audience.items()
                         if organisation is not None]

    @staticmethod
    def _one(c: sa.Connection, table: sa.Table, key: str, value, column: str):
        return c.execute(sa.select(table.c[column]).where(table.c[key] == value)).scalar()

    # --- subscriptions ------------------------------------------------------------------------

    @handles(WebhookSubscription.Created)
    def created(self, c: sa.Connection, e) -> None:
        c.execute(webhook_subscriptions.insert().values(
            id=e.originator_id, organisation_id=e.organisation_id, client_id=e.client_id,
            url=e.url, event_types=" ".join(e.event_types), created_at=e.timestamp,
            created_position=self._position))

    @handles(WebhookSubscription.Removed)
    def removed(self, c: sa.Connection, e) -> None:
        c.execute(webhook_subscriptions.update().where(
            webhook_subscriptions.c.id == e.originator_id).values(removed_at=e.timestamp))

    # --- home searches ------------------------------------------------------------------------

    @handles(HomeSearch.Drafted)
    def drafted(self, c: sa.Connection, e) -> None:
        self.searches.put({"id": e.originator_id, "authority_id": e.authority_id})

    @handles(HomeSearch.Sent)
    def sent(self, c: sa.Connection, e) -> None:
        payload = {"home_search_id": str(e.originator_id),
                   "offers_close_at": e.offers_close_at.isoformat()}
        self._emit(c, e, "home_search.sent", {p: payload for p in e.provider_ids})

    @handles(HomeSearch.PlaceAsked)
    def place_asked(self, c: sa.Connection, e) -> None:
        self._emit(c, e, "home_search.sent", {e.provider_id: {
            "home_search_id": str(e.originator_id), "vacancy_id": str(e.vacancy_id)}})

    def _authority(self, c: sa.Connection, search_id: UUID) -> UUID | None:
        row = self.searches.get(search_id)
        return None if row is None else row["authority_id"]

    @handles(HomeSearch.Declined)
    def declined(self, c: sa.Connection, e) -> None:
        self._emit(c, e, "home_search.declined", {self._authority(c, e.originator_id): {
            "home_search_id": str(e.originator_id), "provider_id": str(e.provider_id)}})

    @handles(HomeSearch.OfferMade)
    def offer_made(self, c: sa.Connection, e) -> None:
        c.execute(webhook_offers.insert().values(offer_id=e.offer["id"],
                                                 provider_id=e.offer["provider_id"]))
        self._emit(c, e, "offer.made", {self._authority(c, e.originator_id): {
            "home_search_id": str(e.originator_id), "offer_id": str(e.offer["id"]),
            "provider_id": str(e.offer["provider_id"])}})

    @handles(HomeSearch.OfferAccepted)
    def offer_accepted(self, c: sa.Connection, e) -> None:
        def provider(offer_id: UUID) -> UUID | None:
            return self._one(c, webhook_offers, "offer_id", offer_id, "provider_id")

        accepted = {"home_search_id": str(e.originator_id), "offer_id": str(e.offer_id)}
        audience = {self._authority(c, e.originator_id): accepted}
        audience[provider(e.offer_id)] = accepted
        self._emit(c, e, "offer.accepted", audience)
        # Each provider whose offer was not taken: its own offers only.
        not_taken: dict[UUID, dict[str, Any]] = {}
        for offer_id in e.released:
            owner = provider(offer_id)
            if owner is not None and owner not in audience:
                not_taken.setdefault(owner, {"home_search_id": str(e.originator_id),
                                             "offer_ids": []})["offer_ids"].append(str(offer_id))
        self._emit(c, e, "offer.declined", not_taken)

    # --- vacancies ----------------------------------------------------------------------------

    @handles(Vacancy.Published)
    def published(self, c: sa.Connection, e) -> None:
        self.vacancies.put({"id": e.originator_id, "provider_id": e.provider_id})

    def _vacancy_event(self, c: sa.Connection, e, event_type: str) -> None:
        row = self.vacancies.get(e.originator_id)
        provider = None if row is None else row["provider_id"]
        own = {"vacancy_id": str(e.originator_id)}
        audience: dict[UUID, dict[str, Any]] = {provider: own}
        if e.authority_id is not None and e.authority_id != provider:
            audience[e.authority_id] = {**own, **({"home_search_id": str(e.home_search_id)}
                                                  if e.home_search_id else {})}
        self._emit(c, e, event_type, audience)

    @handles(Vacancy.Held)
    def held(self, c: sa.Connection, e) -> None:
        self._vacancy_event(c, e, "vacancy.held")

    @handles(Vacancy.Filled)
    def filled(self, c: sa.Connection, e) -> None:
        self._vacancy_event(c, e, "vacancy.filled")
