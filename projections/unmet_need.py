"""The unmet need read model: one row per home search with the moments of its life that the
unmet-need measure counts (opened, sent, placed or closed), and one row per offer made for it
with the setting offered.

It holds no child reference: the measure only ever counts searches, by authority, kind of
placement sought and age. Where each offered setting is (its host authority and postcode
district) is read from the directory when the measure runs, as the other sufficiency measures
read it (:mod:`projections.sufficiency.unmet_need`).
"""

from __future__ import annotations

import sqlalchemy as sa

from domain.home_search import HomeSearch
from projections.base import Projection, handles
from projections.database import metadata

SEVERAL = "several"  # a search recommending more than one kind of placement

unmet_need_searches = sa.Table(
    "unmet_need_searches",
    metadata,
    sa.Column("search_id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("age", sa.Integer, nullable=False),
    sa.Column("urgency", sa.String(10), nullable=False),
    sa.Column("placement_types", sa.String(200), nullable=False),  # |a|b|
    sa.Column("kind_sought", sa.String(40), nullable=False),  # a setting type, or SEVERAL
    sa.Column("family_district", sa.String(4)),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("providers_approached", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(20)),  # None (open), "placed", "closed_unfilled", "cancelled"
    sa.Column("outcome_at", sa.DateTime(timezone=True)),
    sa.Column("unfilled_reason", sa.String(40)),
    sa.Column("accepted_offer_id", sa.Uuid),
    sa.Index("ix_unmet_need_searches_authority", "authority_id", "opened_at"),
)

unmet_need_offers = sa.Table(
    "unmet_need_offers",
    metadata,
    sa.Column("offer_id", sa.Uuid, primary_key=True),
    sa.Column("search_id", sa.Uuid, nullable=False, index=True),
    sa.Column("setting_id", sa.Uuid, nullable=False),
    sa.Column("setting_type", sa.String(40), nullable=False),
    sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
)


def kind_sought(placement_types: list[str]) -> str:
    """The one kind of placement a search recommends, or SEVERAL."""
    kinds = sorted(set(placement_types))
    return kinds[0] if len(kinds) == 1 else SEVERAL


def _types_text(placement_types: list[str]) -> str:
    return "|" + "|".join(sorted(set(placement_types))) + "|"


class UnmetNeed(Projection):
    name = "unmet_need"
    tables = (unmet_need_searches, unmet_need_offers)

    def _set(self, c: sa.Connection, e, **values) -> None:
        c.execute(unmet_need_searches.update()
                  .where(unmet_need_searches.c.search_id == e.originator_id).values(**values))

    @handles(HomeSearch.Drafted)
    def drafted(self, c: sa.Connection, e: HomeSearch.Drafted) -> None:
        c.execute(unmet_need_searches.insert().values(
            search_id=e.originator_id, authority_id=e.authority_id, age=e.age,
            urgency=e.urgency, placement_types=_types_text(e.placement_types),
            kind_sought=kind_sought(e.placement_types), family_district=e.family_district,
            opened_at=e.timestamp, sent_at=None, providers_approached=0, outcome=None,
            outcome_at=None, unfilled_reason=None, accepted_offer_id=None))

    @handles(HomeSearch.Edited)
    def edited(self, c: sa.Connection, e: HomeSearch.Edited) -> None:
        values = {k: e.changes[k] for k in ("age", "urgency", "family_district")
                  if k in e.changes}
        if "placement_types" in e.changes:
            values["placement_types"] = _types_text(e.changes["placement_types"])
            values["kind_sought"] = kind_sought(e.changes["placement_types"])
        if values:
            self._set(c, e, **values)

    @handles(HomeSearch.Sent)
    def sent(self, c: sa.Connection, e: HomeSearch.Sent) -> None:
        self._set(c, e, sent_at=e.timestamp, providers_approached=len(e.provider_ids))

    @handles(HomeSearch.OfferMade)
    def offer_made(self, c: sa.Connection, e: HomeSearch.OfferMade) -> None:
        c.execute(unmet_need_offers.insert().values(
            offer_id=e.offer["id"], search_id=e.originator_id,
            setting_id=e.offer["setting_id"], setting_type=e.offer["setting_type"],
            made_at=e.timestamp))

    @handles(HomeSearch.OfferAccepted)
    def accepted(self, c: sa.Connection, e: HomeSearch.OfferAccepted) -> None:
        self._set(c, e, accepted_offer_id=e.offer_id)

    @handles(HomeSearch.Placed)
    def placed(self, c: sa.Connection, e: HomeSearch.Placed) -> None:
        self._set(c, e, outcome="placed", outcome_at=e.timestamp)

    @handles(HomeSearch.ClosedUnfilled)
    def closed_unfilled(self, c: sa.Connection, e: HomeSearch.ClosedUnfilled) -> None:
        self._set(c, e, outcome="closed_unfilled", outcome_at=e.timestamp,
                  unfilled_reason=e.unfilled_reason)

    @handles(HomeSearch.Cancelled)
    def cancelled(self, c: sa.Connection, e: HomeSearch.Cancelled) -> None:
        self._set(c, e, outcome="cancelled", outcome_at=e.timestamp)
