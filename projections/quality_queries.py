"""Queries over the quality read models: a setting's registration and latest judgement, its
inspection history, and what the register importer compares a file with."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import sqlalchemy as sa

from domain.ofsted import DETAILS, GOOD_OR_BETTER, Inspection, RegisterEntry
from domain.permissions import check
from domain.vacancy import OPEN_STATES
from projections.directory import organisations, settings
from projections.quality import ofsted_inspections, ofsted_registrations
from projections.vacancies import provider_vacancies

QUALITY_COLUMNS = ("registration_status", "judgement", "inspection_date", "publication_date")


def setting_urn(setting_table: sa.Table | sa.Alias = settings,
                provider_table: sa.Table | sa.Alias = organisations) -> sa.ColumnElement:
    """The URN a setting's quality is read from: its own, else its provider's (a fostering
    agency registers once, for all its offices)."""
    return sa.func.coalesce(setting_table.c.ofsted_urn, provider_table.c.ofsted_urn)


def with_quality(query: sa.Select, setting_table, provider_table) -> sa.Select:
    """``query`` (which joins a setting and its provider) with the setting's registration
    status, latest judgement and inspection and publication dates (None when not held)."""
    r = ofsted_registrations
    return query.add_columns(*(r.c[name].label(f"ofsted_{name}") for name in QUALITY_COLUMNS)
                             ).outerjoin(r, r.c.urn == setting_urn(setting_table,
                                                                   provider_table))


def providers_quality(viewer, connection: sa.Connection,
                      provider_ids: Iterable[UUID]) -> dict[UUID, list[dict]]:
    """Each provider's settings with their registration and latest overall judgement and
    inspection date, by provider (a provider with no settings: an empty list), for a council
    weighing its tender responses and bids."""
    check(viewer, "directory.view")
    ids = sorted(set(provider_ids))
    found: dict[UUID, list[dict]] = {i: [] for i in ids}
    if not ids:
        return found
    p = organisations.alias("provider")
    rows = connection.execute(
        with_quality(sa.select(settings.c.provider_id, settings.c.name, settings.c.setting_type)
                     .join(p, p.c.id == settings.c.provider_id), settings, p)
        .where(settings.c.provider_id.in_(ids))
        .order_by(settings.c.provider_id, settings.c.name)).mappings()
    for row in rows:
        found[row["provider_id"]].append(dict(row))
    return found


def good_or_better(column: sa.ColumnElement | None = None) -> sa.ColumnElement[bool]:
    return (column if column is not None else ofsted_registrations.c.judgement).in_(
        sorted(GOOD_OR_BETTER))


def setting_quality(viewer, connection: sa.Connection, setting_id: UUID):
    """The registration and latest judgement of one setting of the directory (None when the
    register holds none for it), with every inspection, latest first."""
    check(viewer, "directory.view")
    s, p = settings, organisations.alias("provider")
    row = connection.execute(
        sa.select(ofsted_registrations).select_from(s)
        .join(p, p.c.id == s.c.provider_id)
        .join(ofsted_registrations, ofsted_registrations.c.urn == setting_urn(s, p))
        .where(s.c.id == setting_id)).mappings().first()
    if row is None:
        return None
    history = connection.execute(
        sa.select(ofsted_inspections).where(ofsted_inspections.c.urn == row["urn"])
        .order_by(ofsted_inspections.c.inspection_date.desc())).mappings().all()
    return dict(row, history=list(history))


def register_summary(viewer, connection: sa.Connection) -> dict:
    """For the administrators' import page: registrations held by latest judgement, and the
    directory's settings the register holds nothing for."""
    check(viewer, "organisations.manage")
    r = ofsted_registrations
    by_judgement = {judgement or "none": count for judgement, count in connection.execute(
        sa.select(r.c.judgement, sa.func.count()).group_by(r.c.judgement))}
    p = organisations.alias("provider")
    unmatched = connection.execute(
        sa.select(sa.func.count()).select_from(settings)
        .join(p, p.c.id == settings.c.provider_id)
        .outerjoin(r, r.c.urn == setting_urn(settings, p))
        .where(r.c.urn.is_(None))).scalar_one()
    return {"registrations": sum(by_judgement.values()), "by_judgement": by_judgement,
            "settings_without": unmatched,
            "last_changed": connection.execute(sa.select(sa.func.max(r.c.changed_at))
                                               ).scalar_one()}


