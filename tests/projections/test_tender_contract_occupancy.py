"""A block contract awarded through a joint tender feeds the sufficiency views: once the lead
enters it and children are placed under it, its occupancy, empty nights and void cost show in
the block-contract table and its spend in spend by route, all through the real commands."""

from __future__ import annotations

from datetime import date

import pytest

from projections.sufficiency import money
from tests.application.tender_world import build_world, run_to
from tests.projections.placement_world import World, filters, rows_by

PERIOD_START, ON = date(2026, 5, 1), date(2026, 6, 30)  # 61 nights, 1 May to 30 June
WEEKLY_PRICE = 6_200  # Weald Homes' winning bid for lot 1 (tests/domain/tender_world.py)


@pytest.fixture
def region(services):
    tenders = build_world(services.portal)
    kent = tenders.kent
    world = World(services, today=date(2026, 7, 1))
    world.la_codes[kent], world.names[kent] = "886", "Kent"
    made = run_to(tenders, "contracted")  # Kent: 10 places from 1 May 2026
    home = world.setting(tenders.weald, "Weald House", "childrens_home", kent, "ME14", 12)
    under_contract = dict(place="K2", place_provider="PR4", provider_id=tenders.weald,
                          setting_id=home, contract_route="block",
                          contract_id=made["contract"], weekly_cost=WEEKLY_PRICE)
    for _ in range(6):
        world.child(kent, PERIOD_START, **under_contract)
    for _ in range(2):
        world.child(kent, date(2026, 6, 1), **under_contract)
    world.catch_up()
    return world, kent, made


def test_an_awarded_block_contract_shows_its_occupancy_once_children_are_placed(region):
    world, kent, _ = region
    with world.services.engine.connect() as c:
        april = money.block_contracts(c, world.scope(kent), filters(
            date(2026, 4, 30), period_start=date(2026, 4, 1), period_end=date(2026, 4, 30)))
        table = money.block_contracts(c, world.scope(kent), filters(
            ON, period_start=PERIOD_START, period_end=ON))
    row = rows_by(table, "contract")["South East complex needs: Complex needs homes"]
    # 10 places x 61 nights = 610; six children all period (366) and two from 1 June (60).
    assert {k: row[k] for k in ("places", "children", "contracted_nights", "occupied_nights",
                                "occupancy", "empty_nights", "empty_cost", "occupied_on",
                                "occupancy_on")} == {
        "places": 10, "children": 8, "contracted_nights": 610, "occupied_nights": 426,
        "occupancy": 69.8, "empty_nights": 184, "empty_cost": 184 * WEEKLY_PRICE // 7,
        "occupied_on": 8, "occupancy_on": 80.0}
    assert row["let_by"] == "Awarded by a tender in the portal"
    assert april.rows == []  # entered, but it starts on 1 May
    assert (row["provider"], row["authority"]) == ("Weald Homes", "Kent")


def test_its_placements_count_as_block_spend(region):
    world, kent, _ = region
    with world.services.engine.connect() as c:
        table = money.spend_by_route(c, world.scope(kent), filters(ON))
    block = rows_by(table, "route")["Block contract"]
    assert (block["with_cost"], block["without_cost"], block["weekly_total"],
            block["annual"]) == (8, 0, 8 * WEEKLY_PRICE, 8 * WEEKLY_PRICE * 52)
