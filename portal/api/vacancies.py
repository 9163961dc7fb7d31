"""Vacancies through the API: a provider's system publishes, updates and withdraws its own
vacancies and lists them; a council's system searches the regional board."""

from __future__ import annotations

from uuid import UUID

from flask import g, url_for

from portal.api.access import (
    api_requires,
    decode_cursor,
    etag,
    expected_version,
    idempotent,
    json_body,
    page_of,
    query,
)
from portal.api.blueprint import bp, respond
from portal.api.problems import ApiProblem
from portal.api.read_back import read_written
from portal.api.schemas import (
    BoardPage,
    BoardQuery,
    OwnVacanciesQuery,
    OwnVacancyOut,
    Reason,
    SettingList,
    VacancyChanges,
    VacancyIn,
    VacancyPage,
)
from portal.api.spec import links_to, operation
from portal.form_keys import created_once
from portal.security import services
from projections.directory_queries import provider_settings
from projections.vacancy_queries import (
    VacancySearch,
    board_after,
    own_vacancies_after,
    own_vacancy,
)

ONE = {200: ("The vacancy", OwnVacancyOut)}
TAGGED = {"ETag": "The vacancy's version, for If-Match"}
# After a vacancy is read or changed: read it again, change it or withdraw it (with its ETag).
LINKS = links_to("vacancy_id", "$response.body#/id", "vacancy",
                 versioned=("update_vacancy", "withdraw_vacancy"))


def _after(cursor: str | None) -> UUID | None:
    after = decode_cursor(cursor)
    try:
        return None if after is None else UUID(after)
    except ValueError:
        raise ApiProblem("bad-cursor", errors=[
            {"field": "cursor", "message": "Not a cursor this API gave"}]) from None


def _own(vacancy_id: UUID):
    """One of the client's organisation's vacancies (404 for another's, as for a missing one)."""
    with services().engine.connect() as c:
        return own_vacancy(g.principal, c, vacancy_id)


def _answer(vacancy_id: UUID, position: int | None = None, status: int = 200):
    address = url_for("api.vacancy", vacancy_id=vacancy_id)
    row = read_written(position, lambda: _own(vacancy_id), what=f"vacancy {vacancy_id}",
                       location=address)
    headers = {"ETag": etag(row["version"])}
    if status == 201:
        headers["Location"] = address
    return respond(OwnVacancyOut(), row, status, headers)


@bp.get("/vacancies")
@api_requires("vacancies.view_own")
@operation(summary="List your organisation's vacancies (every status), in pages",
           query=OwnVacanciesQuery, responses={200: ("A page of vacancies", VacancyPage)})
def vacancies():
    args = query(OwnVacanciesQuery())
    with services().engine.connect() as c:
        rows = own_vacancies_after(g.principal, c, after=_after(args["cursor"]),
                                   limit=args["limit"], status=args["status"])
    return respond(VacancyPage(), page_of(rows, args["limit"], lambda row: str(row["id"])))


@bp.post("/vacancies")
@api_requires("vacancies.manage")
@operation(summary="Publish a vacancy at one of your settings", body=VacancyIn,
           idempotent=True, stored_unreadable=True,
           responses={201: ("The vacancy, published", OwnVacancyOut)},
           headers={**TAGGED, "Location": "The vacancy's address"}, links=LINKS)
@idempotent
def publish_vacancy():
    data = json_body(VacancyIn())
    data.pop("reason", None)
    vacancy_id, position = created_once(lambda vacancy_id: services().portal.publish_vacancy(
        g.principal.actor, provider_id=g.principal.organisation_id, vacancy_id=vacancy_id,
        **data))
    return _answer(vacancy_id, position, 201)


@bp.get("/vacancies/<uuid:vacancy_id>")
@api_requires("vacancies.view_own")
@operation(summary="One of your vacancies", responses=ONE, headers=TAGGED, links=LINKS)
def vacancy(vacancy_id: UUID):
    return _answer(vacancy_id)


@bp.patch("/vacancies/<uuid:vacancy_id>")
@api_requires("vacancies.manage")
@operation(summary="Change a vacancy's terms (those sent; the rest are kept)",
           body=VacancyChanges, if_match="required", responses=ONE, headers=TAGGED, links=LINKS)
def update_vacancy(vacancy_id: UUID):
    _own(vacancy_id)
    version = expected_version()
    data = json_body(VacancyChanges(), partial=True)
    reason = data.pop("reason", None)
    position = services().portal.update_vacancy(g.principal.actor, vacancy_id, reason=reason,
                                                expected_version=version, **data)
    return _answer(vacancy_id, position)


@bp.post("/vacancies/<uuid:vacancy_id>/withdraw")
@api_requires("vacancies.manage")
@operation(summary="Withdraw a vacancy", body=Reason, if_match="optional", idempotent=True,
           responses=ONE, headers=TAGGED)
@idempotent
def withdraw_vacancy(vacancy_id: UUID):
    _own(vacancy_id)
    version = expected_version()
    data = json_body(Reason())
    position = services().portal.withdraw_vacancy(g.principal.actor, vacancy_id,
                                                  reason=data["reason"],
                                                  expected_version=version)
    return _answer(vacancy_id, position)


@bp.get("/settings")
@api_requires("vacancies.view_own")
@operation(summary="Your organisation's settings (where its vacancies can be)",
           responses={200: ("Every setting of your organisation", SettingList)})
def settings():
    with services().engine.connect() as c:
        rows = provider_settings(g.principal, c, g.principal.organisation_id)
    return respond(SettingList(), {"items": rows})


@bp.get("/vacancy-board")
@api_requires("vacancies.search")
@operation(summary="Search the regional board of available vacancies, in pages",
           query=BoardQuery, responses={200: ("A page of available vacancies", BoardPage)},
           tag="vacancy board")
def vacancy_board():
    args = query(BoardQuery())
    search = VacancySearch(setting_type=args["setting_type"], age=args["age"],
                           host_authority_id=args["host_authority_id"],
                           needs=tuple(args["needs"]), max_weekly_fee=args["max_weekly_fee"])
    with services().engine.connect() as c:
        rows = board_after(g.principal, c, search, after=_after(args["cursor"]),
                           limit=args["limit"])
    return respond(BoardPage(), page_of(rows, args["limit"], lambda row: str(row["id"])))
