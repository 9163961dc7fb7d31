"""Postcode districts: the shipped ONS rows, administrators' additions on top, kept through
rebuilds and "as at" replays; postcode normalisation and the DfE's distance formula."""

from __future__ import annotations

import csv
from uuid import uuid4

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from domain.errors import PermissionDenied
from domain.postcode import NotAPostcode, normalise_postcode
from portal.demo.region import AUTHORITIES
from projections.gazetteer import (
    SHIPPED_CSV,
    District,
    Gazetteer,
    distance_miles,
    district,
    district_distance,
    districts,
    postcode_districts,
    shipped_districts,
)
from projections.timetravel import rebuild_as_at, take_snapshot
from tests.projections.scenario import build_region

ME21 = {"district": "ME21", "easting": 577000, "northing": 155000, "la_ons_code": "E10000016"}


def shipped() -> dict[str, dict]:
    with SHIPPED_CSV.open(encoding="utf-8", newline="") as file:
        return {row["district"]: row for row in csv.DictReader(file)}


# --- normalisation and distance ------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("ME14 5XX", ("ME14", "ME14 5")),
    ("me145xx", ("ME14", "ME14 5")),
    ("  m1   1ae ", ("M1", "M1 1")),
    ("M11AE", ("M1", "M1 1")),
    ("EC1A 1BB", ("EC1A", "EC1A 1")),
    ("ec1a1bb", ("EC1A", "EC1A 1")),
    ("DT1 1", ("DT1", "DT1 1")),
    ("ME141", ("ME14", "ME14 1")),
    ("dt1", ("DT1", None)),
    ("DT11", ("DT11", None)),  # four characters without a space: the district DT11
    ("W1A", ("W1A", None)),
])
def test_postcodes_sectors_and_districts_in_any_case_and_spacing(text, expected):
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize("junk", ["", "   ", None, "hello", "12345", "ME14 5X", "ME14 XX",
                                  "ME14 5XX 1", "ME145XXX", "1ME 4AA", "DT1 1AB;DROP"])
def test_junk_is_refused(junk):
    with pytest.raises(NotAPostcode, match="Enter a postcode, a postcode sector or a postcode"):
        normalise_postcode(junk)


def test_distance_is_metres_over_1000_over_1_6093_to_one_decimal_place():
    # A 30 km by 40 km right angle: 50,000 m; 50 / 1.6093 = 31.0694... -> 31.1 miles.
    assert distance_miles(400_000, 100_000, 430_000, 140_000) == 31.1
    # DT1 (368703, 90437) to ME14 (577252, 155918): dx 208,549, dy 65,481, so
    # sqrt(208549^2 + 65481^2) = 218,587.3 m; / 1000 / 1.6093 = 135.83 -> 135.8 miles.
    assert distance_miles(368_703, 90_437, 577_252, 155_918) == 135.8
    assert distance_miles(577_252, 155_918, 368_703, 90_437) == 135.8
    assert distance_miles(1, 1, 1, 1) == 0.0
    # 20 miles is 32,186 m by this formula: just over is over.
    assert distance_miles(0, 0, 32_186, 0) == 20.0
    assert distance_miles(0, 0, 32_350, 0) == 20.1


def test_distances_are_unknown_for_unknown_districts_or_across_grids():
    home = District("DT1", 368_703, 90_437, "E06000059", "ons")
    belfast = District("BT1", 333_929, 374_334, "NIR", "ons")
    derry = District("BT48", 243_000, 418_000, "NIR", "ons")
    assert district_distance(home, None) is None
    assert district_distance(None, home) is None
    assert district_distance(home, belfast) is None  # Irish Grid against British Grid
    assert district_distance(belfast, derry) == distance_miles(333_929, 374_334, 243_000,
                                                               418_000)


# --- the shipped file ----------------------------------------------------------------------

def test_the_shipped_file_covers_great_britain_and_maps_the_partner_districts():
    rows = shipped()
    assert len(rows) > 2_900
    markers = {r["la_ons_code"] for r in rows.values() if not r["la_ons_code"].startswith("E")}
    assert markers == {"SCO", "WAL", "NIR"}
    dorset = [d for d in rows if d.startswith("DT")]
    assert len(dorset) == 11
    assert {rows[d]["la_ons_code"] for d in dorset} == {"E06000059"}
    for kent in ("ME14", "CT1", "TN23"):
        assert (rows[kent]["la_ons_code"], rows[kent]["la_name"]) == ("E10000016", "Kent")
    assert rows["EH1"]["la_ons_code"] == "SCO" and rows["CF10"]["la_ons_code"] == "WAL"
    assert rows["TA1"]["la_ons_code"] == "E06000066"  # Somerset, unitary since 2023
    for authority in AUTHORITIES:  # every demo district lies in its own authority
        for name in authority.postcode_districts:
            assert rows[name]["la_ons_code"] == authority.ons_code, (name, authority.name)


