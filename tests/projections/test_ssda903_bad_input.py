"""Bad SSDA903 input: every kind named in the issue gives a clear report and stores nothing
wrong. Row problems name the line, the column and the reason (never the child's id, date of
birth or postcode); file problems refuse the whole import before anything is stored."""

from __future__ import annotations

import tracemalloc
from datetime import date, timedelta

import pytest

from domain.placement import placement_id
from portal.imports.report import EPISODES, HEADER
from tests.ssda903_files import (
    HEADER_COLUMNS,
    csv_text,
    episode,
    header,
    import_files,
    register_authorities,
    synthetic_return,
    write,
)

DORSET = "838"


@pytest.fixture
def svc(services):
    register_authorities(services.portal)
    return services


def stored_children(svc, *children) -> list[str]:
    """Which of these council ids the portal holds a placement for."""
    authority = svc.portal.get_authority(DORSET).id
    return [c for c in children
            if svc.portal.exists(placement_id(authority, svc.child_refs.reference(DORSET, c)))]


def problems(report) -> list[tuple]:
    return [(p.file, p.line, p.column, p.reason) for p in report.sorted_problems()]


def headers_for(*children, born=date(2010, 6, 1)):
    return [header(c, born) for c in children]


def run(svc, tmp_path, rows, headers=None):
    return import_files(svc, write(tmp_path / "e.csv", rows),
                        write(tmp_path / "h.csv", headers) if headers is not None else None)


# --- rows ---------------------------------------------------------------------------------

def test_bad_dates(svc, tmp_path):
    future = date.today() + timedelta(days=10)
    rows = [episode("D1", date(2025, 1, 1)), episode("D2", date(2025, 1, 1)),
            episode("D3", date(2025, 1, 1)),
            episode("D4", date(2025, 3, 1), end=date(2025, 2, 1), rec="E13"),
            episode("D5", future), episode("OK", date(2025, 1, 1))]
    rows[0]["DECOM"] = "31/02/2025"
    rows[1]["DECOM"] = "2025/01/01"
    rows[2]["DECOM"] = ""
    report = run(svc, tmp_path, rows, headers_for("D1", "D2", "D3", "D4", "D5", "OK"))
    assert problems(report) == [
        (EPISODES, 2, "DECOM", "DECOM (the date the episode started) must be a real date like "
                               "31/03/2025"),
        (EPISODES, 3, "DECOM", "DECOM (the date the episode started) must be a real date like "
                               "31/03/2025"),
        (EPISODES, 4, "DECOM", "DECOM (the date the episode started) is blank"),
        (EPISODES, 5, "DEC", "DEC (the date the episode ceased) must not be before DECOM"),
        (EPISODES, 6, "DECOM", "DECOM (the date the episode started) cannot be in the future"),
    ]
    assert (report.accepted, report.rejected) == (1, 5)
    assert stored_children(svc, "D1", "D2", "D3", "D4", "D5", "OK") == ["OK"]


