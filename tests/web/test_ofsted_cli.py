"""`portal import ofsted`: the report it prints and its exit status."""

from __future__ import annotations

import pytest

from portal.cli import main
from portal.demo.ofsted import SAMPLE
from tests.conftest import copy_demo_database
from tests.ofsted_files import row, write_register
from tests.web.cli_fixtures import command_line


@pytest.fixture
def runner(demo_database, databases, tmp_path, monkeypatch):
    """The command line on a copy of the demo region."""
    return command_line(monkeypatch, copy_demo_database(demo_database, tmp_path, databases),
                        tmp_path)


def test_the_sample_again_changes_nothing_and_lists_the_candidates(runner):
    result = runner.invoke(main, ["import", "ofsted", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "339 rows read: 337 match a setting of the directory, 2 do not." in result.output
    assert "0 registrations changed (0 new facts); 337 unchanged." in result.output
    assert "Not in the directory: URN SC899001, Sorrel Barn (Children's home, Dorset)" \
        in result.output


def test_a_file_with_a_bad_row_exits_1_and_lists_it(runner, tmp_path):
    path = write_register(tmp_path / "bad.csv", [row("SC900001"), row("SC900002",
                                                                      status="Closed")])
    result = runner.invoke(main, ["import", "ofsted", str(path)])
    assert result.exit_code == 1
    assert "Line 3 (Registration status): Registration status must be one of Active, " \
           "Suspended, Resigned, Cancelled, not 'Closed'" in result.output
    assert "Nothing was imported: 1 row cannot be read." in result.output
