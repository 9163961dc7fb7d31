"""Starts, ends and moves in a period, and the DfE's stability measure (3 or more placements
in the year), from placements recorded through the real commands."""

from __future__ import annotations

from datetime import date

import pytest

from projections.sufficiency.flows import stability, starts_ends_moves, year_after, year_before
from tests.projections.sufficiency_region import Region, filters

D = date


@pytest.fixture
def region(services):
    return Region(services)


def flows(region, scope, **more):
    with region.services.engine.connect() as c:
        return starts_ends_moves(c, scope, filters(**more))


def stable(region, scope, **more):
    with region.services.engine.connect() as c:
        return stability(c, scope, filters(**more))


def test_only_the_first_start_and_the_last_end_of_a_child_count(region):
    twice = region.child("Dorset", D(2025, 6, 1))
    region.end("Dorset", twice, D(2025, 9, 1))
    region.restart("Dorset", twice, D(2025, 12, 1))
    region.end("Dorset", twice, D(2026, 2, 1), rec="E4A")
    region.child("Dorset", D(2025, 4, 1))  # the period's first day
    region.child("Dorset", D(2025, 3, 31))  # the day before it
    later = region.child("Dorset", D(2025, 5, 1))
    region.end("Dorset", later, D(2026, 4, 2))  # ends after the period
    region.child("Dorset", D(2025, 5, 1), legal_status="V3")  # short breaks
    region.catch_up()
    (dorset,) = flows(region, region.scope("Dorset")).rows
    assert (dorset["starts"], dorset["ends"], dorset["moves"]) == (3, 1, 0)


def test_moves_are_changes_of_placement(region):
    ref = region.child("Dorset", D(2024, 1, 1))
    region.move("Dorset", ref, D(2025, 5, 1), rne="P")
    region.move("Dorset", ref, D(2025, 7, 1), rne="T", place="U6")
    region.move("Dorset", ref, D(2025, 8, 1), rne="L", legal_status="C1")  # legal status only
    region.move("Dorset", ref, D(2025, 9, 1), rne="B", legal_status="C2", place="U4")
    region.move("Dorset", ref, D(2025, 10, 1), rne="U", legal_status="E1", place="U5")
    # Placed for adoption with the current foster carer: not a move.
    region.move("Dorset", ref, D(2025, 11, 1), rne="T", place="A5")
    region.move("Dorset", ref, D(2026, 4, 10), rne="P", place="U4")  # after the period
    region.catch_up()
    (dorset,) = flows(region, region.scope("Dorset")).rows
    assert (dorset["starts"], dorset["ends"], dorset["moves"]) == (0, 0, 4)
    # A change of placement with X1 is never an end.
    assert dorset["ends"] == 0


def test_flows_add_up_across_a_partnership(region):
    region.children("Kent", 3, on=D(2025, 6, 1))
    region.children("Portsmouth", 2, on=D(2025, 6, 1))
    region.catch_up()
    table = flows(region, region.scope("Kent", "Portsmouth"))
    assert [r["starts"] for r in table.rows] == [3, 2]
    assert table.total["starts"] == 5
    narrowed = flows(region, region.scope("Kent", "Portsmouth"),
                     place_group="childrens_home")
    assert narrowed.total["starts"] == 0


def test_stability_counts_placements_in_the_year_to_the_periods_end(region):
    # The year runs from 1 April 2025 to 31 March 2026.
    three = region.child("Dorset", D(2024, 1, 1))
    region.move("Dorset", three, D(2025, 5, 1))
    region.move("Dorset", three, D(2025, 8, 1))

    legal_change = region.child("Dorset", D(2024, 1, 1))
    region.move("Dorset", legal_change, D(2025, 5, 1))
    region.move("Dorset", legal_change, D(2025, 6, 1), rne="L", legal_status="C1")

    new_this_year = region.child("Dorset", D(2025, 6, 1))
    region.move("Dorset", new_this_year, D(2025, 7, 1), rne="T", place="U6")
    region.move("Dorset", new_this_year, D(2025, 9, 1), rne="B", legal_status="E1")

    moved_the_day_before = region.child("Dorset", D(2024, 1, 1))
    region.move("Dorset", moved_the_day_before, D(2025, 3, 31))
    region.move("Dorset", moved_the_day_before, D(2025, 6, 1))

    adoption = region.child("Dorset", D(2024, 1, 1))
    region.move("Dorset", adoption, D(2025, 6, 1), rne="T", place="A3")
    region.move("Dorset", adoption, D(2025, 9, 1), place="U4")

    left = region.child("Dorset", D(2024, 1, 1))
    region.move("Dorset", left, D(2025, 5, 1))
    region.move("Dorset", left, D(2025, 6, 1))
    region.end("Dorset", left, D(2026, 3, 1))

    back_again = region.child("Dorset", D(2025, 4, 10))
    region.end("Dorset", back_again, D(2025, 5, 1))
    region.restart("Dorset", back_again, D(2025, 10, 1))
    region.move("Dorset", back_again, D(2025, 11, 1))
    region.catch_up()

    table = stable(region, region.scope("Dorset"))
    (dorset,) = table.rows
    # In care on 31 March 2026: all but the one who left. With 3 or more placements: the
    # three moves, the child new this year (S, T, B) and the one who came back (S, S, P).
    assert (dorset["children"], dorset["three_plus"], dorset["fewer"]) == (6, 3, 3)
    assert dorset["pct"] == pytest.approx(50)
    assert "1 April 2025 to 31 March 2026" in table.definition
    # A year earlier, only those in care on 31 March 2025 count, with that year's moves.
    earlier = stable(region, region.scope("Dorset"), end=D(2025, 3, 31)).rows[0]
    assert (earlier["children"], earlier["three_plus"]) == (5, 0)


def test_years_across_29_february():
    assert year_before(D(2024, 2, 29)) == D(2023, 2, 28)
    assert year_after(D(2024, 2, 29)) == D(2025, 2, 28)
    assert year_before(D(2026, 3, 31)) == D(2025, 3, 31)
