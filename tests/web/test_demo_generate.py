"""`portal demo generate` writes a deterministic national history: the same sizes, seed and day
give the same events (ids and all; only the recording times differ), another seed a different
history; it refuses bad sizes and a database that already holds one; and the projections
follow it."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from portal.cli import main

SIZE = ["--authorities", "2", "--children", "40", "--years", "3", "--today", "2026-11-23"]


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "cli-test")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    return CliRunner()


def events(path) -> list[tuple]:
    """Every stored event without its recording time, in the log's order."""
    with sqlite3.connect(path) as c:
        rows = c.execute("SELECT originator_id, originator_version, topic, state"
                         " FROM stored_events ORDER BY rowid").fetchall()
    found = []
    for originator, version, topic, state in rows:
        fields = json.loads(state)
        fields.pop("timestamp", None)
        found.append((originator, version, topic, fields))
    return found


def generate(runner, path, seed: str):
    # Both databases sit in one folder, so they share the child reference key beside them.
    return runner.invoke(main, ["demo", "generate", *SIZE, "--seed", seed,
                                "--database", f"sqlite:///{path}"])


def test_same_seed_gives_the_same_events_and_another_seed_another_history(runner, tmp_path):
    first = generate(runner, tmp_path / "first.db", "7")
    assert first.exit_code == 0, first.output
    assert "Generated 2 authorities, 40 providers with 200 settings, 40 children and 40 " \
           "vacancies" in first.output
    second = generate(runner, tmp_path / "second.db", "7")
    assert second.exit_code == 0, second.output
    other = generate(runner, tmp_path / "other.db", "8")
    assert other.exit_code == 0, other.output

    recorded = events(tmp_path / "first.db")
    assert recorded == events(tmp_path / "second.db")
    assert recorded != events(tmp_path / "other.db")
    topics = {topic for _, _, topic, _ in recorded}
    assert {"domain.placement:Placement.Started", "domain.placement:Placement.Ended",
            "domain.vacancy:Vacancy.Published", "domain.vacancy:Vacancy.Filled",
            "domain.organisation:Provider.SettingAdded"} <= topics

    status = runner.invoke(main, ["projections", "status"],
                           env={"DATABASE_URL": f"sqlite:///{tmp_path / 'first.db'}"})
    assert status.exit_code == 0, status.output
    assert "behind        0" in status.output
    assert "behind        1" not in status.output


def test_refuses_a_second_history_and_bad_sizes(runner, tmp_path):
    assert generate(runner, tmp_path / "once.db", "7").exit_code == 0
    again = generate(runner, tmp_path / "once.db", "7")
    assert again.exit_code == 1
    assert "already holds a generated national history" in again.output

    bad = runner.invoke(main, ["demo", "generate", "--authorities", "0", "--years", "40",
                               "--children", "-1", "--database",
                               f"sqlite:///{tmp_path / 'bad.db'}"])
    assert bad.exit_code == 2
    for message in ("--authorities must be between 1 and 800", "--children must not be "
                    "negative", "--years must be between 1 and 10"):
        assert message in bad.output
