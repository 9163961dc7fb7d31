"""An administrator's CSV of postcode districts: every refused line reported with its number
and reason; an unusable file refused whole; the upload event holds only clean rows."""

from __future__ import annotations

import hashlib
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.district_file import read_district_file
from domain.errors import DomainError
from domain.gazetteer import DistrictUpload, check_district_row

HEADER = "district,easting,northing,la_ons_code\n"


def test_a_good_file_gives_clean_rows_and_its_hash():
    data = (HEADER + "me99, 577000 ,155000,e10000016\n\nDT1,368703,90437,E06000059\n").encode()
    report = read_district_file(data)
    assert report.usable and report.problem is None and report.rejected == []
    assert report.rows == [
        {"district": "ME99", "easting": 577000, "northing": 155000, "la_ons_code": "E10000016"},
        {"district": "DT1", "easting": 368703, "northing": 90437, "la_ons_code": "E06000059"},
    ]
    assert report.sha256 == hashlib.sha256(data).hexdigest()


def test_columns_in_any_order_and_case_with_a_byte_order_mark_and_extra_columns():
    data = ("\ufeffLA_ONS_CODE,Northing,name,District,Easting\r\n"
            "SCO,673891,Edinburgh,EH1,325656\r\n").encode()
    report = read_district_file(data)
    assert report.rows == [{"district": "EH1", "easting": 325656, "northing": 673891,
                            "la_ons_code": "SCO"}]
    assert report.ignored_columns == ["name"]


def test_every_bad_line_is_reported_with_its_number_and_reasons():
    data = (HEADER
            + "ME99,577000,155000,E10000016\n"      # line 2: fine
            + "ME98,5770.5,155000,E10000016\n"      # 3: not whole metres
            + "ME97,abc,-5,E10000016\n"             # 4: two bad numbers
            + "ME 14 5XX,1,1,E10000016\n"           # 5: a postcode, not a district
            + "ME96,900000,1400000,E10000016\n"     # 6: off the grid
            + "ME95,1,1,E07000110\n"                # 7: a lower-tier district council
            + "ME94,1,1,KENT\n"                     # 8: not a code
            + "me99,1,1,E10000016\n"                # 9: duplicate of line 2
            + "ME93,1\n"                            # 10: too few values
            + ",,,\n").encode()                     # 11: blank: skipped, not an error
    report = read_district_file(data)
    assert report.usable
    assert [r["district"] for r in report.rows] == ["ME99"]
    reasons = {r.line: r.reason for r in report.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "Easting must be a whole number of metres" in reasons[3]
    assert "Easting must be a whole number" in reasons[4]
    assert "Northing must be a whole number" in reasons[4]
    assert "is not a postcode district" in reasons[5]
    assert "Easting must be between 0 and 700,000 metres" in reasons[6]
    assert "Northing must be between 0 and 1,300,000 metres" in reasons[6]
    assert "E07000110 is a district council" in reasons[7]
    assert "'KENT' is not an upper-tier authority's ONS code" in reasons[8]
    assert reasons[9] == "ME99 is already on line 2"
    assert "Northing is missing" in reasons[10]
    assert "The authority's ONS code is missing" in reasons[10]


def test_line_numbers_count_physical_lines_of_quoted_values():
    data = (HEADER + '"DT1",368703,90437,"E06000059"\n' + "DT2,x,1,E06000059\n").encode()
    assert [r.line for r in read_district_file(data).rejected] == [3]


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "The file is empty"),
    (b"  \n\n", "The file is empty"),
    ("district,easting,northing,la_ons_code\nDT1,1,1,\u00a3\n".encode("cp1252"),
     "The file is not UTF-8 text"),
    (b"\xff\xfed\x00i\x00s\x00", "The file is not UTF-8 text"),
    (b"district,easting,northing\nDT1,1,1\n", "la_ons_code is missing"),
    (b"postcode,x,y,authority\nDT1,1,1,E06000059\n",
     "district, easting, northing, la_ons_code are missing"),
    (HEADER.encode(), "The file has a header line but no districts"),
    ((HEADER + "DT1,x,1,E06000059\nDT2,1,1,E07000001\n").encode(),
     "No line of the file could be used"),
    (b"district,easting\x00,northing,la_ons_code\n", "holds binary data"),
])
def test_an_unusable_file_says_why(data, problem):
    report = read_district_file(data)
    assert not report.usable
    assert problem in report.problem


def test_a_file_with_too_many_districts_is_unusable():
    lines = "".join(f"A{n // 10 % 10}{chr(65 + n % 10)},1,1,E06000059\n" for n in range(100))
    report = read_district_file((HEADER + lines * 60).encode())
    assert not report.usable
    assert "more than 5,000 districts" in report.problem


def test_the_upload_event_keeps_clean_rows_file_hash_actor_and_reason():
    actor = Actor(uuid4(), uuid4())
    upload = DistrictUpload.add(id=uuid4(), rows=[
        {"district": "me99", "easting": "577000", "northing": 155000,
         "la_ons_code": "E10000016"}], file_name=" new.csv ", file_sha256="a" * 64,
        actor=actor, reason="  ")
    event = upload.collect_events()[0]
    assert type(event).__name__ == "DistrictsAdded"
    assert event.rows == [{"district": "ME99", "easting": 577000, "northing": 155000,
                           "la_ons_code": "E10000016"}]
    assert (event.file_name, event.file_sha256, event.actor, event.reason) == (
        "new.csv", "a" * 64, actor, None)


@pytest.mark.parametrize(("rows", "sha", "message"), [
    ([], "a" * 64, "There are no postcode districts to add"),
    ([{"district": "ME99", "easting": 1, "northing": 1, "la_ons_code": "E07000110"}],
     "a" * 64, "is a district council"),
    ([{"district": "ME99", "easting": 1, "northing": 1, "la_ons_code": "SCO"}] * 2,
     "a" * 64, "ME99 is given twice"),
    ([{"district": "ME99", "easting": 1, "northing": 1, "la_ons_code": "SCO"}],
     "not-a-hash", "is not a SHA-256"),
])
def test_the_aggregate_refuses_what_the_file_reader_would(rows, sha, message):
    with pytest.raises(DomainError, match=message):
        DistrictUpload.add(id=uuid4(), rows=rows, file_name="f.csv", file_sha256=sha,
                           actor=Actor.system(), reason=None)


@pytest.mark.parametrize("code", ["E06000059", "E08000025", "E09000001", "E10000016", "SCO",
                                  "WAL", "NIR", "nir"])
def test_upper_tier_codes_and_country_markers_are_accepted(code):
    row, reasons = check_district_row({"district": "X1", "easting": "0", "northing": "0",
                                       "la_ons_code": code})
    assert reasons == [] and row["la_ons_code"] == code.upper()
