"""The dashboard: every measure in order, suppressed in every view that crosses authority lines
(Dorset's figures are never shown to Kent in full), and filters read from a query string."""

from __future__ import annotations

import importlib.util
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from domain.errors import NotFound
from domain.organisation import authority_id
from domain.permissions import Forbidden
from projections.sufficiency.common import shared_queries
from projections.sufficiency.dashboard import (
    POPULATION_MEASURES,
    build_dashboard,
    filters_from,
    measures,
)
from projections.sufficiency.disclosure import lines
from projections.sufficiency.population import children_in_care
from projections.sufficiency.scope import resolve_scope
from projections.sufficiency.tables import COUNT, HIDDEN, TOTAL_ROW, Filters, Scope
from tests.projections.sufficiency_region import ON, Region, filters, principal

TODAY = date(2026, 11, 23)
POPULATION_KEYS = ["children-in-care", "placed-out-of-area", "unaccompanied-children",
                   "placements-by-type", "placements-by-code", "starts-ends-moves",
                   "placement-stability"]


@pytest.fixture
def region(services):
    world = Region(services)
    world.children("Dorset", 3, home_postcode="DT1", placement_postcode="BH1")
    world.children("Kent", 12, home_postcode="ME14", placement_postcode="CT1")
    world.children("Portsmouth", 2, home_postcode="PO1", placement_postcode="PO1")
    world.catch_up()
    return world


def dashboard(region, viewer, kind, key, **more):
    with region.services.engine.connect() as c:
        scope = resolve_scope(viewer, c, kind, key)
        return build_dashboard(viewer, c, scope, filters(**more))


def small_counts(tables) -> list:
    return [(t.key, c.key, value) for t in tables for c in t.columns if c.kind == COUNT
            for value in [*(r[c.key] for r in t.rows), *([t.total[c.key]] if t.total else [])]
            if isinstance(value, int) and 0 < value < 5]


def test_every_measure_in_order_with_the_later_ones_once_they_exist(region):
    names = [m.__name__ for m in measures()]
    assert names[:7] == [m.__name__ for m in POPULATION_MEASURES]
    for module in ("projections.sufficiency.money", "projections.sufficiency.planning"):
        if importlib.util.find_spec(module) is not None:
            assert any(m.__module__.startswith("projections.sufficiency.") and
                       m not in POPULATION_MEASURES for m in measures())
    kent = principal("council_officer", region.ids["Kent"])
    tables = dashboard(region, kent, "authority", "886")
    assert [t.key for t in tables][:7] == POPULATION_KEYS
    assert len(tables) == len(measures())
    assert all(t.definition and not t.suppressed for t in tables)


def test_an_officer_sees_their_own_small_numbers(region):
    dorset = principal("council_officer", region.ids["Dorset"])
    tables = dashboard(region, dorset, "authority", "838")
    assert tables[0].rows[0]["children"] == 3
    assert tables[1].rows[0]["outside"] == 3


def test_dorsets_figures_are_never_disclosed_to_kent(region):
    kent = principal("council_officer", region.ids["Kent"])
    tables = dashboard(region, kent, "authority", "838")
    assert all(t.suppressed for t in tables)
    in_care, placed = tables[0], tables[1]
    assert (in_care.rows[0]["children"], in_care.rows[0]["rate"]) == (HIDDEN, HIDDEN)
    assert placed.rows[0]["outside"] == HIDDEN and placed.rows[0]["pct_outside"] == HIDDEN
    assert small_counts(tables) == []
    # Nor in the region's view, where Kent knows its own figures.
    for kind, key in [("region", None), ("partnership", "South East")]:
        assert small_counts(dashboard(region, kent, kind, key)) == []


def test_kent_cannot_work_out_portsmouth_from_the_partnership_total(region):
    kent = principal("council_officer", region.ids["Kent"])
    in_care = dashboard(region, kent, "partnership", "South East")[0]
    assert [r["children"] for r in in_care.rows] == [12, HIDDEN]
    # Kent knows its own 12, so the total (14) would give Portsmouth's 2 away.
    assert in_care.total["children"] == HIDDEN
    # Anyone else sees Kent hidden instead, and the total.
    provider = principal("provider_user", region.provider, kind="provider")
    for_provider = dashboard(region, provider, "partnership", "South East")[0]
    assert [r["children"] for r in for_provider.rows] == [HIDDEN, HIDDEN]
    # 14, published across authority lines rounded to the nearest 5 (issue 17, finding 5).
    assert for_provider.total["children"] == 15


def test_no_figure_is_shown_in_one_table_and_worked_out_from_another(region):
    region.children("Dorset", 9, place="K2", place_provider="PR4")
    region.children("Kent", 2, place="K1", place_provider="PR1")
    region.children("Portsmouth", 6, place="U5", place_provider="PR4", uasc=True)
    region.catch_up()
    provider = principal("provider_user", region.provider, kind="provider")
    tables = dashboard(region, provider, "region", None)
    figures: dict = {}  # each figure, shared between tables or a table's own, as shown
    for index, table in enumerate(tables):
        for row in [*range(len(table.rows)), *([TOTAL_ROW] if table.total else [])]:
            for column in (c for c in table.columns if c.kind == COUNT):
                value = (table.total if row == TOTAL_ROW else table.rows[row])[column.key]
                node = table.facts.get((row, column.key), (index, row, column.key))
                # A figure is hidden in every table that shows it, or in none.
                assert figures.setdefault(node, value) == value, (table.key, node)
    equations = [[t.facts.get(cell, (i, *cell)) for cell in (total, *parts)]
                 for i, t in enumerate(tables) for total, parts in lines(t)]
    equations += [[*left, *right] for t in tables for left, right in t.fact_lines
                  if all(f in figures for f in (*left, *right))]
    assert any(len(members) > 2 for members in equations)
    for members in equations:
        assert [figures[m] for m in members].count(HIDDEN) != 1, members


