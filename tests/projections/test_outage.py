"""A database that is read-only or whose disk is full: recognised from the real driver errors,
and the projection runner waits at its position, saying which, and tries the same batch again
(never recording the event as one it cannot apply, never skipping it)."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from projections import outage
from tests.databases import on_postgresql
from tests.projections.scenario import build_region
from tests.projections.test_projection_failures import (  # noqa: F401 (fixtures)
    database_url,
    make_services,
    position,
    publish,
)


def read_only_error(tmp_path) -> sa.exc.OperationalError:
    """What SQLite says when a write reaches a database opened read-only."""
    path = tmp_path / "ro.db"
    sa.create_engine(f"sqlite:///{path}").connect().execute(sa.text("CREATE TABLE t (x)")) \
        .close()
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(sa.exc.OperationalError) as raised, engine.begin() as c:
        c.execute(sa.text("INSERT INTO t VALUES (1)"))
    return raised.value


def disk_full_error(tmp_path) -> sa.exc.OperationalError:
    """What SQLite says when a write needs a page it cannot have (a full disk, here a file
    held to a few pages)."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'full.db'}")

    @sa.event.listens_for(engine, "connect")
    def few_pages(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA max_page_count = 3")

    def fill() -> None:
        with engine.begin() as c:
            c.execute(sa.text("CREATE TABLE t (x)"))
            for _ in range(50):
                c.execute(sa.text("INSERT INTO t VALUES (:x)"), {"x": "x" * 4000})

    with pytest.raises(sa.exc.OperationalError) as raised:
        fill()
    return raised.value


def test_the_real_errors_are_recognised(tmp_path):
    assert outage.problem(read_only_error(tmp_path)) == outage.READ_ONLY
    assert outage.problem(disk_full_error(tmp_path)) == outage.FULL
    assert outage.problem(sa.exc.OperationalError(
        "SELECT", {}, Exception("database is locked"))) is None
    assert outage.problem(ValueError("not the database")) is None


def test_the_health_check_says_when_the_disk_is_nearly_full(make_services, monkeypatch):  # noqa: F811
    svc = make_services()
    assert outage.check(svc.engine) is None
    monkeypatch.setattr(outage, "LOW_DISK_BYTES", 1 << 62)
    # On PostgreSQL the disk is the server's, out of the portal's sight: a full one reaches
    # the portal as the server's own errors (recognised by outage.problem), not by looking.
    assert outage.check(svc.engine) == (None if on_postgresql() else outage.FULL)


def test_a_full_disk_while_projecting_waits_at_the_position_and_loses_nothing(
        make_services, monkeypatch, caplog, tmp_path):  # noqa: F811
    svc = make_services()
    _, settings = build_region(svc.portal)
    svc.projections.catch_up()
    at = position(svc.engine, "vacancy_board")
    publish(svc.portal, settings)
    full = disk_full_error(tmp_path)
    board = svc.projections.projections["vacancy_board"]

    def disk_full(c):
        raise full

    monkeypatch.setattr(board, "end_batch", disk_full)
    with caplog.at_level(logging.WARNING, "projections.runner"), \
            pytest.raises(sa.exc.OperationalError):
        svc.projections.catch_up()
    said = [r.getMessage() for r in caplog.records if "wait after notification" in r.getMessage()]
    assert said and f"wait after notification {at} " in said[0] and "database full" in said[0]
    assert "vacancy_board" in said[0]
    assert svc.projections.failures() == {}  # not taken for an event it cannot apply
    assert position(svc.engine, "vacancy_board") == at  # nothing skipped
    monkeypatch.undo()
    svc.projections.catch_up()
    assert set(svc.projections.positions().values()) == {svc.portal.last_position()}
