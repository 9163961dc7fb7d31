"""One event a projection cannot apply stops that projection only, where it is, until retried.

On SQLite nothing refuses a NUL byte, so here the vacancy board is made to fail on one event:
its row for one vacancy loses its description, which the table's NOT NULL refuses when the batch
is written (as PostgreSQL refuses a NUL there, at the same moment), or its handler raises. The
real NUL byte on PostgreSQL is in tests/postgres/test_projection_failures_postgres.py.
"""

from __future__ import annotations

import logging
from datetime import date

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from portal.bootstrap import bootstrap
from projections.base import tracking
from projections.failures import projection_failures
from projections.timetravel import rebuild_as_at
from projections.vacancies import provider_vacancies, vacancy_board
from tests.projections.scenario import build_region, dump, random_history

SYSTEM = Actor.system()
SECRET = "Needs a home near her sister Jo"


def publish(portal, settings, description: str = "A place") -> tuple:
    provider, setting, _ = settings[0]
    return portal.publish_vacancy(
        SYSTEM, provider_id=provider, setting_id=setting, age_from=8, age_to=17,
        needs_met=[], weekly_fee=4200, available_from=date(2027, 1, 4), expires_on=None,
        description=description)


def refuse_to_store(board, vacancy_id) -> None:
    """Make the vacancy board write a row its table refuses (NOT NULL) for one vacancy."""
    published = board.published

    def published_without_description(c, e):
        published(c, e)
        if e.originator_id == vacancy_id:
            board.rows.get(vacancy_id)["description"] = None

    board.published = published_without_description


def raise_on(board, vacancy_id) -> None:
    """Make the vacancy board's handler raise, quoting the event, for one vacancy."""
    published = board.published

    def published_or_raise(c, e):
        if e.originator_id == vacancy_id:
            raise ValueError(f"cannot show {e.description!r}")
        published(c, e)

    board.published = published_or_raise


def position(engine, name: str) -> int:
    with engine.connect() as c:
        return c.execute(sa.select(tracking.c.position).where(tracking.c.name == name)).scalar()


@pytest.fixture
def database_url(databases, tmp_path):
    return databases.new(tmp_path)


@pytest.fixture
def make_services(database_url, tmp_path):
    opened = []

    def make():
        svc = bootstrap(database_url, instance=tmp_path)
        opened.append(svc)
        return svc

    yield make
    for svc in opened:
        svc.close()


def test_an_event_the_board_cannot_store_stops_the_board_alone_at_that_event(make_services,
                                                                              caplog):
    svc = make_services()
    _, settings = build_region(svc.portal)
    random_history(svc.portal, settings, steps=40)
    bad, bad_position = publish(svc.portal, settings, SECRET)
    random_history(svc.portal, settings, steps=40, seed=3)
    head = svc.portal.last_position()
    board = svc.projections.projections["vacancy_board"]
    refuse_to_store(board, bad)

    with caplog.at_level(logging.DEBUG, logger="projections.runner"):
        svc.projections.catch_up()  # no exception: the portal carries on

    positions = svc.projections.positions()
    assert positions["vacancy_board"] == bad_position - 1  # every event before it applied
    assert {p for name, p in positions.items() if name != "vacancy_board"} == {head}
    failure = svc.projections.failures()["vacancy_board"]
    assert failure.notification_id == bad_position
    assert failure.topic.endswith("Vacancy.Published")
    assert failure.event == "Vacancy.Published"
    assert failure.error.startswith("sqlalchemy.exc.IntegrityError")
    assert failure.attempts == 1
    assert list(svc.projections.failures()) == ["vacancy_board"]
    # The other projection of the same events carried on past it.
    with svc.engine.connect() as c:
        assert c.execute(sa.select(provider_vacancies.c.description)
                         .where(provider_vacancies.c.id == bad)).scalar() == SECRET
        assert c.execute(sa.select(vacancy_board.c.id)
                         .where(vacancy_board.c.id == bad)).first() is None
    line = next(r for r in caplog.records if r.levelno == logging.ERROR)
    message = line.getMessage()
    assert "vacancy_board" in message and str(bad_position) in message
    assert "Vacancy.Published" in message and "IntegrityError" in message
    assert SECRET not in caplog.text and "NOT NULL" not in caplog.text


def test_a_stopped_projection_stays_stopped_until_retried_even_after_a_restart(make_services):
    svc = make_services()
    _, settings = build_region(svc.portal)
    bad, bad_position = publish(svc.portal, settings)
    board = svc.projections.projections["vacancy_board"]
    refuse_to_store(board, bad)
    svc.projections.catch_up()
    first = svc.projections.failures()["vacancy_board"]
    publish(svc.portal, settings)
    svc.projections.catch_up()  # a later catch-up does not try it again
    assert svc.projections.failures()["vacancy_board"] == first
    assert position(svc.engine, "vacancy_board") == bad_position - 1
    assert position(svc.engine, "provider_vacancies") == svc.portal.last_position()

    restarted = make_services()  # nothing patched: yet it stays stopped
    restarted.projections.catch_up()
    assert restarted.projections.failures()["vacancy_board"] == first
    assert position(restarted.engine, "vacancy_board") == bad_position - 1
    # Waiting to read one's own write does not wait for a stopped projection.
    restarted.projections.inline = False
    assert restarted.projections.wait_for(restarted.portal.last_position(), timeout=0.5)

    again = svc.projections.retry("vacancy_board")  # still cannot store it
    assert again is not None
    assert (again.notification_id, again.attempts) == (bad_position, 2)
    assert again.first_seen == first.first_seen and again.last_seen > first.last_seen
    assert position(svc.engine, "vacancy_board") == bad_position - 1

    # Fixed (here: unpatched). The rows the failed batches held in memory are forgotten, so
    # the retry reads the vacancy's row afresh rather than the one the table refused.
    del board.published
    assert svc.projections.retry("vacancy_board") is None
    assert restarted.projections.failures() == {}
    assert set(restarted.projections.positions().values()) == {restarted.portal.last_position()}
    live = dump(restarted.engine)
    restarted.projections.rebuild()
    assert dump(restarted.engine) == live