def test_a_scope_claiming_full_figures_for_another_authority_is_refused(region):
    kent = principal("council_officer", region.ids["Kent"])
    forged = Scope("authority", "Dorset", (region.ids["Dorset"],), disclose=True, key="838")
    provider = principal("provider_user", region.provider, kind="provider")
    own = Scope("authority", "Kent", (region.ids["Kent"],), disclose=True, key="886")
    with region.services.engine.connect() as c:
        with pytest.raises(Forbidden):
            build_dashboard(kent, c, forged, filters())
        with pytest.raises(Forbidden):
            build_dashboard(provider, c, own, filters())
        with pytest.raises(NotFound):
            build_dashboard(kent, c, own, filters(area=region.ids["Dorset"]))


def test_the_filters_narrow_every_population_measure(region):
    provider = principal("provider_user", region.provider, kind="provider")
    tables = dashboard(region, provider, "partnership", "South East",
                       area=region.ids["Kent"], place_group="fostering_in_house")
    for table in tables[:7]:
        assert any("Kent" in note for note in table.notes), table.key
        if table.key == "unaccompanied-children":  # the threshold counts every placement type
            assert any("Every placement type is counted" in n for n in table.notes)
            continue
        assert any("Foster care, council carers" in note for note in table.notes), table.key
    # Kent's 12 is hidden: with the South East partnership's 14 on the region's dashboard of
    # the same date and type, it would give Portsmouth's 2 away.
    assert [r["children"] for r in tables[0].rows] == [HIDDEN]


# --- filters from a query string -----------------------------------------------------------

def test_default_filters_are_today_and_the_year_to_it():
    choice = filters_from(MultiDict(), TODAY)
    assert choice.ok
    assert choice.filters == Filters(on=TODAY, period_start=date(2025, 11, 24),
                                     period_end=TODAY)
    assert choice.values["on"] == "23/11/2026"


def test_dates_typed_the_uk_way_iso_or_as_date_parts():
    typed = filters_from({"on": "31/3/2026", "from": "01/04/2025", "to": "2026-03-31"}, TODAY)
    assert typed.ok
    assert (typed.filters.on, typed.filters.period_start, typed.filters.period_end) == (
        ON, date(2025, 4, 1), date(2026, 3, 31))
    parts = filters_from({"on-day": "31", "on-month": "3", "on-year": "2026"}, TODAY)
    assert parts.ok and parts.filters.on == ON
    # The year to the date counted on, when no period is given.
    assert (parts.filters.period_start, parts.filters.period_end) == (date(2025, 4, 1), ON)
    only_start = filters_from({"from": "1/4/2025"}, TODAY).filters
    assert (only_start.period_start, only_start.period_end) == (date(2025, 4, 1), ON)


@pytest.mark.parametrize(("args", "field", "message"), [
    ({"on": "31/2/2026"}, "on", "Date must be a real date, like 31/3/2026"),
    ({"on": "soon"}, "on", "Date must be a real date, like 31/3/2026"),
    ({"on": "1/1/2027"}, "on", "Date must be today or in the past"),
    ({"on": "1/1/1999"}, "on", "Date must be on or after 1/1/2000"),
    ({"on-day": "31", "on-year": "2026"}, "on", "Date must include a day, month and year"),
    ({"from": "1/4/2026", "to": "1/3/2026"}, "to",
     "End of the period must be the same as or after the start"),
    ({"type": "castle"}, "type", "Choose a placement type from the list"),
    ({"area": "kent"}, "area", "Choose an authority from the list"),
    ({"area": "838"}, "area", "Choose an authority in this view"),
])
def test_wrong_filters_get_a_clear_error_and_their_default(args, field, message):
    scope = Scope("partnership", "South East", (authority_id("886"), authority_id("851")),
                  disclose=False, key="South East")
    choice = filters_from(args, TODAY, scope)
    assert choice.errors == {field: message}
    # Across authority lines the default is the last month end, and the year of whole
    # months to it (projections/sufficiency/publication.py).
    default = filters_from({}, TODAY, scope).filters
    assert default.on == date(2026, 10, 31)
    if field == "on":
        assert choice.filters.on == default.on
    if field in ("type", "area"):
        assert (choice.filters.place_group, choice.filters.area) == (None, None)
    if field == "to":
        assert (choice.filters.period_start, choice.filters.period_end) == (
            default.period_start, default.period_end)


def test_area_and_type_within_the_view():
    scope = Scope("partnership", "South East", (authority_id("886"), authority_id("851")),
                  disclose=False, key="South East")
    choice = filters_from({"area": "886", "type": "childrens_home"}, TODAY, scope)
    assert choice.ok
    assert (choice.filters.area, choice.filters.place_group) == (
        authority_id("886"), "childrens_home")
    assert choice.values["area"] == "886"


def test_measures_share_one_pass_only_within_a_dashboard(region):
    scope = region.scope("Kent")
    with region.services.engine.connect() as c:
        with shared_queries():
            before = children_in_care(c, scope, filters()).rows[0]["children"]
            region.child("Kent", date(2024, 1, 1))
            region.catch_up()
            # The same pass, shared by every measure of one dashboard.
            assert children_in_care(c, scope, filters()).rows[0]["children"] == before
        # Outside a dashboard nothing is kept.
        assert children_in_care(c, scope, filters()).rows[0]["children"] == before + 1
