"""The home searches read model: one row per search, its referral terms and where it stands.

Child-level rows: only ever read through :mod:`projections.home_search_queries`, whose
functions take the viewer and confine council officers to their own authority.
"""

from __future__ import annotations

import sqlalchemy as sa

from domain.home_search import (
    ACCEPTED,
    CANCELLED,
    CLOSED_TO_OFFERS,
    CLOSED_UNFILLED,
    DRAFT,
    OFFERS_OPEN,
    PLACED,
    HomeSearch,
)
from projections.base import Projection, handles
from projections.database import metadata

home_searches = sa.Table(
    "home_searches",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("child_ref", sa.String(13), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("urgency", sa.String(10), nullable=False),
    sa.Column("needed_by", sa.Date, nullable=False),
    sa.Column("latest_start", sa.Date, nullable=False),
    sa.Column("placement_types", sa.String(200), nullable=False),  # |a|b|, as vacancies' needs
    sa.Column("age", sa.Integer, nullable=False),
    sa.Column("sex", sa.String(1), nullable=False),
    sa.Column("siblings", sa.Integer, nullable=False),
    sa.Column("needs", sa.String(400), nullable=False),
    sa.Column("family_district", sa.String(4)),
    sa.Column("school_district", sa.String(4)),
    sa.Column("stay_near_school", sa.Boolean, nullable=False),
    sa.Column("areas_to_avoid", sa.String(200), nullable=False),
    sa.Column("legal_status", sa.String(2), nullable=False),
    sa.Column("unfilled_reason", sa.String(40)),
    # The accepted offer's start day while its placement waits for it (status accepted).
    sa.Column("starts_on", sa.Date),
    sa.Column("last_reason", sa.Text),
    sa.Column("drafted_by", sa.Uuid),  # None: the system (the demo loader)
    sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_home_searches_authority", "authority_id", "status", "needed_by"),
    sa.Index("ix_home_searches_status", "status"),
)

LISTS = ("placement_types", "needs", "areas_to_avoid")


def as_text(values: list[str]) -> str:
    """A list as ``|a|b|`` (empty: ""), so one value is a plain LIKE '%|a|%'."""
    return "|" + "|".join(sorted(values)) + "|" if values else ""


def as_list(text: str | None) -> list[str]:
    return [v for v in (text or "").split("|") if v]


def _columns(terms: dict) -> dict:
    return {k: (as_text(v) if k in LISTS else v) for k, v in terms.items()}


class HomeSearches(Projection):
    name = "home_searches"
    tables = (home_searches,)

    def _set(self, c: sa.Connection, e, **values) -> None:
        c.execute(home_searches.update().where(home_searches.c.id == e.originator_id).values(
            changed_at=e.timestamp, version=e.originator_version, last_reason=e.reason,
            **values))

    @handles(HomeSearch.Drafted)
    def drafted(self, c: sa.Connection, e: HomeSearch.Drafted) -> None:
        c.execute(home_searches.insert().values(
            id=e.originator_id, authority_id=e.authority_id, child_ref=e.child_ref,
            status=DRAFT, urgency=e.urgency, needed_by=e.needed_by,
            latest_start=e.latest_start, placement_types=as_text(e.placement_types),
            age=e.age, sex=e.sex, siblings=e.siblings, needs=as_text(e.needs),
            family_district=e.family_district, school_district=e.school_district,
            stay_near_school=e.stay_near_school, areas_to_avoid=as_text(e.areas_to_avoid),
            legal_status=e.legal_status, unfilled_reason=None, starts_on=None,
            last_reason=e.reason,
            drafted_by=e.actor.user_id, drafted_at=e.timestamp, changed_at=e.timestamp,
            version=e.originator_version))

    @handles(HomeSearch.Edited)
    def edited(self, c: sa.Connection, e: HomeSearch.Edited) -> None:
        self._set(c, e, **_columns(e.changes))

    @handles(HomeSearch.Cancelled)
    def cancelled(self, c: sa.Connection, e: HomeSearch.Cancelled) -> None:
        self._set(c, e, status=CANCELLED)

    @handles(HomeSearch.ClosedUnfilled)
    def closed_unfilled(self, c: sa.Connection, e: HomeSearch.ClosedUnfilled) -> None:
        self._set(c, e, status=CLOSED_UNFILLED, unfilled_reason=e.unfilled_reason)

    @handles(HomeSearch.Sent)
    def sent(self, c: sa.Connection, e: HomeSearch.Sent) -> None:
        self._set(c, e, status=OFFERS_OPEN)

    @handles(HomeSearch.ClosedToOffers)
    def closed_to_offers(self, c: sa.Connection, e: HomeSearch.ClosedToOffers) -> None:
        self._set(c, e, status=CLOSED_TO_OFFERS)

    @handles(HomeSearch.OfferAccepted)
    def accepted(self, c: sa.Connection, e: HomeSearch.OfferAccepted) -> None:
        self._set(c, e, status=ACCEPTED)

    @handles(HomeSearch.PlacementScheduled)
    def placement_scheduled(self, c: sa.Connection, e: HomeSearch.PlacementScheduled) -> None:
        self._set(c, e, starts_on=e.starts_on)

    @handles(HomeSearch.Placed)
    def placed(self, c: sa.Connection, e: HomeSearch.Placed) -> None:
        self._set(c, e, status=PLACED)
