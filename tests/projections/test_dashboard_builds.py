"""A dashboard is built once and reused (issue 12): its headline's earlier years, its tables'
downloads and the next reader of the same view cost no further build, until an event moves the
read models on. Builds are counted, never timed."""

from __future__ import annotations

from datetime import date

import pytest

from projections.sufficiency import dashboard
from projections.sufficiency.dashboard import build_dashboard
from projections.sufficiency.headline import dashboard_years, headline
from projections.sufficiency.scope import resolve_scope
from tests.projections.sufficiency_region import Region, filters, principal


@pytest.fixture
def region(services):
    world = Region(services)
    world.children("Dorset", 3, home_postcode="DT1", placement_postcode="BH1")
    world.children("Kent", 12, home_postcode="ME14", placement_postcode="CT1")
    world.catch_up()
    return world


@pytest.fixture
def builds(monkeypatch) -> list:
    """Every dashboard built from the read models, as (authority ids, date counted on)."""
    found = []
    real = dashboard._build

    def counted(connection, scope, filters, viewer_authority):
        found.append((scope.authority_ids, filters.on))
        return real(connection, scope, filters, viewer_authority)

    monkeypatch.setattr(dashboard, "_build", counted)
    return found


def page(region, viewer, kind, key):
    """What a dashboard page asks for: the dashboard, then its headline's earlier years."""
    with region.services.engine.connect() as c:
        scope = resolve_scope(viewer, c, kind, key)
        tables = build_dashboard(viewer, c, scope, filters())
        return headline(dashboard_years(viewer, c, scope, filters(), tables))


def test_a_dashboard_and_its_headline_years_are_each_built_once(region, builds):
    dorset = principal("council_officer", region.ids["Dorset"])
    first = page(region, dorset, "authority", "838")
    assert sorted(on for _, on in builds) == [date(2024, 3, 31), date(2025, 3, 31),
                                              date(2026, 3, 31)]
    # The same page again, and its tables alone (as a CSV download asks): nothing built again.
    again = page(region, dorset, "authority", "838")
    with region.services.engine.connect() as c:
        tables = build_dashboard(dorset, c, resolve_scope(dorset, c, "authority", "838"),
                                 filters())
    assert len(builds) == 3
    assert [f.now.value for f in again.figures] == [f.now.value for f in first.figures]
    assert tables[0].rows[0]["children"] == first.figures[0].now.value == 3
    # Another reader sees what disclosure control lets them: their own builds.
    page(region, principal("council_officer", region.ids["Kent"]), "authority", "838")
    assert len(builds) == 6


def test_an_event_moves_the_read_models_on_and_the_dashboard_is_built_afresh(region, builds):
    dorset = principal("council_officer", region.ids["Dorset"])
    before = page(region, dorset, "authority", "838")
    region.child("Dorset", date(2026, 1, 5))
    region.catch_up()
    after = page(region, dorset, "authority", "838")
    assert len(builds) == 6
    children = {f.measure.key: f for f in after.figures}["children"]
    assert children.now.value == {f.measure.key: f for f in before.figures}["children"] \
        .now.value + 1


def test_each_reader_gets_their_own_copy(region, builds):
    dorset = principal("council_officer", region.ids["Dorset"])
    with region.services.engine.connect() as c:
        scope = resolve_scope(dorset, c, "authority", "838")
        first = build_dashboard(dorset, c, scope, filters())
        first[0].rows.clear()
        second = build_dashboard(dorset, c, scope, filters())
    assert len(builds) == 1
    assert second[0].rows
