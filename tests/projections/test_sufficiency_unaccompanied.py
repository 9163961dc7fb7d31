"""Unaccompanied asylum-seeking children: the rate per 10,000 without them, and each
authority's unaccompanied children against the National Transfer Scheme threshold (0.1% of
its children aged 0 to 17), on worked examples recorded through the real commands."""

from __future__ import annotations

from datetime import date

import pytest

from projections.sufficiency.population import (
    BELOW,
    REACHED,
    children_in_care,
    nts_status,
    nts_threshold,
    unaccompanied_children,
)
from projections.sufficiency.tables import TOTAL_ROW, in_care_uasc
from tests.projections.sufficiency_region import Region, filters, row


@pytest.fixture
def region(services):
    world = Region(services)
    # Dorset (66,100 children aged 0 to 17): 10 in care, 3 of them unaccompanied, and one
    # unaccompanied child who had left before the date. Kent (345,000): 6 and 4.
    world.children("Dorset", 7)
    world.children("Dorset", 3, uasc=True, place="K2", place_provider="PR4")
    gone = world.child("Dorset", date(2024, 1, 1), uasc=True)
    world.end("Dorset", gone, date(2025, 6, 1), rec="E15")
    world.children("Kent", 2)
    world.children("Kent", 4, uasc=True)
    world.catch_up()
    return world


def measure(region, function, scope, **more):
    with region.services.engine.connect() as c:
        return function(c, scope, filters(**more))


def test_the_rate_excluding_unaccompanied_children_leaves_them_out_of_the_count(region):
    table = measure(region, children_in_care, region.scope("Dorset"))
    (dorset,) = table.rows
    assert (dorset["children"], dorset["not_uasc"], dorset["uasc"]) == (10, 7, 3)
    # 10 / 66,100 x 10,000 = 1.51; without the 3 unaccompanied children, 7 of the same
    # population: 1.06 per 10,000.
    assert dorset["rate"] == pytest.approx(1.5129, abs=1e-4)
    assert dorset["rate_not_uasc"] == pytest.approx(1.0590, abs=1e-4)
    assert table.column("children").parts == ("not_uasc", "uasc")
    assert "excluding unaccompanied asylum-seeking children" in table.definition
    assert "National Transfer Scheme" in table.definition


def test_a_partnership_adds_up_its_authorities_with_and_without_them(region):
    table = measure(region, children_in_care, region.region_scope())
    dorset, kent = row(table, "Dorset"), row(table, "Kent")
    assert (kent["children"], kent["not_uasc"], kent["uasc"]) == (6, 2, 4)
    assert (table.total["children"], table.total["not_uasc"], table.total["uasc"]) == (16, 9, 7)
    population = 66_100 + 345_000 + 43_000
    assert table.total["rate_not_uasc"] == pytest.approx(9 * 10_000 / population)
    assert dorset["rate_not_uasc"] == pytest.approx(7 * 10_000 / 66_100)
    # The same figures as the out-of-area table's rows with and without them.
    assert table.facts[(TOTAL_ROW, "uasc")] == in_care_uasc("all", True)
    south_east = row(table, "South East partnership")
    assert (south_east["not_uasc"], south_east["uasc"]) == (2, 4)


def test_the_national_transfer_scheme_threshold_is_a_tenth_of_a_percent():
    assert nts_threshold(66_100) == pytest.approx(66.1)
    assert nts_threshold(None) is None
    # "Reaches" 0.1%: at or over it.
    assert nts_status(66, 66_100) == BELOW
    assert nts_status(67, 66_100) == REACHED
    assert nts_status(66, 66_000) == REACHED
    assert nts_status(0, None) is None


def test_each_authority_against_the_threshold(region):
    table = measure(region, unaccompanied_children, region.region_scope())
    dorset, kent = row(table, "Dorset"), row(table, "Kent")
    # Dorset: 3 of a threshold of 66.1; 3 / 66,100 = 0.45 per 10,000.
    assert (dorset["uasc"], dorset["status"]) == (3, BELOW)
    assert dorset["threshold"] == pytest.approx(66.1)
    assert dorset["rate"] == pytest.approx(0.4539, abs=1e-4)
    assert (kent["uasc"], kent["threshold"]) == (4, pytest.approx(345.0))
    # The scheme's threshold is each authority's own: the total has none.
    assert table.total["uasc"] == 7
    assert (table.total["threshold"], table.total["status"]) == (None, None)
    assert "0.1%" in table.definition and "National Transfer Scheme" in table.definition
    # Counted on the date: the child who left in June 2025 is not, the day before they left
    # they were.
    before = measure(region, unaccompanied_children, region.scope("Dorset"),
                     on=date(2025, 5, 31))
    assert before.rows[0]["uasc"] == 4


def test_an_authority_over_the_threshold_has_reached_it(services):
    world = Region(services)
    # Portsmouth: 43,000 children, a threshold of 43; with 43 unaccompanied children it has
    # reached it: 10 per 10,000.
    world.children("Portsmouth", 43, uasc=True)
    world.children("Portsmouth", 5)
    world.catch_up()
    table = measure(world, unaccompanied_children, world.scope("Portsmouth"))
    (portsmouth,) = table.rows
    assert (portsmouth["uasc"], portsmouth["status"]) == (43, REACHED)
    assert portsmouth["rate"] == pytest.approx(10.0)


def test_a_type_filter_does_not_narrow_the_threshold(region):
    table = measure(region, unaccompanied_children, region.scope("Dorset"),
                    place_group="fostering_in_house")
    assert table.rows[0]["uasc"] == 3  # the three in children's homes still count
    assert any("Every placement type is counted" in note for note in table.notes)