def test_shipped_centroids_are_on_the_grid_and_no_english_district_lacks_an_authority():
    for row in shipped().values():
        assert 0 <= int(row["easting"]) <= 700_000 and 0 <= int(row["northing"]) <= 1_300_000
        assert int(row["postcodes"]) > 0 and row["la_name"]
    me14 = shipped()["ME14"]  # Maidstone: about 577 km east, 156 km north
    assert abs(int(me14["easting"]) - 577_000) < 3_000
    assert abs(int(me14["northing"]) - 156_000) < 3_000


# --- the read model --------------------------------------------------------------------------

def table(engine) -> dict[str, tuple]:
    with engine.connect() as c:
        return {r.district: (r.easting, r.northing, r.la_ons_code, r.source)
                for r in c.execute(sa.select(postcode_districts))}


def add(portal, *rows, actor=None) -> int:
    _, position = portal.add_districts(actor or Actor.system(), rows=list(rows),
                                       file_name="districts.csv", file_sha256="b" * 64)
    return position


def test_a_new_database_holds_every_shipped_district(services):
    rows = table(services.engine)
    assert len(rows) == len(shipped_districts()) == len(shipped())
    assert rows["DT1"] == (368_703, 90_437, "E06000059", "ons")
    with services.engine.connect() as c:
        assert district(c, "dt1 1ab") == District("DT1", 368_703, 90_437, "E06000059", "ons")
        assert district(c, "ZZ9") is None and district(c, "junk") is None
        found = districts(c, ["ME14 5XX", "CT1", "nonsense", None, "ZZ9 9ZZ"])
        assert sorted(found) == ["CT1", "ME14"]


def test_setting_up_again_seeds_nothing_twice(services):
    before = table(services.engine)
    services.projections.setup()
    assert table(services.engine) == before


def test_added_districts_extend_and_override_and_are_used_afterwards(services):
    services.projections.wait_for(add(services.portal, ME21, {
        "district": "DT1", "easting": 368_000, "northing": 90_000, "la_ons_code": "E06000059"}))
    rows = table(services.engine)
    assert rows["ME21"] == (577_000, 155_000, "E10000016", "added")
    assert rows["DT1"] == (368_000, 90_000, "E06000059", "added")
    assert len(rows) == len(shipped()) + 1
    with services.engine.connect() as c:
        home, placed = district(c, "ME21 1AA"), district(c, "ME14 5XX")
    assert home.source == "added"
    assert district_distance(home, placed) == distance_miles(577_000, 155_000,
                                                             placed.easting, placed.northing)


def test_rebuilds_and_as_at_replays_keep_shipped_and_added_rows(services):
    build_region(services.portal)
    first = add(services.portal, ME21)
    services.projections.catch_up()
    take_snapshot(services.engine, services.projections.projections["gazetteer"],
                  services.snapshot_key)
    services.portal.register_platform_organisation(Actor.system(), name="Office")
    add(services.portal, {**ME21, "easting": 578_000})
    services.projections.catch_up()
    live = table(services.engine)
    assert live["ME21"] == (578_000, 155_000, "E10000016", "added")
    services.projections.rebuild(["gazetteer"])
    assert table(services.engine) == live
    services.projections.rebuild()
    assert table(services.engine) == live
    head = services.portal.last_position()
    # As it stood after the first upload, and now: replayed from nothing, or from the snapshot
    # taken after the first upload.
    for position, easting in ((first, 577_000), (head, 578_000)):
        for use_snapshots in (False, True):
            as_at = rebuild_as_at(services.portal, services.engine, [Gazetteer()], position,
                                  key=services.snapshot_key, use_snapshots=use_snapshots)
            assert as_at.started_from["gazetteer"] == (first if use_snapshots else 0)
            rows = table(as_at.engine)
            assert rows["ME21"] == (easting, 155_000, "E10000016", "added")
            assert {k: v for k, v in rows.items() if k != "ME21"} == {
                k: v for k, v in live.items() if k != "ME21"}
            as_at.close()


def test_only_a_platform_administrator_or_the_system_adds_districts(services):
    authorities, _ = build_region(services.portal)
    officer = Actor(uuid4(), authorities[0])
    with pytest.raises(PermissionDenied, match="Only a platform administrator"):
        add(services.portal, ME21, actor=officer)
    platform, _ = services.portal.register_platform_organisation(Actor.system(), name="Office")
    services.projections.wait_for(add(services.portal, ME21, actor=Actor(uuid4(), platform)))
    assert table(services.engine)["ME21"][3] == "added"
