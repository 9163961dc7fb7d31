"""The fostering measures on a worked example: Kent's households, places and utilisation, its
recruitment over a year (conversion, resignations by reason, net change), its fostered
children with its own carers against agencies, and the fostering row of the capacity gap; the
partnership's recruitment hub sums them, with small numbers hidden across authority lines."""

from __future__ import annotations

from datetime import date

import pytest

from projections.sufficiency.common import shared_queries
from projections.sufficiency.dashboard import build_dashboard
from projections.sufficiency.fostering import (
    fostered_children,
    fostering_households,
    fostering_recruitment,
)
from projections.sufficiency.planning import capacity_gap
from projections.sufficiency.scope import resolve_scope
from projections.sufficiency.tables import HIDDEN
from tests.fostering_returns import figures
from tests.projections.sufficiency_region import SYSTEM, TODAY, Region, filters, principal, row

QUIET = dict(enquiries=0, applications=0, assessments=0, approvals=0, resigned_retired=0,
             resigned_to_agency=0)


@pytest.fixture
def region(services):
    world = Region(services)
    portal = services.portal

    def record(name: str, month: date, **changes) -> None:
        portal.record_fostering_return(SYSTEM, world.ids[name], month=month,
                                       figures=figures(**changes), today=TODAY)

    # Kent: 58 households before the year (March 2025), 63 at its end (March 2026).
    record("Kent", date(2025, 3, 1), **QUIET)
    record("Kent", date(2025, 6, 1))  # 20 enquiries ... 3 approvals, 2 resignations
    record("Kent", date(2026, 3, 1), households_mainstream=45, places_mainstream=75,
           in_use_mainstream=60, enquiries=30, applications=8, assessments=5, approvals=5,
           resigned_retired=0, resigned_to_agency=0)
    # Portsmouth, its partner: a small service (one parent and child household).
    record("Portsmouth", date(2026, 3, 1), households_mainstream=12, places_mainstream=20,
           in_use_mainstream=18, households_kinship=6, places_kinship=6, in_use_kinship=6,
           households_parent_and_child=1, places_parent_and_child=1,
           in_use_parent_and_child=1, households_short_break=0, places_short_break=0,
           in_use_short_break=0, enquiries=9, applications=2, assessments=2, approvals=1,
           resigned_retired=0, resigned_to_agency=1)
    # Kent's children since 2022: 7 with its own carers, 5 with agencies, 3 with kin, 2 in
    # children's homes.
    start = date(2022, 1, 1)
    world.children("Kent", 7, start)
    world.children("Kent", 5, start, place_provider="PR4")
    world.children("Kent", 3, start, place="U1")
    world.children("Kent", 2, start, place="K2", place_provider="PR4")
    world.children("Portsmouth", 6, start)
    world.catch_up()
    return world


def tables(region, scope, measure):
    with region.services.engine.connect() as c, shared_queries():
        return measure(c, scope, filters())


def fostering_row(table) -> dict:
    return next(r for r in table.rows if r["kind"] == "Fostering")


def test_households_places_and_utilisation_by_type_at_the_latest_return(region):
    table = tables(region, region.scope("Kent"), fostering_households)
    assert [(r["name"], r["households"], r["places"], r["in_use"]) for r in table.rows] == [
        ("Mainstream", 45, 75, 60), ("Kinship (connected persons)", 10, 12, 12),
        ("Parent and child", 3, 3, 2), ("Short break", 5, 6, 4), ("All types", 63, 96, 78)]
    assert row(table, "Mainstream")["utilisation"] == pytest.approx(80.0)
    assert row(table, "All types")["utilisation"] == pytest.approx(100 * 78 / 96)
    assert {r["month"] for r in table.rows} == {"March 2026"}
    # On 28 February 2026 the latest return is June 2025's.
    with region.services.engine.connect() as c:
        earlier = fostering_households(c, region.scope("Kent"), filters(on=date(2026, 2, 28)))
    assert row(earlier, "All types")["households"] == 58
    assert {r["month"] for r in earlier.rows} == {"June 2025"}


def test_recruitment_conversion_resignations_and_net_change_over_the_year(region):
    kent = row(tables(region, region.scope("Kent"), fostering_recruitment), "Kent")
    assert {k: kent[k] for k in ("enquiries", "applications", "assessments", "approvals",
                                 "resigned", "resigned_retired", "resigned_to_agency",
                                 "households_start", "households_end", "net_change")} == {
        "enquiries": 50, "applications": 14, "assessments": 9, "approvals": 8, "resigned": 2,
        "resigned_retired": 1, "resigned_to_agency": 1, "households_start": 58,
        "households_end": 63, "net_change": 5}
    assert kent["conversion"] == pytest.approx(16.0)


