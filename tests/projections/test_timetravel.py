"""Views as they stood: rebuilt from events up to a past position, with or without snapshots."""

from __future__ import annotations

import json
import logging
import zlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from projections.database import ConfigurationError
from projections.directory import Directory
from projections.timetravel import (
    HistoryError,
    SnapshotCadence,
    add_signature_column,
    position_at,
    projection_snapshots,
    rebuild_as_at,
    snapshot_if_due,
    snapshot_signature,
    take_snapshot,
)
from projections.vacancies import ProviderVacancies, VacancyBoard
from tests.projections.scenario import build_region, dump, random_history

NAMES = ["organisations", "partnership_members", "settings", "accounts", "vacancy_board",
         "provider_vacancies"]


def fresh():
    return [Directory(), VacancyBoard(), ProviderVacancies()]


@pytest.fixture
def history(services):
    _, settings = build_region(services.portal)
    random_history(services.portal, settings, steps=150, seed=11)
    return services


@pytest.fixture
def state_at(databases, tmp_path):
    """The read models at a position, the slow sure way: live tables caught up only so far,
    in a database of their own (another file on SQLite, another database on PostgreSQL)."""
    from portal.bootstrap import bootstrap

    def replay(svc, position):
        other = bootstrap(databases.new(tmp_path / f"truth-{position}"))
        # Copy the events: rebuild a separate store by replaying the same stored events.
        other.portal.recorder.insert_events(
            svc.portal.recorder.select_notifications(start=1, limit=position))
        other.projections.catch_up()
        result = dump(other.engine, NAMES)
        other.close()
        return result

    return replay


@pytest.mark.parametrize("use_snapshots", [True, False])
def test_as_at_equals_the_live_read_models_at_that_position(history, state_at, use_snapshots):
    svc = history
    head = svc.portal.last_position()
    middle = head // 2
    svc.projections.catch_up(until=middle - 20)
    for projection in svc.projections.projections.values():
        # snapshots behind the wanted position
        take_snapshot(svc.engine, projection, svc.snapshot_key)
    svc.projections.catch_up()
    expected = state_at(svc, middle)
    as_at = rebuild_as_at(svc.portal, svc.engine, fresh(), middle, key=svc.snapshot_key,
                          use_snapshots=use_snapshots)
    assert dump(as_at.engine, NAMES) == expected
    if use_snapshots:
        assert set(as_at.started_from.values()) == {middle - 20}
    else:
        assert set(as_at.started_from.values()) == {0}
    as_at.close()


def test_a_snapshot_after_the_wanted_position_is_not_used(history):
    svc = history
    svc.projections.catch_up()
    take_snapshot(svc.engine, VacancyBoard(), svc.snapshot_key)
    as_at = rebuild_as_at(svc.portal, svc.engine, [VacancyBoard()], 10, key=svc.snapshot_key)
    assert as_at.started_from == {"vacancy_board": 0}
    as_at.close()


def test_snapshots_are_taken_when_enough_events_have_passed(history):
    svc = history
    head = svc.portal.last_position()
    svc.projections.catch_up()
    projections = list(svc.projections.projections.values())
    by_events = SnapshotCadence(events=50, interval=timedelta(days=7))
    taken = snapshot_if_due(svc.engine, projections, svc.snapshot_key, by_events)
    # every projection but the verifiable log, which is never snapshotted
    assert len(taken) == len([p for p in projections if p.snapshots])
    assert snapshot_if_due(svc.engine, projections, svc.snapshot_key, by_events) == []
    svc.portal.register_platform_organisation(Actor.system(), name="Office")  # one event
    svc.projections.catch_up()
    moved = svc.portal.last_position() - head
    assert 0 < moved < 50
    assert snapshot_if_due(svc.engine, projections, svc.snapshot_key, by_events) == []
    assert snapshot_if_due(svc.engine, projections, svc.snapshot_key,
                           SnapshotCadence(events=moved, interval=timedelta(days=7))) != []


