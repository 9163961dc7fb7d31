"""Children in care on a date, per 10,000, and by placement type: computed from placements
recorded through the real commands."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import NotFound
from projections.sufficiency.population import (
    children_in_care,
    placements_by_code,
    placements_by_type,
)
from projections.sufficiency.tables import TOTAL_ROW
from projections.sufficiency.tables import in_care as fact
from tests.projections.sufficiency_region import ON, Region, filters, row


@pytest.fixture
def region(services):
    return Region(services)


def in_care(region, scope, **more):
    with region.services.engine.connect() as c:
        return children_in_care(c, scope, filters(**more))


def test_children_in_care_on_a_date_as_the_dfe_counts_them(region):
    region.children("Dorset", 3)
    left_that_day = region.child("Dorset", date(2024, 1, 1))
    region.end("Dorset", left_that_day, ON)
    left_the_day_before = region.child("Dorset", date(2024, 1, 1))
    region.end("Dorset", left_the_day_before, date(2026, 3, 30))
    moved_that_day = region.child("Dorset", date(2024, 1, 1))
    region.move("Dorset", moved_that_day, ON, place="U6")
    region.child("Dorset", ON)  # started that day: in care on it
    region.child("Dorset", date(2026, 4, 1))  # started after it
    region.child("Dorset", date(2024, 1, 1), legal_status="V3")  # short breaks only
    region.child("Dorset", date(2024, 1, 1), legal_status="V4")
    region.catch_up()

    table = in_care(region, region.scope("Dorset"))
    (dorset,) = table.rows
    assert dorset["children"] == 5  # three, the one who moved, the one who started that day
    assert dorset["rate"] == pytest.approx(5 * 10_000 / 66_100)
    assert table.total is None
    assert "short breaks" in table.definition and "V3" in table.definition
    assert "DfE" in table.definition and table.chart.value == "rate"
    # Two days before, both leavers were still in care and one had not yet started.
    assert in_care(region, region.scope("Dorset"), on=date(2026, 3, 29)).rows[0][
        "children"] == 6
    # The next day, the child who started on 1 April is in care too.
    assert in_care(region, region.scope("Dorset"), on=date(2026, 4, 1)).rows[0][
        "children"] == 6


def test_a_child_who_comes_back_is_counted_in_their_new_period_of_care(region):
    ref = region.child("Dorset", date(2024, 1, 1))
    region.end("Dorset", ref, date(2024, 6, 1))
    region.restart("Dorset", ref, date(2025, 1, 1))
    region.catch_up()
    assert in_care(region, region.scope("Dorset"), on=date(2024, 9, 1)).rows[0][
        "children"] == 0
    assert in_care(region, region.scope("Dorset")).rows[0]["children"] == 1


def test_per_authority_per_partnership_and_for_the_region(region):
    region.children("Dorset", 7)
    region.children("Kent", 30)
    region.children("Portsmouth", 6)
    region.catch_up()

    south_east = in_care(region, region.scope("Kent", "Portsmouth"))
    assert [(r["name"], r["children"]) for r in south_east.rows] == [
        ("Kent", 30), ("Portsmouth", 6)]
    assert south_east.total["children"] == 36
    assert south_east.total["rate"] == pytest.approx(36 * 10_000 / (345_000 + 43_000))

    everyone = in_care(region, region.region_scope())
    assert [r["name"] for r in everyone.rows] == [
        "Dorset", "Kent", "Portsmouth", "Dorset partnership", "South East partnership"]
    assert row(everyone, "South East partnership")["children"] == 36
    assert row(everyone, "South East partnership")["rate"] == pytest.approx(
        36 * 10_000 / 388_000)
    assert everyone.total["children"] == 43
    # The total adds up the authorities; each partnership adds up its own members.
    assert (TOTAL_ROW, (0, 1, 2)) in everyone.row_sums
    assert (4, (1, 2)) in everyone.row_sums


def test_the_area_filter_narrows_a_partnership_to_one_authority(region):
    region.children("Kent", 5)
    region.children("Portsmouth", 6)
    region.catch_up()
    scope = region.scope("Kent", "Portsmouth")
    narrowed = in_care(region, scope, area=region.ids["Portsmouth"])
    assert [(r["name"], r["children"]) for r in narrowed.rows] == [("Portsmouth", 6)]
    assert any("Portsmouth" in note for note in narrowed.notes)
    with pytest.raises(NotFound):
        in_care(region, scope, area=region.ids["Dorset"])


def test_by_placement_type_and_code(region):
    region.children("Dorset", 2, place="U4", place_provider="PR1")
    region.children("Dorset", 3, place="U5", place_provider="PR4")
    region.child("Dorset", date(2024, 1, 1), place="K2", place_provider="PR4",
                 provider_id=region.provider, setting_id=region.oast_house)
    region.children("Dorset", 1, place="U1", place_provider="PR1")
    region.child("Dorset", date(2024, 1, 1), place="K2", legal_status="V3")  # short breaks
    region.children("Kent", 4, place="K2", place_provider="PR4")
    region.catch_up()

    with region.services.engine.connect() as c:
        dorset = placements_by_type(c, region.scope("Dorset"), filters())
        both = placements_by_type(c, region.scope("Dorset", "Kent"), filters())
        codes = placements_by_code(c, region.scope("Dorset"), filters())
        homes_only = placements_by_type(c, region.scope("Dorset", "Kent"),
                                        filters(place_group="childrens_home"))
        homes_in_care = children_in_care(c, region.scope("Dorset", "Kent"),
                                         filters(place_group="childrens_home"))

    counts = {r["name"]: r["children"] for r in dorset.rows}
    assert counts["Foster care, council carers"] == 2
    assert counts["Foster care, independent fostering agency"] == 3
    assert counts["Children's homes (including secure)"] == 1
    assert counts["Foster care with relatives or friends"] == 1
    assert counts["Placed for adoption"] == 0
    assert dorset.total["children"] == 7
    assert row(dorset, "Foster care, independent fostering agency")["share"] == (
        pytest.approx(300 / 7))
    assert [c.key for c in dorset.columns] == ["name", "children", "share"]

    homes = row(both, "Children's homes (including secure)")
    assert (homes["la_838"], homes["la_886"], homes["children"]) == (1, 4, 5)
    assert both.column("children").parts == ("la_838", "la_886")
    assert both.column("la_886").authority_id == region.ids["Kent"]
    assert both.total["children"] == 11

    assert {r["name"].split(":")[0]: r["children"] for r in codes.rows} == {
        "K2": 1, "U1": 1, "U4": 2, "U5": 3}
    # The same figures in every table, for disclosure control: a group is its codes.
    dorset_id = region.ids["Dorset"]
    assert codes.facts[(TOTAL_ROW, "children")] == fact(dorset_id)
    assert dorset.facts[(TOTAL_ROW, "children")] == fact(dorset_id)
    assert ((fact(dorset_id, group="childrens_home"),),
            (fact(dorset_id, code="K2"),)) in codes.fact_lines
    assert ((fact(dorset_id, group="fostering_in_house"),
             fact(dorset_id, group="fostering_agency")),
            (fact(dorset_id, code="U4"), fact(dorset_id, code="U5"))) in codes.fact_lines

    assert [r["name"] for r in homes_only.rows] == ["Children's homes (including secure)"]
    assert homes_only.total["children"] == 5
    assert [r["children"] for r in homes_in_care.rows] == [1, 4]