def test_fostered_children_with_own_carers_against_agencies(region):
    kent = row(tables(region, region.scope("Kent"), fostered_children), "Kent")
    assert {k: kent[k] for k in ("fostered", "own_carers", "fostering_kinship",
                                 "fostering_in_house", "fostering_agency")} == {
        "fostered": 15, "own_carers": 10, "fostering_kinship": 3, "fostering_in_house": 7,
        "fostering_agency": 5}
    assert kent["pct_own"] == pytest.approx(100 * 10 / 15)
    assert kent["pct_agency"] == pytest.approx(100 * 5 / 15)


def test_the_fostering_gap_counts_own_places_and_agency_places_used(region):
    table = tables(region, region.scope("Kent"), capacity_gap)
    assert [r["kind"] for r in table.rows] == [
        "Children's homes", "Fostering", "Supported accommodation"]
    kent = fostering_row(table)
    # Need: 17 children in care, steady for four years, 15 of them fostered. Counted against
    # it: Kent's 75 + 12 + 3 approved places (not its 6 short break places) and the 5 agency
    # places its children use. No scheme of places in development provides foster places.
    assert {k: kent[k] for k in ("in_now", "need", "places", "counted", "more", "pipeline_3",
                                 "capacity_3", "closed_1", "closed_3", "left")} == {
        "in_now": 15, "need": 15, "places": None, "counted": (75 + 12 + 3) + 5,
        "more": 15 - 90 - 5, "pipeline_3": 0, "capacity_3": None, "closed_1": 0,
        "closed_3": 0, "left": 15 - 90 - 5}
    assert "Fostering:" in table.definition and "not short breaks" in table.definition
    assert "independent fostering agencies' places" in table.definition
    # The figure is tied to the fostering tables' places and agency children, so disclosure
    # control hides it wherever one of them would give the other away.
    index = table.rows.index(kent)
    kent_id = region.ids["Kent"]
    assert table.facts[(index, "counted")] == ("fostering_capacity", kent_id)
    assert table.fact_lines == [((("fostering_capacity", kent_id),), (
        ("fostering_places", kent_id, "mainstream"), ("fostering_places", kent_id, "kinship"),
        ("fostering_places", kent_id, "parent_and_child"),
        ("in_care", kent_id, "fostering_agency", None)))]


def test_without_a_fostering_return_the_fostering_capacity_is_blank(region):
    with region.services.engine.connect() as c:
        table = capacity_gap(c, region.scope("Kent"), filters(on=date(2025, 2, 28)))
    kent = fostering_row(table)
    assert kent["need"] is not None
    assert (kent["counted"], kent["more"], kent["left"]) == (None, None, None)


def test_a_foster_care_filter_shows_only_the_fostering_gap(region):
    with region.services.engine.connect() as c:
        table = capacity_gap(c, region.scope("Kent"),
                             filters(place_group="fostering_agency"))
    assert [r["kind"] for r in table.rows] == ["Fostering"]
    assert table.rows[0]["counted"] == 95


def test_the_partnership_hub_sums_its_authorities_and_hides_small_numbers(region):
    kent = principal("council_officer", region.ids["Kent"])
    with region.services.engine.connect() as c:
        scope = resolve_scope(kent, c, "partnership", "South East")
        dashboard = build_dashboard(kent, c, scope, filters())
    recruitment = next(t for t in dashboard if t.key == "fostering-recruitment")
    assert recruitment.suppressed
    assert row(recruitment, "Kent")["approvals"] == 8  # the officer's own, exact
    portsmouth = row(recruitment, "Portsmouth")
    assert portsmouth["approvals"] == HIDDEN and portsmouth["conversion"] == HIDDEN
    assert portsmouth["enquiries"] == 10  # 9, rounded to the nearest 5
    assert recruitment.total["enquiries"] != HIDDEN
    households = next(t for t in dashboard if t.key == "fostering-households")
    small = row(households, "Portsmouth: Parent and child")
    assert small["households"] == HIDDEN and small["utilisation"] == HIDDEN
    assert row(households, "Kent: Mainstream")["households"] == 45
    # The hidden parent and child household cannot be worked back from Portsmouth's total.
    shown = [row(households, f"Portsmouth: {t}")["households"]
             for t in ("Mainstream", "Kinship (connected persons)", "Short break")]
    assert HIDDEN in [*shown, row(households, "Portsmouth: all types")["households"]]