def test_snapshots_are_taken_when_enough_time_has_passed(history):
    svc = history
    svc.projections.catch_up()
    projections = [svc.projections.projections["vacancy_board"]]
    hourly = SnapshotCadence(events=30, interval=timedelta(hours=1))  # by time: 3 events
    assert svc.portal.last_position() >= 30
    first = snapshot_if_due(svc.engine, projections, svc.snapshot_key, hourly)
    assert first == [svc.portal.last_position()]  # none yet: the first is due at once
    with svc.engine.connect() as c:
        taken_at = c.execute(sa.select(projection_snapshots.c.taken_at)).scalar_one()
    taken_at = taken_at.replace(tzinfo=UTC) if taken_at.tzinfo is None else taken_at
    # An hour later with no event since: nothing has moved, nothing to snapshot.
    assert snapshot_if_due(svc.engine, projections, svc.snapshot_key, hourly,
                           now=taken_at + timedelta(hours=2)) == []
    svc.portal.register_platform_organisation(Actor.system(), name="Office")
    svc.projections.catch_up()
    # One event, under a tenth of the cadence's: not worth a snapshot, even hours later.
    assert snapshot_if_due(svc.engine, projections, svc.snapshot_key, hourly,
                           now=taken_at + timedelta(hours=5)) == []
    for name in ("Office 2", "Office 3"):
        svc.portal.register_platform_organisation(Actor.system(), name=name)
    svc.projections.catch_up()
    # Three events: not due within the hour, due once the hour has passed.
    assert snapshot_if_due(svc.engine, projections, svc.snapshot_key, hourly,
                           now=taken_at + timedelta(minutes=59)) == []
    assert snapshot_if_due(svc.engine, projections, svc.snapshot_key, hourly,
                           now=taken_at + timedelta(hours=1)) == [svc.portal.last_position()]


def test_the_cadence_comes_from_the_environment_and_bad_values_are_refused():
    assert SnapshotCadence.from_environment({}) == SnapshotCadence()
    assert SnapshotCadence.from_environment(
        {"SNAPSHOT_EVERY_EVENTS": "2500", "SNAPSHOT_EVERY_MINUTES": "30"}) == SnapshotCadence(
        events=2500, interval=timedelta(minutes=30))
    with pytest.raises(ConfigurationError, match="SNAPSHOT_EVERY_EVENTS must be"):
        SnapshotCadence.from_environment({"SNAPSHOT_EVERY_EVENTS": "lots"})
    with pytest.raises(ConfigurationError, match="SNAPSHOT_EVERY_EVENTS must be"):
        SnapshotCadence.from_environment({"SNAPSHOT_EVERY_EVENTS": "10"})
    with pytest.raises(ConfigurationError, match="SNAPSHOT_EVERY_MINUTES must be"):
        SnapshotCadence.from_environment({"SNAPSHOT_EVERY_MINUTES": "0"})


def _snapshots(svc, name):
    with svc.engine.connect() as c:
        return c.execute(sa.select(projection_snapshots).where(
            projection_snapshots.c.name == name)
            .order_by(projection_snapshots.c.position)).mappings().all()


def _alter(svc, name, position, **values):
    with svc.engine.begin() as c:
        c.execute(projection_snapshots.update().where(
            projection_snapshots.c.name == name,
            projection_snapshots.c.position == position).values(**values))


@pytest.fixture
def two_snapshots(history):
    """Snapshots of the board and directory at a third and at two thirds of the history."""
    svc = history
    head = svc.portal.last_position()
    first, second = head // 3, 2 * head // 3
    for until in (first, second):
        svc.projections.catch_up(until=until)
        for projection in fresh():
            take_snapshot(svc.engine, projection, svc.snapshot_key)
    svc.projections.catch_up()
    return svc, first, second


def _tampered(payload: bytes) -> bytes:
    """The snapshot's content with one vacancy's weekly fee changed, compressed again."""
    tables = json.loads(zlib.decompress(payload))
    fee = [c.name for c in VacancyBoard.tables[0].columns].index("weekly_fee")
    tables["vacancy_board"][0][fee] += 1
    return zlib.compress(json.dumps(tables).encode())


@pytest.mark.parametrize("tamper", ["content", "signature", "unsigned", "moved"])
def test_an_altered_snapshot_is_ignored_and_the_answer_is_still_right(two_snapshots, caplog,
                                                                       tamper):
    svc, first, second = two_snapshots
    wanted = svc.portal.last_position() - 5
    expected = rebuild_as_at(svc.portal, svc.engine, fresh(), wanted, key=svc.snapshot_key,
                             use_snapshots=False)
    truth = dump(expected.engine, NAMES)
    expected.close()
    latest = _snapshots(svc, "vacancy_board")[-1]
    assert latest["position"] == second and latest["signature"] is not None
    if tamper == "content":
        _alter(svc, "vacancy_board", second, payload=_tampered(latest["payload"]))
    elif tamper == "signature":
        _alter(svc, "vacancy_board", second, signature=bytes(32))
    elif tamper == "unsigned":
        _alter(svc, "vacancy_board", second, signature=None)
    else:  # the first snapshot's content and signature put at a later position
        earlier = _snapshots(svc, "vacancy_board")[0]
        _alter(svc, "vacancy_board", second, payload=earlier["payload"],
               signature=earlier["signature"])
    with caplog.at_level(logging.WARNING, logger="projections.timetravel"):
        as_at = rebuild_as_at(svc.portal, svc.engine, fresh(), wanted, key=svc.snapshot_key)
    try:
        # The board falls back to the snapshot before; the untouched directory does not.
        assert as_at.started_from == {"directory": second, "vacancy_board": first,
                                      "provider_vacancies": second}
        assert dump(as_at.engine, NAMES) == truth
    finally:
        as_at.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    why = "unsigned" if tamper == "unsigned" else "not as signed (altered or moved)"
    assert warnings == [f"snapshot of vacancy_board at position {second} is {why}: ignored"]


