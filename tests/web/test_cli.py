"""The `portal` command line."""

from __future__ import annotations

import json
import os
import re

import pyotp
import pytest
import sqlalchemy as sa

from portal.cli import main
from projections.database import events_table
from projections.runner import BATCH_SIZE
from tests.demo_records import WITHOUT_PLACEMENTS as DEMO_RECORDS
from tests.web.cli_fixtures import command_line


@pytest.fixture
def runner(databases, tmp_path, monkeypatch):
    return command_line(monkeypatch, databases.new(tmp_path, "cli"), tmp_path)


def test_demo_load_is_idempotent_and_rebuild_reports(runner):
    first = runner.invoke(main, ["demo", "load", "--without-placements"])
    assert first.exit_code == 0, first.output
    assert f"{DEMO_RECORDS} records created, 0 already there" in first.output
    again = runner.invoke(main, ["demo", "load", "--without-placements"])
    assert f"0 records created, {DEMO_RECORDS} already there" in again.output
    empty_only = runner.invoke(main, ["demo", "load", "--if-empty"])
    assert "already holds events" in empty_only.output
    status = runner.invoke(main, ["projections", "status"])
    assert "vacancy_board" in status.output
    assert "behind        0" in status.output
    rebuilt = runner.invoke(main, ["projections", "rebuild", "vacancy_board"])
    assert rebuilt.exit_code == 0
    assert "Rebuilt vacancy_board" in rebuilt.output
    unknown = runner.invoke(main, ["projections", "rebuild", "nope"])
    assert unknown.exit_code == 2
    assert "unknown projection nope" in unknown.output


def test_demo_accounts_json(runner):
    result = runner.invoke(main, ["demo", "accounts", "--json"])
    accounts = json.loads(result.output)
    assert {a["role"] for a in accounts} == {"platform_admin", "auditor", "council_officer",
                                             "provider_user"}
    assert all(set(a) == {"email", "password", "role", "organisation", "totp_secret"}
               for a in accounts)
    # Fixed, distinct authenticator keys that an authenticator app (pyotp here) accepts.
    assert len({a["totp_secret"] for a in accounts}) == len(accounts)
    assert all(pyotp.TOTP(a["totp_secret"]).now().isdigit() for a in accounts)
    again = json.loads(runner.invoke(main, ["demo", "accounts", "--json"]).output)
    assert again == accounts


def test_demo_accounts_lists_each_authenticator_key(runner):
    result = runner.invoke(main, ["demo", "accounts"])
    for account in json.loads(runner.invoke(main, ["demo", "accounts", "--json"]).output):
        assert account["email"] in result.output
        assert f"authenticator key {account['totp_secret']}" in result.output