def test_unknown_codes_and_codes_outside_their_collection_year(svc, tmp_path):
    rows = [episode("C1", date(2025, 1, 1), place="Q9"),
            episode("C2", date(2025, 6, 1), place="H5"),  # dropped from 2025-26
            episode("C3", date(2023, 6, 1), place="K3"),  # began in 2024-25
            episode("C4", date(2025, 1, 1), ls="LCS-0001234"),  # not a code's shape
            episode("C5", date(2025, 1, 1), rne=""),
            episode("C6", date(2025, 1, 1), rec="E13"),
            episode("C7", date(2025, 1, 1), end=date(2025, 2, 1)),
            episode("C8", date(2025, 1, 1), home="NOT A PC"),
            episode("C9", date(2025, 1, 1), urn="12AB"),
            episode("", date(2025, 1, 1)),
            episode("C 10", date(2025, 1, 1)),
            episode("OK", date(2025, 1, 1), place="K3", provider="pr4", cin="n2")]
    report = run(svc, tmp_path, rows, headers_for(*[f"C{n}" for n in range(1, 10)], "OK"))
    assert problems(report) == [
        (EPISODES, 2, "PLACE", "PLACE (placement type): Q9 is not an SSDA903 code"),
        (EPISODES, 3, "PLACE", "PLACE (placement type): H5 is not a valid code in 2025-26, the "
                               "collection year of DECOM"),
        (EPISODES, 4, "PLACE", "PLACE (placement type): K3 is not a valid code in 2023-24, the "
                               "collection year of DECOM"),
        (EPISODES, 5, "LS", "LS (legal status): The value is not an SSDA903 code"),
        (EPISODES, 6, "RNE", "RNE (reason for new episode) is blank"),
        (EPISODES, 7, "DEC", "DEC (the date the episode ceased) is needed when REC is given"),
        (EPISODES, 8, "REC", "REC (the reason the episode ceased) is needed when DEC is given"),
        (EPISODES, 9, "HOME_POST", "HOME_POST (the home postcode) is not a postcode"),
        (EPISODES, 10, "URN", "URN must be the setting's Ofsted URN (like SC123456) or XXXXXXX"),
        (EPISODES, 11, "CHILD", "CHILD is blank"),
        (EPISODES, 12, "CHILD", "The child id must not contain spaces"),
    ]
    assert "LCS-0001234" not in repr(report.to_dict())
    assert stored_children(svc, *[f"C{n}" for n in range(1, 10)], "OK") == ["OK"]


def test_duplicates_and_overlaps(svc, tmp_path):
    rows = [
        episode("E", date(2024, 1, 1), end=date(2024, 6, 1), rec="X1"),
        episode("E", date(2024, 6, 1), rne="P", place="K2"),
        episode("E", date(2024, 1, 1), end=date(2024, 6, 1), rec="X1"),  # exact duplicate
        episode("F", date(2024, 1, 1), end=date(2024, 8, 1), rec="E13"),
        episode("F", date(2024, 3, 1)),  # starts before line 5's episode ceased
        episode("H", date(2024, 1, 1)),  # never ceased
        episode("H", date(2024, 5, 1), rne="P"),
        episode("J", date(2024, 2, 1), place="U4"),
        episode("J", date(2024, 2, 1), place="K2"),  # same start, different placement
    ]
    report = run(svc, tmp_path, rows, headers_for("E", "F", "H", "J"))
    assert problems(report) == [
        (EPISODES, 4, "", "Duplicate of line 2"),
        (EPISODES, 5, "CHILD", "Not imported, because line 6 for the same child was rejected"),
        (EPISODES, 6, "DECOM", "This episode overlaps the one on line 5, which ceased after "
                               "this one started"),
        (EPISODES, 7, "CHILD", "Not imported, because line 8 for the same child was rejected"),
        (EPISODES, 8, "DECOM", "This episode overlaps the one on line 7, which has no DEC (it "
                               "has not ceased)"),
        (EPISODES, 9, "CHILD", "Not imported, because line 10 for the same child was rejected"),
        (EPISODES, 10, "DECOM", "This episode overlaps the one on line 9, which has no DEC (it "
                                "has not ceased)"),
    ]
    assert (report.rows, report.accepted, report.rejected) == (9, 2, 7)
    assert stored_children(svc, "E", "F", "H", "J") == ["E"]
    authority = svc.portal.get_authority(DORSET).id
    e = svc.portal.repository.get(placement_id(authority, svc.child_refs.reference(DORSET, "E")))
    assert [ep["place"] for ep in e.episodes] == ["U4", "K2"]