def test_a_snapshot_taken_before_a_table_was_added_is_not_used(two_snapshots, state_at,
                                                               caplog):
    """A release that adds a table to a projection (the placements' monthly summary) finds
    snapshots without it: restoring one would leave the table empty, so the one before it, or
    the first event, is where the replay starts, and the answer is still right."""
    svc, first, second = two_snapshots
    wanted = svc.portal.last_position()
    truth = state_at(svc, wanted)
    latest = _snapshots(svc, "directory")[-1]
    tables = json.loads(zlib.decompress(latest["payload"]))
    del tables["settings"]
    payload = zlib.compress(json.dumps(tables).encode())
    _alter(svc, "directory", second, payload=payload, signature=snapshot_signature(
        svc.snapshot_key, "directory", second, payload))
    with caplog.at_level(logging.WARNING, logger="projections.timetravel"):
        as_at = rebuild_as_at(svc.portal, svc.engine, fresh(), wanted, key=svc.snapshot_key)
    try:
        assert as_at.started_from["directory"] == first
        assert dump(as_at.engine, NAMES) == truth
    finally:
        as_at.close()
    assert f"snapshot of directory at position {second} has no table settings: ignored" in [
        r.getMessage() for r in caplog.records]


def test_every_snapshot_altered_means_a_replay_from_the_first_event(two_snapshots, state_at):
    svc, _, _ = two_snapshots
    wanted = svc.portal.last_position()
    truth = state_at(svc, wanted)
    with svc.engine.begin() as c:
        c.execute(projection_snapshots.update().values(signature=bytes(32)))
    as_at = rebuild_as_at(svc.portal, svc.engine, fresh(), wanted, key=svc.snapshot_key)
    assert set(as_at.started_from.values()) == {0}
    assert dump(as_at.engine, NAMES) == truth
    as_at.close()


def test_a_snapshot_signed_with_another_key_is_ignored(two_snapshots):
    svc, _, _ = two_snapshots
    as_at = rebuild_as_at(svc.portal, svc.engine, fresh(), svc.portal.last_position(),
                          key=b"another deployment's key".ljust(32, b"."))
    assert set(as_at.started_from.values()) == {0}
    as_at.close()


def test_a_snapshot_table_from_before_signing_gains_its_signature_column(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as c:
        c.execute(sa.text("CREATE TABLE projection_snapshots (name VARCHAR(64), "
                          "position BIGINT, taken_at DATETIME, payload BLOB, "
                          "PRIMARY KEY (name, position))"))
        c.execute(sa.text("INSERT INTO projection_snapshots VALUES "
                          "('vacancy_board', 5, '2026-01-01 00:00:00', x'00')"))
    add_signature_column(engine)
    add_signature_column(engine)  # once only
    with engine.connect() as c:
        assert c.execute(sa.select(projection_snapshots.c.signature)).scalar_one() is None
    engine.dispose()


def test_position_at_finds_the_last_event_at_or_before_a_moment(history):
    svc = history
    head = svc.portal.last_position()
    stamps = {n.id: svc.portal.mapper.to_domain_event(n).timestamp
              for n in svc.portal.recorder.select_notifications(start=1, limit=head)}
    for position in (1, 2, head // 3, head // 2, head - 1, head):
        assert position_at(svc.portal, stamps[position]) == position
        between = stamps[position] + (stamps.get(position + 1, stamps[position]) -
                                      stamps[position]) / 2
        assert position_at(svc.portal, between) == position


def test_moments_outside_the_history_are_refused_clearly(history):
    svc = history
    with pytest.raises(HistoryError, match="is before it"):
        position_at(svc.portal, datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(HistoryError, match="is in the future"):
        position_at(svc.portal, datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(HistoryError, match="time zone"):
        position_at(svc.portal, datetime(2026, 1, 1))
    with pytest.raises(HistoryError, match="outside the history"):
        rebuild_as_at(svc.portal, svc.engine, fresh(), svc.portal.last_position() + 1,
                      key=svc.snapshot_key)
