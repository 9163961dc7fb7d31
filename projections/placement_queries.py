"""Queries over the placement read models for a council officer.

Each takes the viewer first. Child-level rows are only ever the viewer's own authority's: the
authority is the viewer's organisation, never a parameter, so another authority's child or
contract reads exactly like a missing one (NotFound).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain import ssda903
from domain.errors import NotFound
from domain.organisation import TARGETS
from domain.permissions import check
from domain.vocabulary import CONTRACT_ROUTES, SETTING_TYPES
from projections.directory import organisations, settings
from projections.gazetteer import authority_names
from projections.paging import Page
from projections.placement_location import (
    INSIDE,
    NOT_KNOWN,
    OUTSIDE,
    UNKNOWN,
    Located,
    located,
    location_notes,
)
from projections.placements import (
    authority_targets,
    contracts,
    placement_children,
    placement_episodes,
)

PAGE_SIZE = 25
STATUSES = {"open": "In care now", "ended": "Left care", "all": "Everyone we have placed"}
AREAS = {"in": "Inside our area", "out": "Outside our area", "unknown": NOT_KNOWN["area"]}
# The list's filter values and the resolved ``where_placed`` of :mod:`placement_location`.
WHERE_OF = {"in": INSIDE, "out": OUTSIDE, "unknown": UNKNOWN}
AREA_OF = {v: k for k, v in WHERE_OF.items()}
# Label, SSDA903 code list, for every coded fact of an episode.
EPISODE_CODES = {
    "rne": ssda903.NEW_EPISODE_REASONS,
    "legal_status": ssda903.LEGAL_STATUSES,
    "cin": ssda903.CATEGORIES_OF_NEED,
    "place": ssda903.PLACEMENT_TYPES,
    "place_provider": ssda903.PLACEMENT_PROVIDERS,
    "reason_place_change": ssda903.PLACEMENT_CHANGE_REASONS,
    "rec": ssda903.EPISODE_END_REASONS,
}


@dataclass(frozen=True)
class ChildSearch:
    status: str = "open"
    group: str | None = None
    place: str | None = None
    area: str | None = None
    route: str | None = None
    started_from: date | None = None
    started_to: date | None = None
    child_ref: str | None = None
    page: int = 1


def own_authority(viewer, connection: sa.Connection):
    """The viewer's own authority (its name and LA code): the only one whose children they see."""
    check(viewer, "placements.view")
    row = connection.execute(sa.select(organisations).where(
        organisations.c.id == viewer.organisation_id,
        organisations.c.kind == "authority")).mappings().first()
    if row is None:
        raise NotFound("There is no such authority")
    return row


def _episode_select(loc: Located, *columns: Any) -> sa.Select:
    """Episode rows located by ``loc`` (:mod:`projections.placement_location`), with the
    names of their provider, setting, area and contract."""
    provider, area = organisations.alias("provider"), organisations.alias("area")
    setting = settings.alias("setting")
    joined = (loc.joined.outerjoin(provider, provider.c.id == loc.provider_id)
              .outerjoin(setting, setting.c.id == loc.setting_id)
              .outerjoin(area, area.c.id == loc.area_authority_id)
              .outerjoin(contracts, contracts.c.id == placement_episodes.c.contract_id))
    return sa.select(placement_episodes, *loc.columns(),
                     provider.c.name.label("provider_name"),
                     setting.c.name.label("setting_name"), area.c.name.label("area_name"),
                     contracts.c.title.label("contract_title"), *columns).select_from(joined)


def area_of(row) -> str:
    """"in", "out" or "unknown": the list's filter values for where a child is placed."""
    return AREA_OF[row["where_placed"]]


