"""Placed outside the authority's area and more than 20 miles from home, for all children and
excluding unaccompanied asylum-seeking children, from placements recorded through the real
commands and the shipped postcode districts (DT1 Dorchester to BH1 Bournemouth is 25.5
miles, BH20 Wareham to BH1 12.6, DT1 to ME14 Maidstone 135.8, DT1 to PO1 Portsmouth 59.7)."""

from __future__ import annotations

import pytest

from projections.sufficiency.location import placed_out_of_area
from projections.sufficiency.tables import TOTAL_ROW
from tests.projections.sufficiency_region import Region, filters, row

DORSET_ALL = "Dorset: all children"
DORSET_NOT_UASC = "Dorset: excluding unaccompanied asylum-seeking children"
DORSET_UASC = "Dorset: unaccompanied asylum-seeking children"


@pytest.fixture
def region(services):
    return Region(services)


def out_of_area(region, scope, **more):
    with region.services.engine.connect() as c:
        return placed_out_of_area(c, scope, filters(**more))


def counts(r: dict) -> tuple:
    return (r["children"], r["inside"], r["outside"], r["location_unknown"], r["over_20"],
            r["within_20"], r["distance_unknown"])


def test_inside_outside_distance_and_not_known(region):
    on = {"on": filters().on}
    region.children("Dorset", 1, home_postcode="DT1", placement_postcode="DT4")  # inside
    # A setting in the directory: its host authority (Kent) says where the placement is.
    region.children("Dorset", 1, home_postcode="DT1", place="K2", place_provider="PR4",
                    provider_id=region.provider, setting_id=region.oast_house)
    region.children("Dorset", 1, home_postcode="BH20", placement_postcode="BH1")  # 12.6 mi
    region.children("Dorset", 1, home_postcode="DT1")  # no placement postcode
    region.children("Dorset", 1, home_postcode="DT1", placement_postcode="ZZ9")  # unknown
    # Unaccompanied children: one with no home postcode, one with.
    region.children("Dorset", 1, uasc=True, placement_postcode="BH1")
    region.children("Dorset", 1, uasc=True, home_postcode="DT1", placement_postcode="PO1")
    region.catch_up()

    table = out_of_area(region, region.scope("Dorset"), **on)
    assert [r["name"] for r in table.rows] == [DORSET_ALL, DORSET_NOT_UASC, DORSET_UASC]
    everyone, not_uasc, uasc = table.rows
    assert counts(everyone) == (7, 1, 4, 2, 2, 1, 1)
    assert counts(not_uasc) == (5, 1, 2, 2, 1, 1, 0)
    assert counts(uasc) == (2, 0, 2, 0, 1, 0, 1)
    assert everyone["pct_outside"] == pytest.approx(400 / 7)
    assert not_uasc["pct_outside"] == pytest.approx(40)
    assert everyone["pct_over_20"] == pytest.approx(200 / 7)
    assert table.row_sums == [(0, (1, 2))] and table.total is None
    assert table.chart.value == "pct_outside"
    assert "never as inside" in table.definition and "never 0" in table.definition


def test_an_unknown_distance_is_unknown_never_0(region):
    region.children("Portsmouth", 2, uasc=True, placement_postcode="CT1")
    region.catch_up()
    portsmouth = out_of_area(region, region.scope("Portsmouth")).rows[0]
    assert (portsmouth["outside"], portsmouth["distance_unknown"]) == (2, 2)
    assert portsmouth["pct_outside"] == 100
    assert portsmouth["pct_over_20"] is None


def test_northern_ireland_is_outside_at_an_unknown_distance(region):
    # Northern Ireland's grid references are on the Irish Grid: no distance to Dorset.
    region.children("Dorset", 1, home_postcode="DT1", placement_postcode="BT1")
    region.catch_up()
    dorset = out_of_area(region, region.scope("Dorset")).rows[0]
    assert counts(dorset) == (1, 0, 1, 0, 0, 0, 1)


def test_short_breaks_and_children_not_in_care_on_the_day_are_left_out(region):
    region.children("Dorset", 1, placement_postcode="BH1", legal_status="V3")
    left = region.child("Dorset", filters().period_start, placement_postcode="BH1")
    region.end("Dorset", left, filters().on)
    region.catch_up()
    assert counts(out_of_area(region, region.scope("Dorset")).rows[0]) == (0,) * 7


def test_a_partnership_adds_up_its_authorities(region):
    region.children("Kent", 6, home_postcode="ME14", placement_postcode="CT1")  # inside Kent
    region.children("Kent", 2, uasc=True, placement_postcode="PO1")
    region.children("Portsmouth", 5, home_postcode="PO1", placement_postcode="ME14")
    region.catch_up()
    table = out_of_area(region, region.scope("Kent", "Portsmouth"))
    assert [r["name"] for r in table.rows] == [
        "Kent: all children", "Kent: excluding unaccompanied asylum-seeking children",
        "Kent: unaccompanied asylum-seeking children",
        "Portsmouth: all children",
        "Portsmouth: excluding unaccompanied asylum-seeking children",
        "Portsmouth: unaccompanied asylum-seeking children",
        "Total: excluding unaccompanied asylum-seeking children",
        "Total: unaccompanied asylum-seeking children"]
    assert counts(table.total) == (13, 6, 7, 0, 5, 0, 2)
    assert counts(row(table, "Total: unaccompanied asylum-seeking children")) == (
        2, 0, 2, 0, 0, 0, 2)
    assert table.total["pct_outside"] == pytest.approx(700 / 13)
    # Every line the disclosure control must respect: each authority's rows, the totals.
    assert table.row_sums == [(0, (1, 2)), (3, (4, 5)), (6, (1, 4)), (7, (2, 5)),
                              (TOTAL_ROW, (0, 3)), (TOTAL_ROW, (6, 7))]
