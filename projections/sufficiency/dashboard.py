"""A sufficiency dashboard: every measure for one scope and one set of filters, in order, with
disclosure control applied to every view that crosses authority lines.

The population measures come first, then the money measures, the planning measures and the
unmet-need measures, each in the order their module lists them (``MEASURES``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from domain import ssda903
from domain.errors import NotFound
from domain.organisation import authority_id
from domain.permissions import Forbidden, check
from projections.sufficiency import (
    fostering,
    money,
    planning,
    quality,
    unmet_need,
)
from projections.sufficiency.builds import kept_or_built
from projections.sufficiency.common import shared_queries
from projections.sufficiency.disclosure import View, suppress_views
from projections.sufficiency.flows import stability, starts_ends_moves, year_after, year_before
from projections.sufficiency.location import placed_out_of_area
from projections.sufficiency.population import (
    children_in_care,
    placements_by_code,
    placements_by_type,
    unaccompanied_children,
)
from projections.sufficiency.publication import publish, reporting_filters
from projections.sufficiency.scope import widest_scopes
from projections.sufficiency.tables import Filters, Scope, Table

Measure = Callable[[sa.Connection, Scope, Filters], Table]

POPULATION_MEASURES: tuple[Measure, ...] = (
    children_in_care, placed_out_of_area, unaccompanied_children, placements_by_type,
    placements_by_code, starts_ends_moves, stability)
def measures() -> list[Measure]:
    found: list[Measure] = list(POPULATION_MEASURES)
    for listed in (money.MEASURES, planning.MEASURES, quality.MEASURES, fostering.MEASURES,
                   unmet_need.MEASURES):
        found.extend(m for m in listed if m not in found)
    return found


def _viewer_authority(viewer):
    return viewer.organisation_id if viewer.organisation_kind == "authority" else None


def build_dashboard(viewer, connection: sa.Connection, scope: Scope, filters: Filters, *,
                    store: sa.Engine | None = None) -> list[Table]:
    """Every measure for ``scope``, suppressed unless the viewer is an officer of the one
    authority in view (a scope from :func:`~projections.sufficiency.scope.resolve_scope`).

    A suppressed view is worked out together with the widest views of the same date and
    filters (the region and every partnership), so the figures hidden are the same on every
    dashboard a reader can open and none of them can be set against another."""
    key = dashboard_key(viewer, scope, filters)
    _, viewer_authority, _, _, filters = key
    # Built once for this reader's authority, scope and filters, and reused (the headline's
    # earlier years, the tables' CSV downloads, every web process) until the read models move
    # on: after disclosure control, as this reader may see it, never raw figures.
    return kept_or_built(connection, key,
                         lambda: _build(connection, scope, filters, viewer_authority),
                         store=store)


def dashboard_key(viewer, scope: Scope, filters: Filters) -> tuple:
    """What a dashboard shown to ``viewer`` depends on besides the read models: the viewer's
    authority (disclosure control never hides a reader's own figures), the scope and the
    filters (at month ends across authority lines). Raises Forbidden or NotFound when the
    viewer may not see it: checked before anything kept is read."""
    if scope.disclose:
        check(viewer, "sufficiency.view_own")
        if scope.authority_ids != (viewer.organisation_id,):
            raise Forbidden("You can only see your own authority's figures in full")
    else:
        check(viewer, "sufficiency.view_regional")
    if filters.area is not None and filters.area not in scope.authority_ids:
        raise NotFound("That authority is not part of this view")
    if not scope.disclose:  # across authority lines: month ends and whole months only
        filters = reporting_filters(filters)
    return ("dashboard", _viewer_authority(viewer), scope.authority_ids, scope.disclose,
            filters)


def _build(connection: sa.Connection, scope: Scope, filters: Filters,
           viewer_authority) -> list[Table]:
    """Every measure for ``scope``, worked out and (across authority lines) suppressed."""
    with shared_queries():
        if scope.disclose:
            return _tables(connection, scope, filters)
        # The same views in the same order whichever of them is asked for, so each is
        # suppressed exactly as the others are; a narrower view (one authority, one area)
        # comes after them.
        wide = dataclasses.replace(filters, area=None)
        views = [View(other.authority_ids, _tables(connection, other, wide))
                 for other in widest_scopes(connection)]
        asked = next((i for i, other in enumerate(views)
                      if (other.authority_ids, wide) == (scope.authority_ids, filters)), None)
        if asked is None:
            asked = len(views)
            views.append(View(_counted(scope, filters), _tables(connection, scope, filters)))
    return publish(suppress_views(views, viewer_authority, wanted=[asked])[0], viewer_authority)


def _tables(connection: sa.Connection, scope: Scope, filters: Filters) -> list[Table]:
    return [measure(connection, scope, filters) for measure in measures()]


def _counted(scope: Scope, filters: Filters) -> tuple:
    """The authorities whose children a view counts: the scope's, or the one area chosen."""
    return (filters.area,) if filters.area is not None else scope.authority_ids


# --- filters from a query string -----------------------------------------------------------

EARLIEST = date(2000, 1, 1)
LA_CODE = re.compile(r"^\d{3}$")


@dataclass
class FilterChoice:
    """The filters to use, the errors to show (by field name) and what to show in each field
    (dates as 31/3/2026, however they were typed)."""

    filters: Filters
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _uk(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def _parse_date(args: Mapping[str, str], name: str, label: str, today: date,
                errors: dict[str, str]) -> date | None:
    """A date typed as 31/3/2026 (or 2026-03-31), or given as GOV.UK date input parts
    (``name-day``, ``name-month``, ``name-year``). None when not given or wrong."""
    parts = [str(args.get(f"{name}-{p}") or "").strip() for p in ("day", "month", "year")]
    text = str(args.get(name) or "").strip()
    if any(parts):
        if not all(parts):
            errors[name] = f"{label} must include a day, month and year"
            return None
        text = "/".join(parts)
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime(text, pattern).date()
            break
        except ValueError:
            continue
    else:
        errors[name] = f"{label} must be a real date, like 31/3/2026"
        return None
    if day > today:
        errors[name] = f"{label} must be today or in the past"
        return None
    if day < EARLIEST:
        errors[name] = f"{label} must be on or after {_uk(EARLIEST)}"
        return None
    return day


def filters_from(args: Mapping[str, str], today: date, scope: Scope | None = None) -> FilterChoice:
    """Filters from query arguments: ``on`` (the date counted on; today if not given),
    ``from`` and ``to`` (the period for starts, ends, moves and stability; the year to
    ``on`` if not given), ``area`` (an authority's DfE LA code, within ``scope``) and
    ``type`` (a placement type group). A wrong value gets an error and its default."""
    errors: dict[str, str] = {}
    on = _parse_date(args, "on", "Date", today, errors) or today
    start = _parse_date(args, "from", "Start of the period", today, errors)
    end = _parse_date(args, "to", "End of the period", today, errors)
    if start and end and start > end:
        errors["to"] = "End of the period must be the same as or after the start"
        start = end = None
    # Without a period, the year to the date counted on; with one end of it, a year from it.
    if start is None:
        end = end or on
        start = year_before(end) + timedelta(days=1)
    elif end is None:
        end = min(year_after(start) - timedelta(days=1), today)
    area = None
    code = str(args.get("area") or "").strip()
    if code:
        if not LA_CODE.match(code):
            errors["area"] = "Choose an authority from the list"
        elif scope is not None and authority_id(code) not in scope.authority_ids:
            errors["area"] = "Choose an authority in this view"
        else:
            area = authority_id(code)
    group = str(args.get("type") or "").strip() or None
    if group is not None and group not in ssda903.GROUPS:
        errors["type"] = "Choose a placement type from the list"
        group = None
    chosen = Filters(on=on, period_start=start, period_end=end, place_group=group, area=area)
    if scope is not None and not scope.disclose:
        # Another authority's figures: at the month end and over the whole months that the
        # dates chosen fall in (projections/sufficiency/publication.py); the form says so.
        chosen = reporting_filters(chosen)
    values = {"on": _uk(chosen.on), "from": _uk(chosen.period_start),
              "to": _uk(chosen.period_end), "area": code if area else "", "type": group or ""}
    return FilterChoice(chosen, errors, values)