def labelled(row) -> dict[str, Any]:
    """A row with readable labels for its codes (``labels``), where it is (``area``) and the
    name of its area (``area_name``: a partner council's, else the gazetteer's)."""
    labels = {name: ssda903.label(codes, row[name]) if row[name] else ""
              for name, codes in EPISODE_CODES.items() if name in row}
    labels["place_group"] = ssda903.GROUPS.get(row["place_group"], "")
    labels["contract_route"] = CONTRACT_ROUTES.get(row["contract_route"] or "", "")
    area_name = row["area_name"] or authority_names().get(row["located_area_ons_code"] or "")
    return {**row, "labels": labels, "area": area_of(row), "area_name": area_name,
            "notes": location_notes(row)}


def children_in_care(viewer, connection: sa.Connection, search: ChildSearch,
                     page_size: int = PAGE_SIZE) -> Page:
    """The authority's children, each with their latest episode, newest first."""
    check(viewer, "placements.view")
    ch, ep = placement_children, placement_episodes
    own = viewer.organisation_id
    conditions = [ch.c.authority_id == own]
    if search.status == "open":
        conditions.append(ep.c.end.is_(None))
    elif search.status == "ended":
        conditions.append(ep.c.end.is_not(None))
    if search.group:
        conditions.append(ep.c.place_group == search.group)
    if search.place:
        conditions.append(ep.c.place == search.place)
    latest = ch.join(ep, sa.and_(ep.c.placement_id == ch.c.id, ep.c.number == ch.c.episodes))
    loc = located(latest)
    if search.area:
        conditions.append(loc.where_placed == WHERE_OF[search.area])
    if search.route:
        conditions.append(ep.c.contract_route == search.route)
    if search.started_from:
        conditions.append(ep.c.start >= search.started_from)
    if search.started_to:
        conditions.append(ep.c.start <= search.started_to)
    if search.child_ref:
        conditions.append(ch.c.child_ref == search.child_ref)
    counted = loc.joined if search.area else latest
    total = connection.execute(sa.select(sa.func.count()).select_from(counted)
                               .where(*conditions)).scalar_one()
    number = max(1, min(search.page, max(1, -(-total // page_size))))
    earlier = placement_episodes.alias("earlier")
    since = (sa.select(sa.func.max(earlier.c.start))
             .where(earlier.c.placement_id == ch.c.id, earlier.c.rne == "S")
             .scalar_subquery().label("in_care_since"))
    query = (_episode_select(loc, ch.c.episodes.label("episode_count"), since)
             .where(*conditions).order_by(ep.c.start.desc(), ch.c.child_ref)
             .limit(page_size).offset((number - 1) * page_size))
    rows = [labelled(row) for row in connection.execute(query).mappings()]
    return Page(rows=rows, total=total, number=number, size=page_size)


def child_timeline(viewer, connection: sa.Connection, child_ref: str) -> dict[str, Any]:
    """One of the authority's children and every episode in order, with labels."""
    check(viewer, "placements.view")
    own = viewer.organisation_id
    child = connection.execute(sa.select(placement_children).where(
        placement_children.c.authority_id == own,
        placement_children.c.child_ref == child_ref)).mappings().first()
    if child is None:
        raise NotFound("There is no such child in your authority's records")
    ep = placement_episodes
    rows = connection.execute(_episode_select(located()).where(ep.c.placement_id == child["id"])
                              .order_by(ep.c.number)).mappings()
    episodes = [labelled(row) for row in rows]
    return {"child": child, "episodes": episodes,
            "open": bool(episodes) and episodes[-1]["end"] is None}


def contract_status(row, today: date) -> str:
    if row["terminated_on"] is not None:
        return "terminated"
    if today < row["start"]:
        return "not_started"
    return "ended" if today > row["end"] else "active"


CONTRACT_STATUSES = {"active": "Active", "not_started": "Not started yet", "ended": "Ended",
                     "terminated": "Terminated"}


def _contracts_select() -> sa.Select:
    ep = placement_episodes
    placed = (sa.select(ep.c.contract_id, sa.func.count().label("placed"))
              .where(ep.c.end.is_(None), ep.c.contract_id.is_not(None))
              .group_by(ep.c.contract_id).subquery())
    return (sa.select(contracts, organisations.c.name.label("provider_name"),
                      sa.func.coalesce(placed.c.placed, 0).label("placed"))
            .join(organisations, organisations.c.id == contracts.c.provider_id)
            .outerjoin(placed, placed.c.contract_id == contracts.c.id))


def _contract_row(row, today: date) -> dict[str, Any]:
    status = contract_status(row, today)
    return {**row, "status": status, "status_label": CONTRACT_STATUSES[status],
            "route_label": CONTRACT_ROUTES.get(row["route"], row["route"]),
            "setting_type_label": SETTING_TYPES.get(row["setting_type"], row["setting_type"])}


def contracts_for(viewer, connection: sa.Connection, today: date | None = None) -> list:
    """The authority's contracts, with how many of its children are placed under each now."""
    check(viewer, "contracts.manage")
    today = today or date.today()
    rows = connection.execute(_contracts_select()
                              .where(contracts.c.authority_id == viewer.organisation_id)
                              .order_by(contracts.c.start.desc(), contracts.c.title)).mappings()
    return [_contract_row(row, today) for row in rows]


def contract_for(viewer, connection: sa.Connection, contract_id: UUID,
                 today: date | None = None) -> dict[str, Any]:
    check(viewer, "contracts.manage")
    row = connection.execute(_contracts_select().where(
        contracts.c.id == contract_id,
        contracts.c.authority_id == viewer.organisation_id)).mappings().first()
    if row is None:
        raise NotFound("There is no such contract")
    return _contract_row(row, today or date.today())


def placement_contracts(viewer, connection: sa.Connection, today: date | None = None, *,
                        current_only: bool = True, only_id: UUID | None = None) -> list:
    """The authority's block and framework contracts a placement can be made under (those not
    ended or terminated, unless ``current_only`` is False)."""
    check(viewer, "placements.manage")
    today = today or date.today()
    conditions = [contracts.c.authority_id == viewer.organisation_id,
                  contracts.c.route.in_(("block", "framework"))]
    if only_id is not None:
        conditions.append(contracts.c.id == only_id)
    rows = connection.execute(_contracts_select().where(*conditions)
                              .order_by(contracts.c.title)).mappings()
    return [row for row in (_contract_row(r, today) for r in rows)
            if not current_only or row["status"] in ("active", "not_started")]


def targets_for(viewer, connection: sa.Connection) -> dict[str, float]:
    """The authority's own targets by name (only those it has set)."""
    check(viewer, "targets.manage")
    rows = connection.execute(sa.select(authority_targets.c.name, authority_targets.c.value)
                              .where(authority_targets.c.authority_id == viewer.organisation_id))
    return {name: value for name, value in rows if name in TARGETS}


def children_after(viewer, connection: sa.Connection, *, status: str, after: str | None,
                   limit: int) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` of the authority's children in reference order after ``after``,
    each with its latest episode (``latest``): the integration API's pages."""
    check(viewer, "placements.view")
    ch, ep = placement_children, placement_episodes
    conditions = [ch.c.authority_id == viewer.organisation_id]
    if status == "open":
        conditions.append(ep.c.end.is_(None))
    elif status == "ended":
        conditions.append(ep.c.end.is_not(None))
    if after is not None:
        conditions.append(ch.c.child_ref > after)
    latest = ch.join(ep, sa.and_(ep.c.placement_id == ch.c.id, ep.c.number == ch.c.episodes))
    query = (sa.select(ep).select_from(latest).where(*conditions).order_by(ch.c.child_ref)
             .limit(limit + 1))
    children = []
    for row in connection.execute(query).mappings():
        episode = dict(row)
        children.append({"child_ref": row["child_ref"], "birth_month": row["birth_month"],
                         "sex": row["sex"], "uasc": row["uasc"],
                         "open": episode["end"] is None, "latest": episode})
    return children
