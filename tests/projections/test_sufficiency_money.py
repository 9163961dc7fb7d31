"""Cost by placement type and by route, and block-contract occupancy, from events built through
the real commands, each figure checked against a hand-computed expectation."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.errors import NotFound
from projections.sufficiency import money, spend
from projections.sufficiency.common import shared_queries
from projections.sufficiency.disclosure import suppress
from projections.sufficiency.occupancy import _occupied_nights
from projections.sufficiency.tables import HIDDEN, Scope
from tests.projections.placement_world import SYSTEM, World, filters, rows_by

ON = date(2025, 4, 10)
PERIOD = dict(period_start=date(2025, 1, 1), period_end=ON)  # 100 nights, 1 Jan to 10 Apr
HOME = dict(place="K2", place_provider="PR4")


@pytest.fixture
def world(services):
    w = World(services, today=date(2025, 6, 1))
    w.dorset = dorset = w.authority("Dorset", "838", "E06000059")
    w.kent = kent = w.authority("Kent", "886", "E10000016")
    homes = w.provider("Homes Ltd")
    carers = w.provider("Carers Ltd", kind="fostering_agency")
    dorset_home = w.setting(homes, "Dorset House", "childrens_home", dorset, "DT1", 6)
    kent_home = w.setting(homes, "Kent House", "childrens_home", kent, "ME14", 6)
    agency = w.setting(carers, "Carers Dorset", "independent_fostering_agency", dorset, "DT2", 9)
    block = w.contract(dorset, homes, title="Dorset block", start=date(2024, 6, 1),
                       end=date(2026, 6, 1), places=4, weekly_price=3500)
    # Awarded by a tender, terminated after 60 nights of the period (1 January to 1 March).
    short = w.contract(dorset, homes, title="Short block", start=date(2024, 1, 1),
                       end=date(2027, 1, 1), places=2, weekly_price=2800, tender_id=uuid4())
    w.portal.terminate_contract(SYSTEM, short, on=date(2025, 3, 2),
                                reason="Provider closed the home")
    w.contract(dorset, homes, title="Old block", start=date(2023, 1, 1), end=date(2025, 1, 1),
               places=3, weekly_price=3000)  # ended before the period: never shown
    framework = w.contract(dorset, homes, title="Homes framework", route="framework",
                           start=date(2024, 1, 1), end=date(2027, 1, 1), places=None,
                           weekly_price=4000)
    kent_block = w.contract(kent, homes, title="Kent block", start=date(2024, 1, 1),
                            end=date(2026, 1, 1), places=3, weekly_price=7000)
    begin = date(2024, 12, 1)
    in_dorset = dict(HOME, provider_id=homes, setting_id=dorset_home)
    in_kent = dict(HOME, provider_id=homes, setting_id=kent_home)
    # Four children fill the block; two leave after 50 nights of the period (20 February).
    for leaves in (None, None, date(2025, 2, 20), date(2025, 2, 20)):
        ref = w.child(dorset, begin, **in_dorset, contract_route="block", contract_id=block,
                      weekly_cost=3500)
        if leaves:
            w.end(dorset, ref, leaves)
    ref = w.child(dorset, begin, **in_dorset, contract_route="block", contract_id=short,
                  weekly_cost=2800)
    w.end(dorset, ref, date(2025, 3, 2), rec="E8")
    w.child(dorset, begin, **in_kent, contract_route="framework", contract_id=framework,
            weekly_cost=4000)
    w.child(dorset, begin, **in_kent, contract_route="spot", weekly_cost=5000)
    w.child(dorset, begin, **HOME, contract_route="spot")  # cost not recorded
    w.child(dorset, begin, place="U4", place_provider="PR1", contract_route="in_house",
            weekly_cost=450)
    w.child(dorset, begin, place="U4", place_provider="PR1", contract_route="in_house")
    w.child(dorset, begin, place="U6", place_provider="PR4", provider_id=carers,
            setting_id=agency, contract_route="framework", weekly_cost=900)
    w.child(dorset, begin, place="U1", weekly_cost=0)  # kinship, route not recorded, £0
    # Looked after under short breaks only (V3): not counted.
    w.child(dorset, begin, **HOME, legal_status="V3", contract_route="spot", weekly_cost=2000)
    ref = w.child(dorset, begin, place="U4", place_provider="PR1", contract_route="in_house",
                  weekly_cost=500)
    w.end(dorset, ref, date(2025, 3, 1))  # ended before the date
    ref = w.child(dorset, begin, place="U6", place_provider="PR4", contract_route="framework",
                  weekly_cost=800)
    w.change(dorset, ref, date(2025, 3, 15), **HOME, contract_route="spot", weekly_cost=6000)
    w.child(kent, date(2024, 6, 1), **in_kent, contract_route="block", contract_id=kent_block,
            weekly_cost=7000)
    w.catch_up()
    return w


def test_cost_by_type_counts_open_placements_and_leaves_unknown_costs_out(world):
    with world.services.engine.connect() as c:
        table = money.cost_by_type(c, world.scope(world.dorset), filters(ON))
    rows = rows_by(table, "group")
    assert list(rows) == ["Foster care with relatives or friends", "Foster care, council carers",
                          "Foster care, independent fostering agency",
                          "Children's homes (including secure)"]
    homes = rows["Children's homes (including secure)"]
    # 3,500 + 3,500 (block) + 4,000 (framework) + 5,000 + 6,000 (spot); one without a cost.
    assert homes == {"group": "Children's homes (including secure)", "with_cost": 5,
                     "without_cost": 1, "average": 4400, "weekly_total": 22000,
                     "annual": 22000 * 52}
    assert rows["Foster care, council carers"] == {
        "group": "Foster care, council carers", "with_cost": 1, "without_cost": 1,
        "average": 450, "weekly_total": 450, "annual": 23400}
    assert rows["Foster care with relatives or friends"]["average"] == 0  # £0 is a cost
    assert table.total == {"group": "All placement types", "with_cost": 8, "without_cost": 2,
                           "average": 2919, "weekly_total": 23350, "annual": 1_214_200}
    assert "excluding VAT" in table.definition and "52" in table.definition
    assert "10 April 2025" in table.definition
    assert {col.key: col.kind for col in table.columns}["with_cost"] == "count"
    assert {col.key: col.kind for col in table.columns}["average"] == "money"


def test_spend_by_route(world):
    with world.services.engine.connect() as c:
        table = money.spend_by_route(c, world.scope(world.dorset), filters(ON))
    got = {row["route"]: (row["with_cost"], row["without_cost"], row["weekly_total"],
                          row["average"], row["annual"]) for row in table.rows}
    assert got == {
        "In-house": (1, 1, 450, 450, 23_400),
        "Block contract": (2, 0, 7000, 3500, 364_000),
        "Framework or dynamic purchasing system": (2, 0, 4900, 2450, 254_800),
        "Spot purchase": (2, 1, 11_000, 5500, 572_000),
        "Route not recorded": (1, 0, 0, 0, 0),
    }
    assert list(got) == ["In-house", "Block contract", "Framework or dynamic purchasing system",
                         "Spot purchase", "Route not recorded"]  # in the routes' order
    assert table.total["weekly_total"] == 23350


def test_spend_by_type_and_route_splits_residential_spend(world):
    with world.services.engine.connect() as c:
        table = money.spend_by_type_and_route(c, world.scope(world.dorset), filters(ON))
    got = {row["type_route"]: row["annual"] for row in table.rows}
    homes = "Children's homes (including secure)"
    assert got[f"{homes}: Block contract"] == 7000 * 52
    assert got[f"{homes}: Framework or dynamic purchasing system"] == 4000 * 52
    assert got[f"{homes}: Spot purchase"] == 11_000 * 52
    assert got["Foster care, independent fostering agency: Framework or dynamic purchasing "
               "system"] == 900 * 52
    assert len(got) == 6


def test_area_and_type_filters(world):
    both = world.scope(world.dorset, world.kent)
    with world.services.engine.connect() as c:
        everyone = money.cost_by_type(c, both, filters(ON))
        kent = money.cost_by_type(c, both, filters(ON, area=world.kent))
        with pytest.raises(NotFound):  # an area outside the scope: refused, never counted
            money.cost_by_type(c, world.scope(world.dorset), filters(ON, area=world.kent))
        fostering = money.spend_by_route(c, both, filters(ON, place_group="fostering_in_house"))
    homes = "Children's homes (including secure)"
    assert rows_by(everyone, "group")[homes]["weekly_total"] == 22000 + 7000
    assert [(r["group"], r["with_cost"], r["weekly_total"]) for r in kent.rows] == [
        (homes, 1, 7000)]
    assert [(r["route"], r["with_cost"], r["without_cost"]) for r in fostering.rows] == [
        ("In-house", 1, 1)]


def test_block_contract_half_empty_for_half_the_period(world):
    with world.services.engine.connect() as c:
        table = money.block_contracts(c, world.scope(world.dorset), filters(ON, **PERIOD))
    rows = rows_by(table, "contract")
    assert list(rows) == ["Dorset block", "Short block"]  # the old block ended 1 January
    block = rows["Dorset block"]
    # 4 places x 100 nights = 400; full for 50 nights, two of four for 50: 200 + 100 = 300.
    assert {k: block[k] for k in ("places", "children", "contracted_nights",
                                  "occupied_nights", "occupancy", "empty_nights",
                                  "empty_cost", "occupied_on", "occupancy_on")} == {
        "places": 4, "children": 4, "contracted_nights": 400, "occupied_nights": 300,
        "occupancy": 75.0, "empty_nights": 100, "empty_cost": 100 * 3500 // 7,
        "occupied_on": 2, "occupancy_on": 50.0}
    assert block["let_by"] == "Recorded by the authority"
    assert block["provider"] == "Homes Ltd" and block["authority"] == "Dorset"


def test_terminated_contract_counts_nights_until_termination(world):
    with world.services.engine.connect() as c:
        table = money.block_contracts(c, world.scope(world.dorset), filters(ON, **PERIOD))
    short = rows_by(table, "contract")["Short block"]
    # Live 1 January to 1 March: 60 nights x 2 places; one child all that time.
    assert (short["contracted_nights"], short["occupied_nights"], short["occupancy"],
            short["empty_cost"]) == (120, 60, 50.0, 60 * 2800 // 7)
    assert short["occupied_on"] is None and short["occupancy_on"] is None  # not live then
    assert short["let_by"] == "Awarded by a tender in the portal"
    assert table.total["contracted_nights"] == 520
    assert table.total["occupancy"] == pytest.approx(round(100 * 360 / 520, 1))
    assert table.total["empty_cost"] == 50_000 + 24_000
    assert table.total["occupancy_on"] == 50.0  # only the live block: 2 of 4 places
    assert "80 to 85%" in table.definition


def test_block_contracts_by_area_type_and_period(world):
    both = world.scope(world.dorset, world.kent)
    with world.services.engine.connect() as c:
        kent = money.block_contracts(c, both, filters(ON, area=world.kent, **PERIOD))
        fostering = money.block_contracts(c, both, filters(ON, place_group="fostering_agency",
                                                           **PERIOD))
        later = money.block_contracts(c, both, filters(date(2025, 6, 1),
                                                       period_start=date(2025, 5, 1),
                                                       period_end=date(2025, 5, 31)))
    assert [(r["contract"], r["occupancy"]) for r in kent.rows] == [("Kent block", 33.3)]
    assert fostering.rows == []
    assert [r["contract"] for r in later.rows] == ["Dorset block", "Kent block"]
    assert rows_by(later, "contract")["Dorset block"]["occupied_nights"] == 2 * 31


def test_a_night_with_more_children_than_places_counts_as_full():
    day = date(2025, 1, 1)
    stays = [(day, date(2025, 1, 11))] * 3 + [(date(2025, 1, 6), date(2025, 1, 11))]
    assert _occupied_nights(stays, places=3) == 30
    assert _occupied_nights(stays, places=4) == 35
    assert _occupied_nights([], places=2) == 0


def test_every_money_table_survives_disclosure_control_across_authorities(world):
    both = world.scope(world.dorset, world.kent)
    with world.services.engine.connect() as c:
        tables = [measure(c, both, filters(ON, **PERIOD)) for measure in money.MEASURES]
    for table in tables:
        keys = {col.key for col in table.columns}
        assert all(set(row) - keys <= {"_authority_id"} for row in table.rows), table.key
    by_key = {t.key: suppress(t, viewer_authority=world.dorset) for t in tables}
    homes = rows_by(by_key["cost-by-type"], "group")["Children's homes (including secure)"]
    assert homes["with_cost"] == 6 and homes["average"] == round(29000 / 6)
    agency = rows_by(by_key["cost-by-type"], "group")[
        "Foster care, independent fostering agency"]
    assert agency["with_cost"] == HIDDEN and agency["average"] == HIDDEN  # one child's cost
    kent = rows_by(by_key["block-contracts"], "contract")["Kent block"]
    assert kent["occupied_on"] == HIDDEN and kent["occupancy_on"] == HIDDEN
    dorset = rows_by(by_key["block-contracts"], "contract")["Dorset block"]
    assert dorset["occupancy"] == 75.0 and dorset["empty_cost"] == 50_000  # not counts


def test_the_whole_region_and_a_shared_pass_give_the_same_figures(world):
    """A region view reads every episode without a list of authorities, and a dashboard shares
    one pass between the money measures: neither may change a figure."""
    both = world.scope(world.dorset, world.kent)
    region = Scope("region", "Region", both.authority_ids, disclose=False)
    with world.services.engine.connect() as c:
        separately = [m(c, both, filters(ON, **PERIOD)) for m in money.MEASURES]
        with shared_queries():
            together = [m(c, region, filters(ON, **PERIOD)) for m in money.MEASURES]
    assert [(t.rows, t.total) for t in together] == [(t.rows, t.total) for t in separately]


def test_financial_years_end_on_31_march():
    assert spend.financial_year(date(2026, 11, 23)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert spend.financial_year(date(2026, 3, 31)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert spend.financial_year(date(2026, 3, 30)) == (date(2024, 4, 1), date(2025, 3, 31))
    assert spend.year_label(date(2024, 4, 1)) == "2024/25"
    assert spend.year_label(date(1999, 4, 1)) == "1999/00"


def test_spend_in_year_is_weekly_cost_times_days_in_the_year_over_7(world):
    """Financial year 2024/25 (1 April 2024 to 31 March 2025); every child from 1 December:
    121 days to the year's end, 81 to 20 February, 91 to 2 March, 104 to 15 March."""
    with world.services.engine.connect() as c:
        table = spend.spend_in_year(c, world.scope(world.dorset), filters(ON))
    assert table.title == "Spend in the financial year 2024/25"
    assert "1 April 2024 to 31 March 2025" in table.definition
    assert "divided by 7" in table.definition
    got = {row["type_route"]: (row["with_cost"], row["without_cost"], row["spend"])
           for row in table.rows}
    homes = "Children's homes (including secure)"
    # (2 x 121 + 2 x 81) x 3,500 + 91 x 2,800 = 1,668,800; over 7: 238,400.
    assert got[f"{homes}: Block contract"] == (5, 0, 238_400)
    # 121 x 4,000 / 7 = 69,142.86.
    assert got[f"{homes}: Framework or dynamic purchasing system"] == (1, 0, 69_143)
    # 121 x 5,000 + 17 x 6,000 (from 15 March) = 707,000; one home without a cost.
    assert got[f"{homes}: Spot purchase"] == (2, 1, 101_000)
    # 121 x 900 + 104 x 800 (to 15 March) = 192,100; over 7: 27,442.86.
    assert got["Foster care, independent fostering agency: Framework or dynamic purchasing "
               "system"] == (2, 0, 27_443)
    # The short breaks (V3) child is left out; the total adds up the exact amounts.
    assert table.total["with_cost"] == sum(w for w, _, _ in got.values())
    assert abs(table.total["spend"] - sum(s for _, _, s in got.values())) <= len(got)


def test_spend_in_year_before_any_placement_is_empty(world):
    with world.services.engine.connect() as c:
        table = spend.spend_in_year(c, world.scope(world.dorset), filters(date(2024, 5, 1)))
    assert table.title == "Spend in the financial year 2023/24"
    assert (table.rows, table.total) == ([], None)
