"""Queries over the organisation directory."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from domain.errors import NotFound
from domain.permissions import check
from projections.directory import accounts, organisations, partnership_members, settings
from projections.quality_queries import with_quality


def authorities(viewer, connection: sa.Connection) -> list:
    check(viewer, "directory.view")
    rows = connection.execute(
        sa.select(organisations).where(organisations.c.kind == "authority")
        .order_by(organisations.c.name)).mappings().all()
    members = connection.execute(sa.select(partnership_members)).all()
    partnerships: dict[UUID, list[str]] = {}
    for partnership, authority_id in members:
        partnerships.setdefault(authority_id, []).append(partnership)
    return [dict(row, partnerships=sorted(partnerships.get(row["id"], []))) for row in rows]


def partnerships(viewer, connection: sa.Connection) -> list[str]:
    check(viewer, "directory.view")
    return list(connection.execute(
        sa.select(partnership_members.c.partnership).distinct()
        .order_by(partnership_members.c.partnership)).scalars())


def providers(viewer, connection: sa.Connection) -> list:
    check(viewer, "directory.view")
    counts = (
        sa.select(settings.c.provider_id, sa.func.count().label("setting_count"),
                  sa.func.sum(settings.c.registered_places).label("places"))
        .group_by(settings.c.provider_id).subquery()
    )
    return list(connection.execute(
        sa.select(organisations, sa.func.coalesce(counts.c.setting_count, 0).label("settings"),
                  sa.func.coalesce(counts.c.places, 0).label("places"))
        .outerjoin(counts, counts.c.provider_id == organisations.c.id)
        .where(organisations.c.kind == "provider")
        .order_by(organisations.c.name)).mappings().all())


def organisation(viewer, connection: sa.Connection, organisation_id: UUID):
    check(viewer, "directory.view")
    row = connection.execute(sa.select(organisations)
                             .where(organisations.c.id == organisation_id)).mappings().first()
    if row is None:
        raise NotFound("There is no such organisation")
    return row


def provider_settings(viewer, connection: sa.Connection, provider_id: UUID) -> list:
    """A provider's settings, each with its registration and latest Ofsted judgement."""
    check(viewer, "directory.view")
    host = organisations.alias("host")
    provider = organisations.alias("provider")
    return list(connection.execute(
        with_quality(sa.select(settings, host.c.name.label("host_authority_name"))
                     .join(host, host.c.id == settings.c.host_authority_id)
                     .join(provider, provider.c.id == settings.c.provider_id),
                     settings, provider)
        .where(settings.c.provider_id == provider_id)
        .order_by(settings.c.name)).mappings().all())


def account_by_email(connection: sa.Connection, email: str):
    """Sign-in's own lookup: not a viewer's query, since nobody is signed in yet."""
    return connection.execute(sa.select(accounts).where(accounts.c.email == email)
                              ).mappings().first()


# Built once: every signed-in request loads its account.
_ACCOUNT_BY_ID = sa.select(accounts).where(accounts.c.id == sa.bindparam("account_id"))


def account_by_id(connection: sa.Connection, account_id: UUID):
    return connection.execute(_ACCOUNT_BY_ID, {"account_id": account_id}).mappings().first()


def organisation_accounts(viewer, connection: sa.Connection, organisation_id: UUID) -> list:
    check(viewer, "accounts.manage")
    return list(connection.execute(
        sa.select(accounts).where(accounts.c.organisation_id == organisation_id)
        .order_by(accounts.c.email)).mappings().all())
