"""The build of the shipped postcode-district CSV: centroids, majority authority, markers."""

from __future__ import annotations

import csv

import pytest

from portal.reference.build_districts import build_rows, read_postcodes, write_csv

LOOKUP = {"E07000110": ("E10000016", "Kent"), "E07000049": ("E10000009", "Dorset (old)")}


def test_each_district_gets_its_mean_grid_reference_and_majority_upper_tier():
    postcodes = [
        ("ME145AA", "E07000110", 577_000.0, 155_000.0),
        ("ME145AB", "E07000110", 577_003.0, 155_001.0),
        ("ME145AD", "E06000035", 577_002.0, 155_002.0),  # Medway, its own upper tier
        ("ME149ZZ", None, None, None),                      # no grid reference: not counted
        ("DT1 1AA", "E06000059", 368_000.0, 90_000.0),
        ("EH1 1AA", "S12000036", 325_000.0, 673_000.0),
        ("CF101AA", "W06000015", 318_000.0, 175_000.0),
        ("BT1 1AA", "N09000003", 333_000.0, 374_000.0),
        ("GY1 1AA", "L99999999", None, None),               # Channel Islands: left out
        ("ZZ1 1AA", "E07000999", 1.0, 1.0),                 # unknown lower tier
    ]
    rows, unmatched = build_rows(postcodes, LOOKUP)
    by_district = {r["district"]: r for r in rows}
    assert by_district["ME14"] == {"district": "ME14", "easting": 577_002, "northing": 155_001,
                                   "postcodes": 3, "la_ons_code": "E10000016",
                                   "la_name": "Kent"}
    assert by_district["DT1"]["la_ons_code"] == "E06000059"
    assert [by_district[d]["la_ons_code"] for d in ("EH1", "CF10", "BT1")] == [
        "SCO", "WAL", "NIR"]
    assert "GY1" not in by_district and "ZZ1" not in by_district
    assert unmatched == {"E07000999": 1}
    assert [r["district"] for r in rows] == ["BT1", "CF10", "DT1", "EH1", "ME14"]


def test_a_tie_goes_to_the_lower_code_and_districts_sort_by_number():
    rows, _ = build_rows([("AB101AA", "E06000002", 10.0, 10.0),
                          ("AB101AB", "E06000001", 20.0, 20.0),
                          ("AB2 1AA", "E06000001", 1.0, 1.0)], {})
    assert [(r["district"], r["la_ons_code"], r["easting"]) for r in rows] == [
        ("AB2", "E06000001", 1), ("AB10", "E06000001", 15)]


def test_the_postcode_files_are_read_without_pandas(tmp_path):
    brotli = pytest.importorskip("brotli")  # the [reference] extra
    msgpack = pytest.importorskip("msgpack")
    payload = {"columns": ["pcd", "laua", "oseast1m", "osnrth1m"],
               "data": {"pcd": ["DT1 1AA", "DT1 9ZZ"], "laua": ["E06000059", float("nan")],
                        "oseast1m": [368_000.0, float("nan")],
                        "osnrth1m": [90_000.0, float("nan")]}}
    path = tmp_path / "postcodes_D.msgpack.br"
    path.write_bytes(brotli.compress(msgpack.packb(payload)))
    assert list(read_postcodes(path)) == [("DT1 1AA", "E06000059", 368_000.0, 90_000.0),
                                          ("DT1 9ZZ", None, None, None)]
    rows, _ = build_rows(read_postcodes(path), {})
    write_csv(rows, tmp_path / "out.csv")
    with (tmp_path / "out.csv").open() as file:
        assert list(csv.DictReader(file)) == [{
            "district": "DT1", "easting": "368000", "northing": "90000", "postcodes": "1",
            "la_ons_code": "E06000059", "la_name": ""}]