def setting_judgements(connection: sa.Connection, setting_ids: Iterable[UUID]
                       ) -> dict[UUID, tuple[str, date]]:
    """The latest Ofsted judgement of each setting that has one, with its inspection date
    (public data from Ofsted's register: for the matching's score)."""
    wanted = sorted(set(setting_ids), key=str)
    p, r = organisations.alias("provider"), ofsted_registrations
    found: dict[UUID, tuple[str, date]] = {}
    for start in range(0, len(wanted), 500):
        found.update({row.id: (row.judgement, row.inspection_date) for row in connection.execute(
            sa.select(settings.c.id, r.c.judgement, r.c.inspection_date)
            .join(p, p.c.id == settings.c.provider_id)
            .join(r, r.c.urn == setting_urn(settings, p))
            .where(settings.c.id.in_(wanted[start:start + 500]),
                   r.c.judgement.is_not(None)))})
    return found


# --- for the register importer (the whole register is public data: no viewer) ---------------

def directory_urns(connection: sa.Connection) -> dict[str, list[UUID]]:
    """Each URN the directory's settings carry (their own or their provider's), with the
    settings that carry it."""
    p = organisations.alias("provider")
    found: dict[str, list[UUID]] = {}
    for urn, setting in connection.execute(
            sa.select(setting_urn(settings, p), settings.c.id)
            .join(p, p.c.id == settings.c.provider_id)
            .where(setting_urn(settings, p).is_not(None))):
        found.setdefault(urn, []).append(setting)
    return found


def held_entries(connection: sa.Connection, urns: Iterable[str]) -> dict[str, HeldEntry]:
    """What the portal holds for each URN: its registration, details and every inspection."""
    wanted = sorted(set(urns))
    held: dict[str, RegisterEntry] = {}
    inspections: dict[str, set[Inspection]] = {}
    r, i = ofsted_registrations, ofsted_inspections
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for row in connection.execute(sa.select(i).where(i.c.urn.in_(chunk))).mappings():
            inspections.setdefault(row["urn"], set()).add(Inspection(
                row["inspection_date"], row["publication_date"], row["judgement"]))
        for row in connection.execute(sa.select(r).where(r.c.urn.in_(chunk))).mappings():
            if row["registration_status"] is None:
                continue
            held[row["urn"]] = HeldEntry(
                registration_status=row["registration_status"],
                registration_date=row["registration_date"], places=row["places"],
                details={k: row[k] for k in DETAILS},
                inspections=frozenset(inspections.get(row["urn"], ())))
    return held


@dataclass(frozen=True)
class HeldEntry:
    """What the portal holds for one URN: a register row is unchanged when it says the same
    and its inspection is one of those held."""

    registration_status: str
    registration_date: date | None
    places: int | None
    details: dict[str, str | None]
    inspections: frozenset[Inspection]

    def unchanged_by(self, entry: RegisterEntry) -> bool:
        return ((entry.registration_status, entry.registration_date, entry.places,
                 entry.details) == (self.registration_status, self.registration_date,
                                    self.places, self.details)
                and (entry.inspection is None or entry.inspection in self.inspections))


def organisation_names(connection: sa.Connection) -> dict[str, dict[str, UUID]]:
    """Providers' and authorities' ids by their names (case-folded), so a URN of the register
    that no setting carries can be offered to the provider it names as its owner."""
    found: dict[str, dict[str, UUID]] = {"provider": {}, "authority": {}}
    for kind, name, organisation in connection.execute(
            sa.select(organisations.c.kind, organisations.c.name, organisations.c.id)
            .where(organisations.c.kind.in_(("provider", "authority")))):
        found[kind][name.casefold()] = organisation
    return found


def open_vacancies(connection: sa.Connection, setting_ids: dict[str, list[UUID]]
                   ) -> dict[str, list[UUID]]:
    """The open vacancies (available or on hold) of the settings carrying each URN."""
    by_setting = {s: urn for urn, ids in setting_ids.items() for s in ids}
    found: dict[str, list[UUID]] = {}
    wanted = sorted(by_setting, key=str)
    t = provider_vacancies
    for start in range(0, len(wanted), 500):
        for vacancy, setting in connection.execute(
                sa.select(t.c.id, t.c.setting_id)
                .where(t.c.setting_id.in_(wanted[start:start + 500]),
                       t.c.status.in_(sorted(OPEN_STATES))).order_by(t.c.id)):
            found.setdefault(by_setting[setting], []).append(vacancy)
    return found