def test_header_problems(svc, tmp_path):
    rows = [episode(c, date(2025, 1, 1)) for c in ("S", "B", "F", "U", "D", "X", "N", "OK")]
    headers = [header("S", date(2010, 1, 1), sex="M"),
               header("B", date(2010, 1, 1)),
               header("F", date.today() + timedelta(days=3)),
               header("U", date(2010, 1, 1), UASC="maybe"),
               header("D", date(2010, 1, 1)), header("D", date(2010, 1, 1)),
               header("X", date(2010, 1, 1)), header("X", date(2011, 1, 1)),
               header("OK", date(2010, 1, 1), UASC="Y")]
    headers[1]["DOB"] = "notadate"
    report = run(svc, tmp_path, rows, headers)
    assert problems(report) == [
        (HEADER, 2, "SEX", "SEX must be 1 (male) or 2 (female), as in SSDA903"),
        (HEADER, 3, "DOB", "DOB (date of birth) must be a real date like 31/03/2025"),
        (HEADER, 4, "DOB", "DOB (date of birth) cannot be in the future"),
        (HEADER, 5, "UASC", "UASC must be 1 (an unaccompanied asylum-seeking child) or 0"),
        (HEADER, 7, "CHILD", "Duplicate of line 6"),
        (HEADER, 9, "CHILD", "Line 8 has the same child with a different SEX, DOB or UASC"),
        (EPISODES, 2, "CHILD", "Not imported, because this child's row in the header file "
                               "(line 2) was rejected"),
        (EPISODES, 3, "CHILD", "Not imported, because this child's row in the header file "
                               "(line 3) was rejected"),
        (EPISODES, 4, "CHILD", "Not imported, because this child's row in the header file "
                               "(line 4) was rejected"),
        (EPISODES, 5, "CHILD", "Not imported, because this child's row in the header file "
                               "(line 5) was rejected"),
        (EPISODES, 7, "CHILD", "Not imported, because this child's row in the header file "
                               "(line 9) was rejected"),
        (EPISODES, 8, "CHILD", "The header file has no row for this child"),
    ]
    assert stored_children(svc, "S", "B", "F", "U", "D", "X", "N", "OK") == ["D", "OK"]


def test_the_uasc_table_gives_the_flag_from_duc(svc, tmp_path):
    rows = [episode("U1", date(2025, 1, 1)), episode("U2", date(2025, 1, 1))]
    # DUC is at the latest the 18th birthday, so it may lie ahead.
    uasc_table = [{"child": "U1", "sex": "1", "dob": "01/01/2009", "duc": "01/01/2027"},
                  {"child": "U2", "sex": "2", "dob": "01/01/2009", "duc": ""}]
    report = run(svc, tmp_path, rows, uasc_table)
    assert report.ok and report.problems == []
    authority = svc.portal.get_authority(DORSET).id
    flags = [svc.portal.repository.get(placement_id(
        authority, svc.child_refs.reference(DORSET, c))).uasc for c in ("U1", "U2")]
    assert flags == [True, False]


def test_a_row_with_too_few_values(svc, tmp_path):
    text = csv_text([episode("OK", date(2025, 1, 1))]) + "SHORT,01/01/2025,S\r\n"
    (tmp_path / "e.csv").write_text(text)
    report = import_files(svc, tmp_path / "e.csv", write(tmp_path / "h.csv",
                                                         headers_for("OK", "SHORT")))
    assert problems(report) == [
        (EPISODES, 3, "", "The row has fewer values than the file has columns")]
    assert stored_children(svc, "OK", "SHORT") == ["OK"]


# --- whole files --------------------------------------------------------------------------

GOOD = [episode("G1", date(2025, 1, 1))]


def refused(svc, path, header_path=None) -> str:
    report = import_files(svc, path, header_path)
    assert not report.ok and report.import_id is None
    topics = [n.topic for n in svc.portal.recorder.select_notifications(start=1, limit=10_000)]
    assert topics and not [t for t in topics if "Placement" in t or "DataImport" in t]
    return report.refused


def test_missing_columns_are_named(svc, tmp_path):
    columns = [c for c in GOOD[0] if c not in ("DEC", "REC")]
    path = write(tmp_path / "e.csv", GOOD, columns=columns)
    assert refused(svc, path) == (
        "The episodes file is missing the columns DEC, REC. The first line must name the "
        "columns: CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC, "
        "REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN")