def test_a_failing_handler_is_found_in_a_long_batch_and_its_message_never_kept(make_services,
                                                                               caplog):
    svc = make_services()
    _, settings = build_region(svc.portal)
    random_history(svc.portal, settings, steps=300)
    bad, bad_position = publish(svc.portal, settings, SECRET)
    random_history(svc.portal, settings, steps=300, seed=5)
    raise_on(svc.projections.projections["vacancy_board"], bad)
    svc.projections.catch_up()
    failure = svc.projections.failures()["vacancy_board"]
    assert (failure.notification_id, failure.error) == (bad_position, "ValueError")
    assert position(svc.engine, "vacancy_board") == bad_position - 1
    assert SECRET not in caplog.text
    with svc.engine.connect() as c:
        stored = c.execute(sa.select(projection_failures)).mappings().one()
    assert SECRET not in " ".join(str(v) for v in stored.values())
    # The board holds what it held at the event before, as a replay up to there has it.
    stopped_board = board_rows(svc.engine)
    board = svc.projections.projections["vacancy_board"]
    del board.published  # the instance's patch: back to the class's handler
    as_at = rebuild_as_at(svc.portal, svc.engine, [board], bad_position - 1,
                          key=svc.snapshot_key, use_snapshots=False)
    try:
        assert board_rows(as_at.engine) == stopped_board
    finally:
        as_at.close()


def board_rows(engine) -> set[tuple]:
    with engine.connect() as c:
        return set(c.execute(sa.select(vacancy_board.c.id, vacancy_board.c.status,
                                       vacancy_board.c.weekly_fee, vacancy_board.c.description,
                                       vacancy_board.c.available_from)).all())


def test_a_rebuild_starts_a_stopped_projection_again(make_services):
    svc = make_services()
    _, settings = build_region(svc.portal)
    bad, _ = publish(svc.portal, settings)
    board = svc.projections.projections["vacancy_board"]
    refuse_to_store(board, bad)
    svc.projections.catch_up()
    assert "vacancy_board" in svc.projections.failures()
    del board.published  # the instance's patch: back to the class's handler
    svc.projections.rebuild(["vacancy_board"])
    assert svc.projections.failures() == {}
    assert position(svc.engine, "vacancy_board") == svc.portal.last_position()


def test_a_database_that_is_busy_is_not_taken_for_a_bad_event(make_services, monkeypatch):
    """A transient error (SQLite busy, a lost connection) is raised as before and tried again
    later, never recorded as a projection that cannot apply an event."""
    svc = make_services()
    _, settings = build_region(svc.portal)
    publish(svc.portal, settings)
    board = svc.projections.projections["vacancy_board"]

    def busy(c):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(board, "end_batch", busy)
    with pytest.raises(sa.exc.OperationalError):
        svc.projections.catch_up()
    assert svc.projections.failures() == {}
    monkeypatch.undo()
    svc.projections.catch_up()
    assert set(svc.projections.positions().values()) == {svc.portal.last_position()}


def test_a_view_as_at_a_moment_past_an_event_it_cannot_apply_is_refused_clearly(make_services):
    from projections.timetravel import HistoryError

    svc = make_services()
    _, settings = build_region(svc.portal)
    bad, bad_position = publish(svc.portal, settings)
    board = svc.projections.projections["vacancy_board"]
    raise_on(board, bad)
    with pytest.raises(HistoryError, match=f"vacancy_board view cannot be rebuilt past event "
                                           f"{bad_position:,} \\(Vacancy.Published\\)"):
        rebuild_as_at(svc.portal, svc.engine, [board], bad_position, key=svc.snapshot_key,
                      use_snapshots=False)
    as_at = rebuild_as_at(svc.portal, svc.engine, [board], bad_position - 1,
                          key=svc.snapshot_key, use_snapshots=False)  # before it: fine
    as_at.close()


def test_two_runners_meeting_the_same_bad_event_stop_it_once_and_apply_the_rest_once(
        make_services):
    import threading

    first, second = make_services(), make_services()
    _, settings = build_region(first.portal)
    random_history(first.portal, settings, steps=150)
    bad, bad_position = publish(first.portal, settings)
    random_history(first.portal, settings, steps=150, seed=9)
    for svc in (first, second):
        refuse_to_store(svc.projections.projections["vacancy_board"], bad)
    errors = []

    def run(svc):
        try:
            svc.projections.catch_up()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert position(first.engine, "vacancy_board") == bad_position - 1
    assert first.projections.failures()["vacancy_board"].notification_id == bad_position
    together = dump(first.engine)
    with first.engine.begin() as c:
        c.execute(projection_failures.delete())
    first.projections.rebuild([name for name in first.projections.projections
                               if name != "vacancy_board"])
    rebuilt = dump(first.engine)
    assert {k: v for k, v in rebuilt.items() if k != "projection_failures"} == {
        k: v for k, v in together.items() if k != "projection_failures"}
