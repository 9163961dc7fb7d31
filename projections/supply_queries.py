"""Queries of the supply read models. An officer reads their own authority's in-house settings
and schemes in full; anyone with the regional view reads the pipeline only as totals of places
by authority and kind of setting (places, never children)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.development import CONFIDENCE, DEVELOPMENT_TYPES, STATUSES
from domain.errors import NotFound
from domain.in_house import NEXT, STAGES
from domain.permissions import check
from domain.vocabulary import SETTING_TYPES
from projections.directory import organisations
from projections.supply import (
    development_states,
    developments,
    in_house_settings,
    in_house_stages,
)
from projections.vacancies import vacancy_board

# Years ahead the regional pipeline and the capacity gap show places opening within.
YEARS = (1, 2, 3)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _latest_steps() -> sa.Subquery:
    s = in_house_stages.c
    last = (sa.select(s.setting_id, sa.func.max(s.step).label("step"))
            .group_by(s.setting_id).subquery())
    return (sa.select(s.setting_id, s.stage, s.on)
            .join(last, sa.and_(last.c.setting_id == s.setting_id, last.c.step == s.step))
            .subquery())


def own_in_house_settings(viewer, c: sa.Connection) -> list[dict[str, Any]]:
    check(viewer, "in_house.manage")
    latest = _latest_steps()
    h = in_house_settings.c
    open_count = (sa.select(sa.func.count()).where(vacancy_board.c.setting_id == h.setting_id)
                  .scalar_subquery())
    rows = c.execute(
        sa.select(h.setting_id, h.name, h.setting_type, h.postcode_district, h.places,
                  latest.c.stage, latest.c.on, open_count.label("vacancies"))
        .join(latest, latest.c.setting_id == h.setting_id, isouter=True)
        .where(h.authority_id == viewer.organisation_id)
        .order_by(h.setting_type, h.name)).mappings()
    return [_setting_row(row) for row in rows]


def _setting_row(row) -> dict[str, Any]:
    return {**row, "type_label": SETTING_TYPES.get(row["setting_type"], row["setting_type"]),
            "stage_label": STAGES.get(row["stage"], "Not recorded")}


def own_in_house_setting(viewer, c: sa.Connection, setting_id: UUID) -> dict[str, Any]:
    """One of the authority's own settings with every step of its pipeline; another
    authority's is "no such setting", exactly as a missing one."""
    found = [s for s in own_in_house_settings(viewer, c) if s["setting_id"] == setting_id]
    if not found:
        raise NotFound("There is no such setting")
    setting = found[0]
    s = in_house_stages.c
    setting["steps"] = [
        {**step, "stage_label": STAGES[step["stage"]]} for step in c.execute(
            sa.select(s.stage, s.on, s.reason).where(s.setting_id == setting_id)
            .order_by(s.step)).mappings()]
    setting["next_stages"] = {k: v for k, v in STAGES.items()
                              if k in NEXT.get(setting["stage"], ())}
    v = vacancy_board.c
    setting["vacancy_rows"] = [dict(row) for row in c.execute(
        sa.select(v.id, v.places, v.weekly_fee, v.available_from)
        .where(v.setting_id == setting_id).order_by(v.available_from, v.id)).mappings()]
    setting["open_vacancies"] = [row["id"] for row in setting["vacancy_rows"]]
    return setting


def _development_row(row) -> dict[str, Any]:
    return {**row,
            "type_label": DEVELOPMENT_TYPES[row["development_type"]],
            "setting_label": SETTING_TYPES.get(row["setting_type"], row["setting_type"]),
            "confidence_label": CONFIDENCE[row["confidence"]].split(":")[0],
            "status_label": STATUSES[row["status"]]}


def own_developments(viewer, c: sa.Connection) -> list[dict[str, Any]]:
    check(viewer, "developments.manage")
    d = developments.c
    rows = c.execute(sa.select(developments).where(d.authority_id == viewer.organisation_id)
                     .order_by(d.status, d.expected_opening, d.name)).mappings()
    return [_development_row(row) for row in rows]


def own_development(viewer, c: sa.Connection, development_id: UUID) -> dict[str, Any]:
    check(viewer, "developments.manage")
    d = developments.c
    row = c.execute(sa.select(developments).where(
        d.id == development_id, d.authority_id == viewer.organisation_id)).mappings().first()
    if row is None:
        raise NotFound("There is no such scheme")
    return _development_row(row)


def regional_pipeline(viewer, c: sa.Connection, today: date) -> list[dict[str, Any]]:
    """Places in development across the region: by authority and kind of setting, the
    schemes, their places and how many are expected to open within one, two and three years
    of ``today`` (cumulative) and later. No scheme's name or link is shown."""
    check(viewer, "sufficiency.view_regional")
    d = developments.c
    within = {y: sa.func.coalesce(sa.func.sum(sa.case(
        (d.expected_opening <= add_years(today, y), d.places), else_=0)), 0).label(f"year_{y}")
        for y in YEARS}
    rows = c.execute(
        sa.select(organisations.c.name.label("authority"), d.setting_type,
                  sa.func.count().label("schemes"), sa.func.sum(d.places).label("places"),
                  *within.values())
        .join(organisations, organisations.c.id == d.authority_id)
        .where(d.status == "in_development")
        .group_by(organisations.c.name, d.setting_type)
        .order_by(organisations.c.name, d.setting_type)).mappings()
    return [{**row, "setting_label": SETTING_TYPES.get(row["setting_type"], row["setting_type"]),
             "later": row["places"] - row[f"year_{YEARS[-1]}"]} for row in rows]


def pipeline_by_year(c: sa.Connection, ids: list[UUID], setting_type: str, on: date,
                     *, everyone: bool = False) -> dict[UUID, dict[int, int]]:
    """For the capacity gap: each authority's places in development of one kind of setting
    opening within 1, 2 and 3 years of ``on`` (cumulative), the schemes as they stood on
    ``on`` (recorded by then, with the places and date they had then, not yet opened or
    dropped then). A scheme whose expected date has passed without it being recorded as
    opened counts from year 1 (it is late, not gone)."""
    s = development_states.c
    latest = (sa.select(s.development_id, sa.func.max(s.version).label("version"))
              .where(s.on <= on).group_by(s.development_id).subquery())
    query = (sa.select(s.authority_id, s.expected_opening, s.places)
             .join(latest, sa.and_(latest.c.development_id == s.development_id,
                                   latest.c.version == s.version))
             .where(s.status == "in_development", s.setting_type == setting_type))
    if not everyone:
        query = query.where(s.authority_id.in_(ids))
    found: dict[UUID, dict[int, int]] = {}
    for authority, opening, places in c.execute(query):
        years = found.setdefault(authority, dict.fromkeys(YEARS, 0))
        for y in YEARS:
            if opening <= add_years(on, y):
                years[y] += places
    return found


def in_house_counted_on(on: date) -> sa.Subquery:
    """Each in-house setting and whether, on ``on``, its places are capacity (its latest step
    on or before that date is registered or open)."""
    s = in_house_stages.c
    last = (sa.select(s.setting_id, sa.func.max(s.step).label("step"))
            .where(s.on <= on).group_by(s.setting_id).subquery())
    latest = (sa.select(s.setting_id, s.stage)
              .join(last, sa.and_(last.c.setting_id == s.setting_id, last.c.step == s.step))
              .subquery())
    return (sa.select(in_house_settings.c.setting_id,
                      sa.func.coalesce(latest.c.stage.in_(("registered", "open")),
                                       sa.false()).label("counted"))
            .join(latest, latest.c.setting_id == in_house_settings.c.setting_id, isouter=True)
            .subquery())