def test_the_header_table_given_as_episodes_is_refused(svc, tmp_path):
    path = write(tmp_path / "h.csv", headers_for("G1"), columns=HEADER_COLUMNS)
    assert refused(svc, path).startswith("The episodes file is missing the columns DECOM, RNE")


def test_a_header_file_without_dob_refuses_the_import(svc, tmp_path):
    header_path = write(tmp_path / "h.csv", headers_for("G1"), columns=["CHILD", "SEX"])
    assert refused(svc, write(tmp_path / "e.csv", GOOD), header_path).startswith(
        "The header file is missing the column DOB.")


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "The episodes file is empty"),
    (b"\r\n  \r\n,,,\r\n", "The episodes file has no rows"),
    (csv_text([]).encode(), "The episodes file has its column names but no rows"),
    (b"CHILD;DECOM;RNE\r\nA;01/01/2025;S\r\n",
     "The episodes file must be comma-separated (CSV)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
     "The episodes file is not a text file: save it as CSV and import that"),
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100,
     "The episodes file is a spreadsheet or zip file, not CSV: save it as CSV (comma "
     "delimited) and import that"),
    (csv_text(GOOD).encode() + b'"unterminated,' + b"x" * 140_000 + b"\r\n",
     "Line 3 of the episodes file cannot be read as CSV (field larger than field limit "
     "(131072))"),
])
def test_files_that_cannot_be_read_are_refused(svc, tmp_path, content, reason):
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    assert refused(svc, path) == reason


def test_a_file_over_the_limit_is_refused_before_it_is_read(svc, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as file:
        file.truncate(65 * 1024 * 1024)  # sparse: nothing is written
    assert refused(svc, path) == ("The episodes file is 68 MB: the largest file the portal "
                                  "imports is 64 MB. Split it by year and import each part")


# --- encodings, byte-order marks, column names ---------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom",
                                      "cp1252"])
def test_encodings_and_byte_order_marks(svc, tmp_path, encoding):
    # A child id with an accent is only found again when the file was decoded rightly.
    rows = [dict(row, NOTES="Café, £450 a week \u2013 agreed") for row in
            (episode("G1", date(2025, 1, 1)), episode("GÉ2", date(2025, 2, 1), place="K2"))]
    text = csv_text(rows)
    data = (b"\xfe\xff" + text.encode("utf-16-be") if encoding == "utf-16-be-bom"
            else text.encode(encoding))
    (tmp_path / "e.csv").write_bytes(data)
    header_path = tmp_path / "h.csv"
    header_path.write_bytes(csv_text(headers_for("G1", "GÉ2")).encode(
        "utf-16" if encoding.startswith("utf-16") else encoding))
    report = import_files(svc, tmp_path / "e.csv", header_path)
    assert report.ok and report.problems == [] and report.accepted == 2
    assert stored_children(svc, "G1", "GÉ2") == ["G1", "GÉ2"]


def test_column_names_are_case_insensitive_in_any_order_and_extra_columns_ignored(
        svc, tmp_path):
    row = {k.lower(): v for k, v in reversed(episode("G1", date(2025, 1, 1)).items())}
    row["Local notes"] = "anything"
    report = run(svc, tmp_path, [row], [{"Child": "G1", "sex": "1", "DoB": "01/06/2010"}])
    assert report.ok and report.accepted == 1 and report.problems == []


# --- a 50 MB file ---------------------------------------------------------------------------

def test_a_50_mb_file_is_read_as_a_stream(svc, tmp_path):
    """200 children's episodes with a wide free-text column, as some exports carry: the
    importer reads it row by row, never the whole file at once."""
    episodes, headers = synthetic_return(200, seed=50)
    filler = "x" * (50_000_000 // len(episodes) + 1)
    path = write(tmp_path / "e.csv", [dict(row, NOTES=filler) for row in episodes])
    assert path.stat().st_size >= 50_000_000
    tracemalloc.start()
    try:
        report = import_files(svc, path, write(tmp_path / "h.csv", headers))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok and report.rejected == 0 and report.accepted == len(episodes)
    assert report.children_changed == 200
    assert peak < 25_000_000  # well under half the file's size