def test_a_bad_database_url_is_a_clear_error(runner, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    result = runner.invoke(main, ["projections", "status"])
    assert result.exit_code == 1
    assert "DATABASE_URL must start with sqlite:/// or postgresql+psycopg://" in result.output


def test_expire_vacancies_validates_its_date(runner):
    runner.invoke(main, ["demo", "load", "--without-placements"])
    bad = runner.invoke(main, ["expire-vacancies", "--today", "31/12/2027"])
    assert bad.exit_code == 2
    assert "Invalid value for '--today'" in bad.output
    ok = runner.invoke(main, ["expire-vacancies", "--today", "2027-12-31"])
    assert ok.exit_code == 0
    assert "0 vacancies expired." in ok.output


def test_a_clash_with_another_change_is_one_clear_line(runner, monkeypatch):
    """A command that lost a race with another process says so and how to go on; no traceback."""
    from domain.errors import Conflict
    from portal.services.application import Portal

    def clash(*_args, **_kwargs):
        raise Conflict()

    runner.invoke(main, ["demo", "load", "--without-placements"])
    monkeypatch.setattr(Portal, "expire_vacancies", clash)
    result = runner.invoke(main, ["expire-vacancies", "--today", "2027-12-31"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Someone else changed this record")
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Conflict)


def tamper(statement: str) -> None:
    """Change the command line's database behind the portal's back, as an intruder would."""
    engine = sa.create_engine(os.environ["DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(sa.text(statement))
    engine.dispose()


def test_audit_verify_export_and_verify_export(runner, tmp_path):
    loaded = runner.invoke(main, ["demo", "load", "--without-placements"])
    # Some records take more than one event (a tender's award, say): every event is verified.
    events = int(re.search(r"event log at position (\d+)", loaded.output).group(1))
    assert events > DEMO_RECORDS
    ok = runner.invoke(main, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    # The projections sign a checkpoint once a batch of events (demo load catches up once).
    signed = -(-events // BATCH_SIZE)
    assert f"OK: event log: {events:,} events and {signed} signed checkpoints verified" \
        in ok.output
    export = tmp_path / "audit.jsonl"
    assert runner.invoke(main, ["audit", "export", str(export)]).exit_code == 0
    key = runner.invoke(main, ["audit", "public-key"]).output.strip()
    offline = runner.invoke(main, ["audit", "verify-export", str(export), "--public-key", key])
    assert offline.exit_code == 0, offline.output
    wrong = runner.invoke(main, ["audit", "verify-export", str(export), "--public-key",
                                 "not-a-key"])
    assert wrong.exit_code == 1
    assert "not a base64 Ed25519 public key" in wrong.output

    witness = tmp_path / "audit-checkpoints.jsonl"
    good = witness.read_text()
    witness.write_text(good + "{not a checkpoint\n")
    corrupt = runner.invoke(main, ["audit", "verify"])
    assert corrupt.exit_code == 1
    assert "is not a checkpoint: it is corrupt" in corrupt.output
    witness.write_text(good)

    engine = sa.create_engine(os.environ["DATABASE_URL"])
    with engine.begin() as connection:  # the 100th event, deleted behind the portal's back
        events, position = events_table(connection)
        connection.execute(events.delete().where(position == 100))
    engine.dispose()
    failed = runner.invoke(main, ["audit", "verify"])
    assert failed.exit_code == 1
    assert "FAILED (removed at position 100)" in failed.output


def test_audit_verify_reports_a_missing_short_or_deleted_witness(runner, tmp_path):
    loaded = runner.invoke(main, ["demo", "load", "--without-placements"])
    assert loaded.exit_code == 0
    events = int(re.search(r"event log at position (\d+)", loaded.output).group(1))
    signed = -(-events // BATCH_SIZE) + 1  # once a batch of events, and once more here
    assert runner.invoke(main, ["audit", "checkpoint"]).exit_code == 0
    witness = tmp_path / "audit-checkpoints.jsonl"
    good = witness.read_text()
    assert runner.invoke(main, ["audit", "verify"]).exit_code == 0

    witness.unlink()
    missing = runner.invoke(main, ["audit", "verify"])
    assert missing.exit_code == 1
    assert "FAILED (witness): The witness copy" in missing.output
    assert f"is missing, but the database holds {signed} signed checkpoints" in missing.output

    witness.write_text(good.splitlines(keepends=True)[0])
    short = runner.invoke(main, ["audit", "verify"])
    assert short.exit_code == 1
    assert "is shorter than the database's checkpoints" in short.output

    witness.write_text(good)
    tamper("DELETE FROM audit_checkpoints")
    deleted = runner.invoke(main, ["audit", "verify"])
    assert deleted.exit_code == 1
    assert "checkpoints were deleted from the database" in deleted.output

    witness.unlink()  # and the witness with them: the events say the deployment signed
    both = runner.invoke(main, ["audit", "verify"])
    assert both.exit_code == 1
    assert "there is no signed checkpoint in the database and no witness copy" in both.output


def test_replay_into_another_database(runner, tmp_path):
    import sqlite3

    runner.invoke(main, ["demo", "load", "--without-placements"])
    target = f"sqlite:///{tmp_path / 'replay.db'}"
    done = runner.invoke(main, ["replay", "--until", "200", "--into", target])
    assert done.exit_code == 0, done.output
    assert "up to position 200" in done.output
    with sqlite3.connect(tmp_path / "replay.db") as db:
        assert set(db.execute("SELECT position FROM projection_tracking")) == {(200,)}
    again = runner.invoke(main, ["replay", "--until", "200", "--into", target])
    assert again.exit_code == 1 and "is not empty" in again.output
    for until, message in [("1999-01-01T00:00", "is before it"),
                           ("2999-01-01T00:00", "is in the future"),
                           ("soon", "neither a position nor a date-time"),
                           ("100000", "outside the history")]:
        other = f"sqlite:///{tmp_path / 'other.db'}"
        result = runner.invoke(main, ["replay", "--until", until, "--into", other])
        assert result.exit_code != 0, until
        assert message in result.output, (until, result.output)
    same = runner.invoke(main, ["replay", "--until", "10", "--into",
                                os.environ["DATABASE_URL"]])
    assert same.exit_code == 2 and "another database" in same.output
