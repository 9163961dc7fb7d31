"""Which council holds a vacancy for one of its home searches, or filled it by accepting an
offer: that council may still read the vacancy once it has left the board (and the provider
may see the council's name). A row only while the place is held for, or filled by, a home search
sent through the portal; a hold the provider named by reference only, or a place the provider
marked filled itself, belongs to no council.

Its own table (not columns of the vacancy tables), so a portal that already holds those tables
builds it from the log on its next start like any new projection."""

from __future__ import annotations

import sqlalchemy as sa

from domain.vacancy import FILLED, HELD, Vacancy
from projections.base import BufferedRows, Projection, handles
from projections.database import metadata

vacancy_holders = sa.Table(
    "vacancy_holders",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),  # the vacancy's
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("home_search_id", sa.Uuid, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # held or filled
    sa.Column("placement_ref", sa.String(100)),  # the child's placement, once filled
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_vacancy_holders_authority", "authority_id", "status"),
)


class VacancyHolders(Projection):
    name = "vacancy_holders"
    tables = (vacancy_holders,)

    def __init__(self) -> None:
        self.rows = BufferedRows(vacancy_holders)

    def prepare(self, connection: sa.Connection, notifications) -> None:
        self.rows.load(connection, [n.originator_id for n in notifications
                                    if n.topic in self._handlers])

    def end_batch(self, connection: sa.Connection) -> None:
        self.rows.flush(connection)

    def _hold(self, e, status: str, placement_ref: str | None = None) -> None:
        if e.authority_id is None:
            self.rows.delete(e.originator_id)
        else:
            self.rows.put(dict(id=e.originator_id, authority_id=e.authority_id,
                               home_search_id=e.home_search_id, status=status,
                               placement_ref=placement_ref, changed_at=e.timestamp))

    @handles(Vacancy.Held)
    def held(self, c: sa.Connection, e: Vacancy.Held) -> None:
        self._hold(e, HELD)

    @handles(Vacancy.Filled)
    def filled(self, c: sa.Connection, e: Vacancy.Filled) -> None:
        self._hold(e, FILLED, e.placement_ref)

    @handles(Vacancy.Released, Vacancy.Withdrawn)
    def let_go(self, c: sa.Connection, e) -> None:
        self.rows.delete(e.originator_id)
