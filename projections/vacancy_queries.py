"""Queries over the vacancy read models. Each takes the viewer first: tenancy is not optional."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import sqlalchemy as sa

from domain.errors import NotFound
from domain.permissions import OWN, check
from domain.vacancy import AVAILABLE, FILLED, HELD, OPEN_STATES
from projections.directory import organisations, partnership_members, settings
from projections.home_searches import home_searches
from projections.paging import Page
from projections.quality_queries import good_or_better, setting_urn, with_quality
from projections.vacancies import provider_vacancies, vacancy_board
from projections.vacancy_holders import vacancy_holders

SORTS = {
    "fee": "Weekly fee, lowest first",
    "-fee": "Weekly fee, highest first",
    "available": "Available soonest",
    "newest": "Newest first",
}
PAGE_SIZE = 20
NO_SUCH_VACANCY = "There is no such vacancy, or it is no longer available"
# The board's quality filter: the setting's latest Ofsted judgement.
QUALITY = {"good_or_better": "Good or better (outstanding or good)"}


@dataclass(frozen=True)
class VacancySearch:
    setting_type: str | None = None
    host_authority_id: UUID | None = None
    partnership: str | None = None
    age: int | None = None
    needs: tuple[str, ...] = ()
    max_weekly_fee: int | None = None
    available_by: date | None = None
    quality: str | None = None  # a key of QUALITY
    sort: str = "available"
    page: int = 1


def _with_names(table: sa.Table) -> sa.Select:
    """The vacancies with their setting's, provider's and host's names, and the setting's
    registration and latest Ofsted judgement (see :func:`with_quality`)."""
    provider = organisations.alias("provider")
    host = organisations.alias("host")
    return with_quality(
        sa.select(
            table,
            settings.c.name.label("setting_name"),
            settings.c.registered_places,
            provider.c.name.label("provider_name"),
            host.c.name.label("host_authority_name"),
        )
        .join(settings, settings.c.id == table.c.setting_id)
        .join(provider, provider.c.id == table.c.provider_id)
        .join(host, host.c.id == table.c.host_authority_id),
        settings, provider)


def _judged_good_or_better() -> sa.Select:
    """The settings whose latest Ofsted judgement is outstanding or good."""
    from projections.quality import ofsted_registrations as r

    provider = organisations.alias("judged_provider")
    return (sa.select(settings.c.id).join(provider, provider.c.id == settings.c.provider_id)
            .join(r, r.c.urn == setting_urn(settings, provider)).where(good_or_better()))


def _board_conditions(search: VacancySearch) -> list:
    t = vacancy_board
    conditions = [t.c.status == AVAILABLE]
    if search.setting_type:
        conditions.append(t.c.setting_type == search.setting_type)
    if search.host_authority_id:
        conditions.append(t.c.host_authority_id == search.host_authority_id)
    if search.partnership:
        conditions.append(t.c.host_authority_id.in_(
            sa.select(partnership_members.c.authority_id)
            .where(partnership_members.c.partnership == search.partnership)))
    if search.age is not None:
        conditions.extend([t.c.age_from <= search.age, t.c.age_to >= search.age])
    for need in search.needs:
        conditions.append(t.c.needs.contains(f"|{need}|", autoescape=True))
    if search.max_weekly_fee is not None:
        conditions.append(t.c.weekly_fee <= search.max_weekly_fee)
    if search.available_by is not None:
        conditions.append(t.c.available_from <= search.available_by)
    if search.quality == "good_or_better":
        conditions.append(t.c.setting_id.in_(_judged_good_or_better()))
    return conditions


def _board_order(search: VacancySearch) -> list:
    t = vacancy_board
    return {
        "fee": [t.c.weekly_fee, t.c.id],
        "-fee": [t.c.weekly_fee.desc(), t.c.id],
        "available": [t.c.available_from, t.c.weekly_fee, t.c.id],
        "newest": [t.c.published_at.desc(), t.c.id],
    }[search.sort if search.sort in SORTS else "available"]


def search_vacancies(viewer, connection: sa.Connection, search: VacancySearch,
                     page_size: int = PAGE_SIZE) -> Page:
    """The regional vacancy board: vacancies available now, filtered, sorted and paged."""
    check(viewer, "vacancies.search")
    conditions = _board_conditions(search)
    total = connection.execute(
        sa.select(sa.func.count()).select_from(vacancy_board).where(*conditions)).scalar_one()
    page = max(1, min(search.page, max(1, -(-total // page_size))))
    rows = connection.execute(
        _with_names(vacancy_board).where(*conditions).order_by(*_board_order(search))
        .limit(page_size).offset((page - 1) * page_size)
    ).mappings().all()
    return Page(rows=list(rows), total=total, number=page, size=page_size)


def board_rows(viewer, connection: sa.Connection, search: VacancySearch) -> list:
    """Every vacancy the board shows for ``search``, in its order, unpaged (the download)."""
    check(viewer, "vacancies.search")
    return list(connection.execute(
        _with_names(vacancy_board).where(*_board_conditions(search))
        .order_by(*_board_order(search))).mappings())


def vacancy_on_board(viewer, connection: sa.Connection, vacancy_id: UUID):
    """A vacancy's page on the board: available, or held for or filled by one of the viewer's
    own authority's home searches (``holder`` then says which, with the search's child
    reference, the authority's own; None for a vacancy available to all). Any other vacancy
    (another council's hold, withdrawn, unknown) answers exactly like a missing one."""
    check(viewer, "vacancies.search")
    row = connection.execute(
        _with_names(vacancy_board).where(vacancy_board.c.id == vacancy_id,
                                         vacancy_board.c.status == AVAILABLE)
    ).mappings().first()
    if row is not None:
        return {**row, "holder": None}
    holder = connection.execute(_holders_of(viewer).where(
        vacancy_holders.c.id == vacancy_id)).mappings().first()
    row = None if holder is None else connection.execute(_with_names(provider_vacancies).where(
        provider_vacancies.c.id == vacancy_id)).mappings().first()
    if row is None:
        raise NotFound(NO_SUCH_VACANCY)
    return {**row, "holder": dict(holder)}


def _holders_of(viewer) -> sa.Select:
    """The vacancies held for, or filled by, the viewer's authority's home searches, with each
    search's child reference (the authority's own records only)."""
    h = vacancy_holders
    return (sa.select(h, home_searches.c.child_ref,
                      home_searches.c.status.label("search_status"))
            .join(home_searches, home_searches.c.id == h.c.home_search_id)
            .where(h.c.authority_id == viewer.organisation_id,
                   home_searches.c.authority_id == viewer.organisation_id))


def vacancies_held_for(viewer, connection: sa.Connection) -> list:
    """The vacancies providers hold now for the viewer's authority's home searches, the most
    recently held first, with the search each is held for."""
    check(viewer, "home_searches.view")
    h = _holders_of(viewer).where(vacancy_holders.c.status == HELD).subquery()
    t = provider_vacancies
    return list(connection.execute(
        _with_names(t).add_columns(h.c.home_search_id, h.c.child_ref,
                                   h.c.changed_at.label("held_at"))
        .join_from(t, h, h.c.id == t.c.id)
        .order_by(h.c.changed_at.desc(), t.c.id)).mappings())


def vacancies_filled_for_child(viewer, connection: sa.Connection, child_ref: str) -> list:
    """The vacancies the viewer's authority filled by accepting an offer for this child's home
    searches (the placement's way back to the vacancy it filled)."""
    check(viewer, "placements.view")
    h = _holders_of(viewer).where(vacancy_holders.c.status == FILLED,
                                  home_searches.c.child_ref == child_ref).subquery()
    t = provider_vacancies
    return list(connection.execute(
        _with_names(t).add_columns(h.c.home_search_id, h.c.changed_at.label("filled_at"))
        .join_from(t, h, h.c.id == t.c.id)
        .order_by(h.c.changed_at, t.c.id)).mappings())


def _with_holder(query: sa.Select, t: sa.Table) -> sa.Select:
    """A provider's vacancies with the name of the council that holds or filled each for a
    home search sent through the portal (None otherwise): the authority only, no child."""
    holder = organisations.alias("holder")
    return (query.add_columns(holder.c.name.label("holder_authority_name"),
                              vacancy_holders.c.home_search_id.label("holder_search_id"))
            .outerjoin_from(t, vacancy_holders, vacancy_holders.c.id == t.c.id)
            .outerjoin_from(vacancy_holders, holder,
                            holder.c.id == vacancy_holders.c.authority_id))


def vacancy_available(connection: sa.Connection, vacancy_id: UUID) -> bool:
    """Whether a vacancy is on the board now (available). A board fact, not a record of
    anyone's: the board shows every available vacancy to those who may search it."""
    return connection.execute(sa.select(vacancy_board.c.id).where(
        vacancy_board.c.id == vacancy_id, vacancy_board.c.status == AVAILABLE)).first() \
        is not None


def own_vacancies(viewer, connection: sa.Connection, *, page: int = 1,
                  page_size: int = 25) -> tuple[list, Page]:
    """A provider's own vacancies: every open one, and the closed ones (filled, withdrawn,
    expired) a page at a time, most recently closed first. Always limited to the viewer's
    organisation."""
    check(viewer, "vacancies.view_own")
    t = provider_vacancies
    own = t.c.provider_id == viewer.organisation_id
    is_open = t.c.status.in_(sorted(OPEN_STATES))
    open_rows = connection.execute(_with_holder(_with_names(t), t).where(own, is_open)
                                   .order_by(t.c.available_from, t.c.id)).mappings().all()
    total = connection.execute(sa.select(sa.func.count()).select_from(t)
                               .where(own, ~is_open)).scalar_one()
    number = max(1, min(page, max(1, -(-total // page_size))))
    closed_rows = connection.execute(
        _with_holder(_with_names(t), t).where(own, ~is_open)
        .order_by(t.c.changed_at.desc(), t.c.id)
        .limit(page_size).offset((number - 1) * page_size)).mappings().all()
    return list(open_rows), Page(rows=list(closed_rows), total=total, number=number,
                                 size=page_size)


def own_vacancy(viewer, connection: sa.Connection, vacancy_id: UUID):
    """One of the viewer's own vacancies; another provider's answers exactly like a missing one."""
    scope = check(viewer, "vacancies.view_own")
    t = provider_vacancies
    query = _with_holder(_with_names(t), t).where(t.c.id == vacancy_id)
    if scope == OWN:
        query = query.where(t.c.provider_id == viewer.organisation_id)
    row = connection.execute(query).mappings().first()
    if row is None:
        raise NotFound("There is no such vacancy")
    return row


# --- in pages by id, for the integration API (a cursor is the last id of the page before) ----

def own_vacancies_after(viewer, connection: sa.Connection, *, after: UUID | None, limit: int,
                        status: str | None = None) -> list:
    """Up to ``limit + 1`` of the viewer's own vacancies in id order, after ``after``."""
    check(viewer, "vacancies.view_own")
    t = provider_vacancies
    query = _with_names(t).where(t.c.provider_id == viewer.organisation_id)
    if status is not None:
        query = query.where(t.c.status == status)
    if after is not None:
        query = query.where(t.c.id > after)
    return list(connection.execute(query.order_by(t.c.id).limit(limit + 1)).mappings())


def board_after(viewer, connection: sa.Connection, search: VacancySearch, *,
                after: UUID | None, limit: int) -> list:
    """Up to ``limit + 1`` vacancies available on the regional board in id order, after
    ``after``, filtered as ``search`` says (its sort and page are not used)."""
    check(viewer, "vacancies.search")
    t = vacancy_board
    conditions = [t.c.status == AVAILABLE]
    if search.setting_type:
        conditions.append(t.c.setting_type == search.setting_type)
    if search.host_authority_id:
        conditions.append(t.c.host_authority_id == search.host_authority_id)
    if search.age is not None:
        conditions.extend([t.c.age_from <= search.age, t.c.age_to >= search.age])
    for need in search.needs:
        conditions.append(t.c.needs.contains(f"|{need}|", autoescape=True))
    if search.max_weekly_fee is not None:
        conditions.append(t.c.weekly_fee <= search.max_weekly_fee)
    if after is not None:
        conditions.append(t.c.id > after)
    return list(connection.execute(_with_names(t).where(*conditions).order_by(t.c.id)
                                   .limit(limit + 1)).mappings())
