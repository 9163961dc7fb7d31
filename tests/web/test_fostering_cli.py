"""`portal import fostering`: an authority's monthly returns from the layout's file, refused
rows listed by line, a correction needing its reason, and the exit status."""

from __future__ import annotations

import pytest

from portal.cli import main
from portal.imports.fostering import sample_csv
from tests.conftest import copy_demo_database
from tests.web.cli_fixtures import command_line


@pytest.fixture
def runner(demo_database, databases, tmp_path, monkeypatch):
    """The command line on a copy of the demo region (its returns end in October 2026)."""
    return command_line(monkeypatch, copy_demo_database(demo_database, tmp_path, databases),
                        tmp_path)


def test_the_sample_corrects_the_demos_months_only_with_a_reason(runner, tmp_path):
    path = tmp_path / "sample.csv"
    path.write_text(sample_csv(), encoding="utf-8")
    refused = runner.invoke(main, ["import", "fostering", "--authority", "838", str(path)])
    assert refused.exit_code == 1
    assert "The file changes the return already recorded for March 2026, April 2026: enter " \
           "the reason for the correction. Nothing was imported." in refused.output
    done = runner.invoke(main, ["import", "fostering", "--authority", "838", "--reason",
                                "Figures checked with the panel", str(path)])
    assert done.exit_code == 0, done.output
    assert "Dorset: 0 recorded, 2 corrected, 0 unchanged." in done.output


def test_bad_rows_are_listed_by_line_and_nothing_is_imported(runner, tmp_path):
    lines = sample_csv().splitlines()
    bad = lines[1].split(",")
    bad[0] = "2026/11"
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([lines[0], ",".join(bad)]), encoding="utf-8")
    result = runner.invoke(main, ["import", "fostering", "--authority", "838", str(path)])
    assert result.exit_code == 1
    assert "Line 2 (MONTH): The month must be written like 2026-04, not '2026/11'" \
        in result.output
    assert "Nothing was imported." in result.output
    unknown = runner.invoke(main, ["import", "fostering", "--authority", "999", str(path)])
    assert unknown.exit_code != 0
    assert "There is no authority with DfE LA code 999" in unknown.output
