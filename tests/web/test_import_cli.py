"""`portal import ssda903`: the report it prints and its exit status."""

from __future__ import annotations

from datetime import date

import pytest

from portal.cli import main
from tests.conftest import copy_demo_database
from tests.ssda903_files import episode, header, write
from tests.web.cli_fixtures import command_line


@pytest.fixture
def runner(demo_database, databases, tmp_path, monkeypatch):
    """The command line on a copy of the demo region."""
    return command_line(monkeypatch, copy_demo_database(demo_database, tmp_path, databases),
                        tmp_path)


@pytest.fixture
def files(tmp_path):
    good = [episode("CLI-0001", date(2024, 4, 1), end=date(2024, 10, 1), rec="X1"),
            episode("CLI-0001", date(2024, 10, 1), rne="P", place="K2", provider="PR4"),
            episode("CLI-0002", date(2025, 2, 1), place="U6", provider="PR5")]
    bad = [*good, episode("CLI-0003", date(2025, 3, 1), place="Q9")]
    headers = [header("CLI-0001", date(2011, 5, 5)), header("CLI-0002", date(2013, 1, 9)),
               header("CLI-0003", date(2014, 2, 2))]
    return {"good": write(tmp_path / "good.csv", good), "bad": write(tmp_path / "bad.csv", bad),
            "header": write(tmp_path / "header.csv", headers)}


def test_a_clean_import_exits_0_and_again_changes_nothing(runner, files):
    args = ["import", "ssda903", "--authority", "838", str(files["good"]),
            "--header", str(files["header"])]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "SSDA903 import for Dorset (838):" in first.output
    assert "3 episode rows read: 3 accepted, 0 rejected." in first.output
    assert "2 children in the file; 2 changed in the portal." in first.output
    assert "Audit checkpoint signed" in first.output
    again = runner.invoke(main, args)
    assert again.exit_code == 0
    assert "2 children in the file; 0 changed in the portal." in again.output
    assert "CLI-000" not in first.output + again.output  # the council's ids are never shown


def test_rejected_rows_are_listed_and_exit_3(runner, files):
    result = runner.invoke(main, ["import", "ssda903", "--authority", "838", str(files["bad"]),
                                  "--header", str(files["header"])])
    assert result.exit_code == 3, result.output
    assert "Episodes file line 5 (PLACE): PLACE (placement type): Q9 is not an SSDA903 code" \
        in result.output
    assert "4 episode rows read: 3 accepted, 1 rejected." in result.output


def test_without_a_header_new_children_are_rejected(runner, files):
    result = runner.invoke(main, ["import", "ssda903", "--authority", "886", str(files["good"])])
    assert result.exit_code == 3
    assert result.output.count("This child is new to the portal: import the header file too") \
        == 3


def test_a_refused_file_exits_1_and_stores_nothing(runner, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = runner.invoke(main, ["import", "ssda903", "--authority", "838", str(empty)])
    assert result.exit_code == 1
    assert "Nothing was imported: The episodes file is empty." in result.output
    assert "Audit checkpoint signed" not in result.output


def test_the_authority_must_be_known(runner, files):
    unknown = runner.invoke(main, ["import", "ssda903", "--authority", "999", str(files["good"])])
    assert unknown.exit_code == 1
    assert "There is no authority with DfE LA code 999 in the portal" in unknown.output
    malformed = runner.invoke(main, ["import", "ssda903", "--authority", "Dorset",
                                     str(files["good"])])
    assert malformed.exit_code == 2
    assert "must be a DfE LA code: three digits, like 838" in malformed.output
    missing = runner.invoke(main, ["import", "ssda903", "--authority", "838", "nope.csv"])
    assert missing.exit_code == 2
