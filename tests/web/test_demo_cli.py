"""`portal demo load` records the demo children's placements, contracts and targets too (with
the deployment's own child reference key), and a second run adds nothing."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

import portal.demo.placements.loader as placements_loader
from portal.cli import main
from portal.demo.home_searches import demo_steps
from tests.demo_records import WITHOUT_PLACEMENTS

CHILDREN = 25
HOME_SEARCH_STEPS = demo_steps()


@pytest.fixture
def runner(databases, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", databases.new(tmp_path, "cli"))
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "cli-test")
    # The first children of the region only, to keep the test quick.
    whole = placements_loader.demo_placements
    monkeypatch.setattr(placements_loader, "demo_placements", lambda today: dataclasses.replace(
        whole(today), children=whole(today).children[:CHILDREN]))
    return CliRunner()


def test_demo_load_records_placements_contracts_and_targets_once(runner, tmp_path):
    # Three block contracts, Dorset's targets, and the home searches with their referrals
    # (sending, offers, a place published for one, declines, closing, an acceptance) and
    # outcomes.
    created = WITHOUT_PLACEMENTS + 3 + 1 + CHILDREN + HOME_SEARCH_STEPS
    first = runner.invoke(main, ["demo", "load"])
    assert first.exit_code == 0, first.output
    assert f"{created} records created, 0 already there" in first.output
    assert (tmp_path / "child_ref.key").exists()
    again = runner.invoke(main, ["demo", "load"])
    assert f"0 records created, {created} already there" in again.output
    status = runner.invoke(main, ["projections", "status"])
    assert "placements" in status.output
    assert "behind        0" in status.output
