"""Vacancy read models: the regional vacancy board and each provider's own vacancies."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.vacancy import AVAILABLE, EXPIRED, FILLED, HELD, WITHDRAWN, Vacancy
from projections.base import BufferedRows, Projection, handles
from projections.database import metadata


def needs_text(needs: list[str]) -> str:
    """Needs as ``|a|b|`` so that a filter for one need is a plain LIKE '%|a|%'."""
    return "|" + "|".join(sorted(needs)) + "|" if needs else ""


def _terms(e) -> dict:
    return dict(
        provider_id=e.provider_id, setting_id=e.setting_id, setting_type=e.setting_type,
        host_authority_id=e.host_authority_id, postcode_district=e.postcode_district,
        age_from=e.age_from, age_to=e.age_to, needs=needs_text(e.needs_met),
        weekly_fee=e.weekly_fee, available_from=e.available_from, expires_on=e.expires_on,
        description=e.description, places=e.places,
    )


def _changes(e: Vacancy.Updated) -> dict:
    changes = dict(e.changes)
    if "needs_met" in changes:
        changes["needs"] = needs_text(changes.pop("needs_met"))
    return changes


def _vacancy_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("provider_id", sa.Uuid, nullable=False, index=True),
        sa.Column("setting_id", sa.Uuid, nullable=False),
        sa.Column("setting_type", sa.String(40), nullable=False),
        sa.Column("host_authority_id", sa.Uuid, nullable=False),
        sa.Column("postcode_district", sa.String(4), nullable=False),
        sa.Column("age_from", sa.Integer, nullable=False),
        sa.Column("age_to", sa.Integer, nullable=False),
        sa.Column("needs", sa.String(400), nullable=False),
        sa.Column("weekly_fee", sa.Integer, nullable=False),
        sa.Column("places", sa.Integer, nullable=False),
        sa.Column("available_from", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    ]


# Vacancies that may still be offered: available or on hold. Terminal ones leave the board.
vacancy_board = sa.Table(
    "vacancy_board", metadata, *_vacancy_columns(),
    sa.Index("ix_vacancy_board_search", "status", "setting_type", "weekly_fee"),
    # The board's default order (available soonest): read in index order, no sort.
    sa.Index("ix_vacancy_board_available", "status", "available_from", "weekly_fee", "id"),
    # The board's other orders (fee either way, newest first): without these a page of 20 sorted
    # every vacancy on the board, about 130 ms at 20,000 (under 3 ms with them).
    sa.Index("ix_vacancy_board_fee", "status", "weekly_fee", "id"),
    sa.Index("ix_vacancy_board_newest", "status", "published_at", "id"),
)

# Every vacancy a provider ever published, with its present status and last reason.
provider_vacancies = sa.Table(
    "provider_vacancies", metadata, *_vacancy_columns(),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("held_for", sa.String(100)),
    sa.Column("last_reason", sa.Text),
)

_CLOSED_STATUS = {Vacancy.Filled: FILLED, Vacancy.Withdrawn: WITHDRAWN, Vacancy.Expired: EXPIRED}


class _VacancyProjection(Projection):
    """Both vacancy projections work on a batch's rows in memory (see BufferedRows)."""

    table: sa.Table

    def __init__(self) -> None:
        self.rows = BufferedRows(self.table)

    def prepare(self, connection: sa.Connection, notifications) -> None:
        # A vacancy published in this batch has no row yet: nothing to read.
        self.rows.absent(n.originator_id for n in notifications if n.originator_version == 1)
        self.rows.load(connection, [n.originator_id for n in notifications
                                    if n.topic in self._handlers])

    def end_batch(self, connection: sa.Connection) -> None:
        self.rows.flush(connection)

    def _set(self, e: Any, **values: Any) -> None:
        if self.rows.get(e.originator_id) is not None:
            self.rows.update(e.originator_id, changed_at=e.timestamp, **values)


class VacancyBoard(_VacancyProjection):
    name = "vacancy_board"
    table = vacancy_board
    tables = (vacancy_board,)
    deferred_indexes = tuple(index.name for index in vacancy_board.indexes)  # by id only

    @handles(Vacancy.Published)
    def published(self, c: sa.Connection, e: Vacancy.Published) -> None:
        self.rows.put(dict(id=e.originator_id, status=AVAILABLE, published_at=e.timestamp,
                           changed_at=e.timestamp, **_terms(e)))

    @handles(Vacancy.Updated)
    def updated(self, c: sa.Connection, e: Vacancy.Updated) -> None:
        self._set(e, **_changes(e))

    @handles(Vacancy.Held)
    def held(self, c: sa.Connection, e: Vacancy.Held) -> None:
        self._set(e, status=HELD)

    @handles(Vacancy.Released)
    def released(self, c: sa.Connection, e: Vacancy.Released) -> None:
        self._set(e, status=AVAILABLE)

    @handles(Vacancy.Filled, Vacancy.Withdrawn, Vacancy.Expired)
    def closed(self, c: sa.Connection, e) -> None:
        self.rows.delete(e.originator_id)


class ProviderVacancies(_VacancyProjection):
    name = "provider_vacancies"
    table = provider_vacancies
    tables = (provider_vacancies,)
    deferred_indexes = tuple(index.name for index in provider_vacancies.indexes)

    @handles(Vacancy.Published)
    def published(self, c: sa.Connection, e: Vacancy.Published) -> None:
        self.rows.put(dict(id=e.originator_id, status=AVAILABLE, published_at=e.timestamp,
                           changed_at=e.timestamp, version=e.originator_version,
                           held_for=None, last_reason=e.reason, **_terms(e)))

    def _set(self, e: Any, **values: Any) -> None:
        super()._set(e, version=e.originator_version, last_reason=e.reason, **values)

    @handles(Vacancy.Updated)
    def updated(self, c: sa.Connection, e: Vacancy.Updated) -> None:
        self._set(e, **_changes(e))

    @handles(Vacancy.Held)
    def held(self, c: sa.Connection, e: Vacancy.Held) -> None:
        self._set(e, status=HELD, held_for=e.home_search_ref)

    @handles(Vacancy.Released)
    def released(self, c: sa.Connection, e: Vacancy.Released) -> None:
        self._set(e, status=AVAILABLE, held_for=None)

    @handles(Vacancy.Filled, Vacancy.Withdrawn, Vacancy.Expired)
    def closed(self, c: sa.Connection, e) -> None:
        self._set(e, status=_CLOSED_STATUS[type(e)], held_for=None)
