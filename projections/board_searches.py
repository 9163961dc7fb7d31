"""Officers' saved searches of the vacancy board, and the notices a newly published vacancy
that matches one raises for its owner.

The projection is self-contained, so a rebuild writes exactly the rows the incremental run
wrote: it keeps its own copy of which partnerships each authority belongs to (from the
authorities' events) rather than reading the directory's tables, which another projection
fills at its own pace; and likewise which Ofsted registration each setting's judgement is
read from and each registration's latest judgement (for the quality filter). Each notice's id
is derived from the saved search and the vacancy, so a replay never raises one twice. A
deleted saved search raises no more notices; those it raised stay, with the name it had (its
owner read them, or may yet).

The notices are read in the portal with the other notices (``projections/notices.py``) and
mailed once to their owner by the notices dispatcher (``portal/services/notices.py``), through
the same ``notice_reads`` and ``notice_mail`` ledgers.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

import sqlalchemy as sa

from domain.board_search import BoardSearch, matches
from domain.ofsted import OfstedRegistration, registration_id
from domain.organisation import Authority, Provider
from domain.permissions import check
from domain.vacancy import Vacancy
from projections.base import Projection, handles
from projections.database import metadata
from projections.home_searches import as_list, as_text

board_searches = sa.Table(
    "board_searches",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("setting_type", sa.String(40)),
    sa.Column("host_authority_id", sa.Uuid),
    sa.Column("partnership", sa.String(100)),
    sa.Column("age", sa.Integer),
    sa.Column("needs", sa.String(400), nullable=False),  # |a|b|
    sa.Column("max_weekly_fee", sa.Integer),
    sa.Column("available_by", sa.Date),
    sa.Column("quality", sa.String(20)),
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
)
board_search_partnerships = sa.Table(
    "board_search_partnerships",
    metadata,
    sa.Column("authority_id", sa.Uuid, primary_key=True),
    sa.Column("partnership", sa.String(100), primary_key=True),
)
# For the quality filter: the Ofsted registration each setting's judgement is read from (its
# own URN's, else its provider's: a fostering agency registers once) and each registration's
# latest judgement.
board_search_providers = sa.Table(
    "board_search_providers",
    metadata,
    sa.Column("provider_id", sa.Uuid, primary_key=True),
    sa.Column("registration_id", sa.Uuid),
)
board_search_settings = sa.Table(
    "board_search_settings",
    metadata,
    sa.Column("setting_id", sa.Uuid, primary_key=True),
    sa.Column("registration_id", sa.Uuid),
)
board_search_judgements = sa.Table(
    "board_search_judgements",
    metadata,
    sa.Column("registration_id", sa.Uuid, primary_key=True),
    sa.Column("inspection_date", sa.Date, nullable=False),
    sa.Column("judgement", sa.String(24)),
)
board_notices = sa.Table(
    "board_search_notices",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("board_search_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("search_name", sa.String(100), nullable=False),
    sa.Column("vacancy_id", sa.Uuid, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
FILTER_COLUMNS = ("setting_type", "host_authority_id", "partnership", "age", "max_weekly_fee",
                  "available_by", "quality")


def board_notice_id(board_search_id: UUID, vacancy_id: UUID) -> UUID:
    return uuid5(board_search_id, f"vacancy:{vacancy_id}")


def filters_of(row: Any) -> dict[str, Any]:
    return {**{k: row[k] for k in FILTER_COLUMNS}, "needs": as_list(row["needs"])}


class BoardSearches(Projection):
    """Each batch starts from the saved searches and partnership members as stored (read
    once, in :meth:`begin_batch`), so a vacancy published costs no query unless it matches:
    at national scale most batches are vacancy events."""

    name = "board_searches"
    tables = (board_searches, board_search_partnerships, board_search_providers,
              board_search_settings, board_search_judgements, board_notices)

    def __init__(self) -> None:
        self._searches: dict[UUID, dict[str, Any]] = {}
        self._members: dict[UUID, set[str]] = {}

    def begin_batch(self, connection: sa.Connection) -> None:
        self._searches = {row["id"]: {**row, "filters": filters_of(row)} for row in
                          connection.execute(sa.select(board_searches)).mappings()}
        self._members = {}
        for row in connection.execute(sa.select(board_search_partnerships)):
            self._members.setdefault(row.authority_id, set()).add(row.partnership)

    @handles(BoardSearch.Saved)
    def saved(self, c: sa.Connection, e: BoardSearch.Saved) -> None:
        row = dict(
            id=e.originator_id, account_id=e.account_id, authority_id=e.authority_id,
            name=e.name, setting_type=e.setting_type, host_authority_id=e.host_authority_id,
            partnership=e.partnership, age=e.age, needs=as_text(e.needs),
            max_weekly_fee=e.max_weekly_fee, available_by=e.available_by,
            quality=getattr(e, "quality", None), saved_at=e.timestamp)
        c.execute(board_searches.insert().values(**row))
        self._searches[e.originator_id] = {**row, "filters": filters_of(row)}

    @handles(BoardSearch.Deleted)
    def deleted(self, c: sa.Connection, e: BoardSearch.Deleted) -> None:
        c.execute(board_searches.delete().where(board_searches.c.id == e.originator_id))
        self._searches.pop(e.originator_id, None)

    @handles(Authority.Registered)
    def authority_registered(self, c: sa.Connection, e: Authority.Registered) -> None:
        self._partnerships(c, e.originator_id, e.partnerships)

    @handles(Authority.DetailsUpdated)
    def authority_updated(self, c: sa.Connection, e: Authority.DetailsUpdated) -> None:
        if "partnerships" in e.changes:
            self._partnerships(c, e.originator_id, e.changes["partnerships"])

    def _partnerships(self, c: sa.Connection, authority_id: UUID,
                      partnerships: list[str]) -> None:
        t = board_search_partnerships
        c.execute(t.delete().where(t.c.authority_id == authority_id))
        if partnerships:
            c.execute(t.insert(), [{"authority_id": authority_id, "partnership": p}
                                   for p in sorted(set(partnerships))])
        self._members[authority_id] = set(partnerships)

    @handles(Provider.Registered)
    def provider_registered(self, c: sa.Connection, e: Provider.Registered) -> None:
        c.execute(board_search_providers.insert().values(
            provider_id=e.originator_id, registration_id=_registration(e.ofsted_urn)))

    @handles(Provider.SettingAdded)
    def setting_added(self, c: sa.Connection, e: Provider.SettingAdded) -> None:
        registration = _registration(e.ofsted_urn) or c.execute(
            sa.select(board_search_providers.c.registration_id).where(
                board_search_providers.c.provider_id == e.originator_id)).scalar()
        c.execute(board_search_settings.insert().values(setting_id=e.setting_id,
                                                        registration_id=registration))

    @handles(OfstedRegistration.InspectionRecorded)
    def inspected(self, c: sa.Connection, e: OfstedRegistration.InspectionRecorded) -> None:
        """The latest inspection stands (one of the same date corrects it)."""
        t = board_search_judgements
        held = c.execute(sa.select(t.c.inspection_date).where(
            t.c.registration_id == e.originator_id)).scalar()
        if held is None:
            c.execute(t.insert().values(registration_id=e.originator_id,
                                        inspection_date=e.inspection_date,
                                        judgement=e.judgement))
        elif e.inspection_date >= held:
            c.execute(t.update().where(t.c.registration_id == e.originator_id).values(
                inspection_date=e.inspection_date, judgement=e.judgement))

    def _judgement(self, c: sa.Connection, setting_id: UUID) -> str | None:
        s, j = board_search_settings, board_search_judgements
        return c.execute(sa.select(j.c.judgement).join(
            s, s.c.registration_id == j.c.registration_id)
            .where(s.c.setting_id == setting_id)).scalar()

    @handles(Vacancy.Published)
    def published(self, c: sa.Connection, e: Vacancy.Published) -> None:
        """A new vacancy: a notice to the owner of every saved search it matches."""
        if not self._searches:
            return
        members = self._members.get(e.host_authority_id, set())
        judgement = (self._judgement(c, e.setting_id)
                     if any(s["quality"] for s in self._searches.values()) else None)
        rows = [{"id": board_notice_id(s["id"], e.originator_id), "board_search_id": s["id"],
                 "account_id": s["account_id"], "search_name": s["name"],
                 "vacancy_id": e.originator_id, "created_at": e.timestamp}
                for s in sorted(self._searches.values(), key=lambda s: str(s["id"]))
                if matches(s["filters"], setting_type=e.setting_type,
                           host_authority_id=e.host_authority_id, host_partnerships=members,
                           age_from=e.age_from, age_to=e.age_to, needs_met=e.needs_met,
                           weekly_fee=e.weekly_fee, available_from=e.available_from,
                           judgement=judgement)]
        if rows:
            c.execute(board_notices.insert(), rows)


def _registration(urn: str | None) -> UUID | None:
    return registration_id(urn) if urn else None


# --- queries: the viewer's own saved searches only -------------------------------------------

def board_searches_for(viewer, connection: sa.Connection) -> list[dict[str, Any]]:
    """The viewer's own saved searches, by name, each with how many vacancies matched it."""
    check(viewer, "board_searches.manage")
    counts = dict(connection.execute(
        sa.select(board_notices.c.board_search_id, sa.func.count())
        .where(board_notices.c.account_id == viewer.user_id)
        .group_by(board_notices.c.board_search_id)).all())
    rows = connection.execute(sa.select(board_searches).where(
        board_searches.c.account_id == viewer.user_id)
        .order_by(board_searches.c.name, board_searches.c.id)).mappings()
    return [{**row, "needs": as_list(row["needs"]), "matched": counts.get(row["id"], 0)}
            for row in rows]
