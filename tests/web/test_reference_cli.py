"""`portal reference add-districts` and `build-districts`."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from portal.bootstrap import bootstrap
from portal.cli import main
from projections.gazetteer import SHIPPED_CSV, postcode_districts
from tests.web.cli_fixtures import command_line

HEADER = "district,easting,northing,la_ons_code\n"


@pytest.fixture
def runner(databases, tmp_path, monkeypatch):
    return command_line(monkeypatch, databases.new(tmp_path, "cli"), tmp_path)


def added(tmp_path) -> dict:
    svc = bootstrap(os.environ["DATABASE_URL"], instance=tmp_path)
    try:
        svc.projections.catch_up()
        with svc.engine.connect() as c:
            return {r.district: (r.easting, r.la_ons_code) for r in c.execute(
                sa.select(postcode_districts).where(postcode_districts.c.source == "added"))}
    finally:
        svc.close()


def test_add_districts_adds_the_good_lines_and_lists_the_refused(runner, tmp_path):
    file = tmp_path / "new.csv"
    file.write_text(HEADER + "ME21,577000,155000,E10000016\nME22,1,1,E07000110\n")
    result = runner.invoke(main, ["reference", "add-districts", str(file), "--reason", "New"])
    assert result.exit_code == 0, result.output
    assert "line 3: E07000110 is a district council" in result.stderr
    assert "Added 1 postcode district from new.csv; 1 line refused." in result.stdout
    assert added(tmp_path) == {"ME21": (577_000, "E10000016")}


@pytest.mark.parametrize(("content", "message"), [
    (b"", "new.csv: The file is empty. Nothing was added."),
    (b"district,easting\nME21,1\n", "northing, la_ons_code are missing"),
    (b"district,easting,northing,la_ons_code\nME21,x,1,SCO\n", "No line of the file"),
])
def test_an_unusable_file_adds_nothing(runner, tmp_path, content, message):
    file = tmp_path / "new.csv"
    file.write_bytes(content)
    result = runner.invoke(main, ["reference", "add-districts", str(file)])
    assert result.exit_code == 1
    assert message in result.output
    assert added(tmp_path) == {}


@pytest.mark.parametrize("line", [
    "ME21,\uff15\uff17\uff17000,155000,E10000016",  # full-width digits in the easting
    "ME2\uff11,577000,155000,E10000016",  # and in the district
    "ME21,577000,155000,E1000001\uff16",  # and in the authority's code
    "ME21,577000,155000,E10\x1b000016",  # a control character
])
def test_digits_of_other_scripts_and_control_characters_are_refused_by_line(
        runner, tmp_path, line):
    file = tmp_path / "new.csv"
    file.write_text(HEADER + "ME20,577000,155000,E10000016\n" + line + "\n")
    result = runner.invoke(main, ["reference", "add-districts", str(file)])
    assert result.exit_code == 0, result.output
    assert "line 3:" in result.stderr
    assert added(tmp_path) == {"ME20": (577_000, "E10000016")}


def test_a_reason_with_a_control_character_is_refused(runner, tmp_path):
    file = tmp_path / "new.csv"
    file.write_text(HEADER + "ME21,577000,155000,E10000016\n")
    result = runner.invoke(main, ["reference", "add-districts", str(file), "--reason",
                                  "New\x1b[2J"])
    assert result.exit_code == 2
    assert "must not contain control characters" in result.output
    assert added(tmp_path) == {}


def test_the_build_reproduces_the_shipped_file(runner, tmp_path):
    pytest.importorskip("brotli")  # the [reference] extra: pip install -e '.[reference]'
    pytest.importorskip("msgpack")
    out = tmp_path / "districts.csv"
    result = runner.invoke(main, ["reference", "build-districts", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "3,078 postcode districts written" in result.stdout
    assert out.read_bytes() == SHIPPED_CSV.read_bytes()


def adjoining_added(tmp_path) -> list:
    from projections.adjacency import authority_adjacency

    svc = bootstrap(os.environ["DATABASE_URL"], instance=tmp_path)
    try:
        svc.projections.catch_up()
        with svc.engine.connect() as c:
            return [tuple(r) for r in c.execute(
                sa.select(authority_adjacency.c.ons_code,
                          authority_adjacency.c.adjoining_ons_code,
                          authority_adjacency.c.reason)
                .where(authority_adjacency.c.source == "added"))]
    finally:
        svc.close()


def test_add_adjoining_records_a_pair_and_refuses_a_known_or_bad_one(runner, tmp_path):
    result = runner.invoke(main, ["reference", "add-adjoining", "e06000046", "E06000044",
                                  "--reason", "Ferry boundary agreed"])
    assert result.exit_code == 0, result.output
    assert "E06000046 and E06000044 recorded as adjoining." in result.output
    assert adjoining_added(tmp_path) == [("E06000044", "E06000046", "Ferry boundary agreed")]
    again = runner.invoke(main, ["reference", "add-adjoining", "E06000044", "E06000046",
                                 "--reason", "Again"])
    assert again.exit_code == 1 and "already recorded as adjoining" in again.output
    district = runner.invoke(main, ["reference", "add-adjoining", "E07000105", "E10000016",
                                    "--reason", "A district"])
    assert district.exit_code == 1 and "not an upper-tier authority" in district.output
    assert len(adjoining_added(tmp_path)) == 1
