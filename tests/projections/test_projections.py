"""Events in, rows out: incremental equals rebuild, restarts resume, nothing applies twice.

``ProjectionScenario`` runs on SQLite here and again on PostgreSQL in tests/postgres, which
subclasses it and supplies its own ``database_url``.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from projections import changes
from projections.audit.index import audit_events
from projections.base import tracking
from projections.bulk import TableWriter
from projections.registry import all_projections
from projections.vacancies import provider_vacancies, vacancy_board
from tests.projections.scenario import (
    OpensServices,
    build_region,
    dump,
    random_history,
    random_placements,
)


class ProjectionScenario(OpensServices):
    """Subclasses provide ``database_url`` (a fixture) for a fresh, empty database."""

    def test_incremental_processing_equals_a_rebuild(self, make_services):
        svc = make_services()
        authorities, settings = build_region(svc.portal)
        for chunk in range(4):
            random_history(svc.portal, settings, steps=60, seed=chunk)
            random_placements(svc.portal, authorities, settings, steps=40, seed=chunk)
            svc.projections.catch_up()  # incremental, a batch at a time
        incremental = dump(svc.engine)
        assert incremental["vacancy_board"], "the history should leave open vacancies"
        assert len(incremental["placement_episodes"]) > len(incremental["placement_children"])
        applied = svc.projections.rebuild()
        assert applied > 0
        assert dump(svc.engine) == incremental

    def test_a_restarted_runner_resumes_where_it_stopped(self, make_services):
        svc = make_services()
        _, settings = build_region(svc.portal)
        random_history(svc.portal, settings, steps=120)
        head = svc.portal.last_position()
        svc.projections.catch_up(until=head // 2)
        assert set(svc.projections.positions().values()) == {head // 2}
        svc.close()

        restarted = make_services()
        assert set(restarted.projections.positions().values()) == {head // 2}
        restarted.projections.catch_up()
        resumed = dump(restarted.engine)
        restarted.projections.rebuild()
        assert dump(restarted.engine) == resumed
        assert restarted.projections.catch_up() == 0  # nothing is applied twice

    def test_two_runners_at_once_apply_each_event_exactly_once(self, make_services):
        first, second = make_services(), make_services()
        _, settings = build_region(first.portal)
        random_history(first.portal, settings, steps=300)
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
        together = dump(first.engine)
        first.projections.rebuild()
        assert dump(first.engine) == together

    def test_rebuilding_one_projection_leaves_the_others_alone(self, make_services):
        svc = make_services()
        _, settings = build_region(svc.portal)
        random_history(svc.portal, settings, steps=80)
        svc.projections.catch_up()
        before = dump(svc.engine)
        with svc.engine.begin() as c:
            c.execute(vacancy_board.delete())
            c.execute(provider_vacancies.update().values(weekly_fee=1))
        svc.projections.rebuild(["vacancy_board"])
        after = dump(svc.engine)
        assert after["vacancy_board"] == before["vacancy_board"]
        assert after["provider_vacancies"] != before["provider_vacancies"]
        with pytest.raises(KeyError, match="Unknown projection: nope"):
            svc.projections.rebuild(["nope"])

    def test_readers_see_the_old_rows_until_a_rebuild_swaps_in_the_new_ones(
            self, make_services):
        svc = make_services()
        _, settings = build_region(svc.portal)
        random_history(svc.portal, settings, steps=80)
        svc.projections.catch_up()
        before = dump(svc.engine)
        seen_during = []
        later = []

        def midway(name, position, head):
            # A reader part-way through the rebuild: the live tables, whole, as they were.
            seen_during.append(dump(svc.engine, ["vacancy_board", "audit_events"]))
            if not later:  # the log grows while the rebuild runs
                later.extend(random_history(svc.portal, settings, steps=5, seed=3))

        svc.projections.rebuild(progress=midway)
        assert seen_during
        assert all(seen == {k: before[k] for k in ("vacancy_board", "audit_events")}
                   for seen in seen_during)
        head = svc.portal.last_position()
        assert set(svc.projections.positions().values()) == {head}  # the growth included
        assert svc.projections.catch_up() == 0  # and applied once
        rebuilt = dump(svc.engine)
        assert len(rebuilt["audit_events"]) > len(before["audit_events"])
        svc.projections.rebuild()
        assert dump(svc.engine) == rebuilt
        # Indexes only readers use are built after the rows: every one is there.
        inspector = sa.inspect(svc.engine)
        for table in (audit_events, vacancy_board, provider_vacancies):
            assert {i["name"] for i in inspector.get_indexes(table.name)} >= {
                i.name for i in table.indexes}

    def test_the_driver_path_stores_exactly_what_sqlalchemy_stores(self, make_services):
        svc = make_services()
        kinds = sa.MetaData()
        table = sa.Table(
            "bulk_kinds", kinds,
            sa.Column("id", sa.Uuid, primary_key=True),
            sa.Column("at", sa.DateTime(timezone=True)),
            sa.Column("naive", sa.DateTime),
            sa.Column("day", sa.Date),
            sa.Column("flag", sa.Boolean, nullable=False),
            sa.Column("number", sa.Integer),
            sa.Column("big", sa.BigInteger),
            sa.Column("ratio", sa.Float),
            sa.Column("text", sa.Text),
            sa.Column("blob", sa.LargeBinary),
        )
        kinds.create_all(svc.engine)
        rows = [
            {"id": uuid.UUID(int=n), "at": datetime(2026, 3, 29, 1, 30, n, 7 * n, tzinfo=UTC)
             + timedelta(hours=n), "naive": datetime(2026, 1, 1, 0, 0, n),
             "day": date(2026, 12, 31) - timedelta(days=n), "flag": n % 2 == 0,
             "number": n - 2, "big": 2 ** 40 + n, "ratio": n / 3,
             "text": "quote ' and \\ tab\t newline\n é" * n, "blob": bytes(range(n * 7))}
            for n in range(4)]
        rows.append({"id": uuid.uuid4(), "at": datetime(2026, 6, 1, 12, tzinfo=timezone(
            timedelta(hours=1))), "naive": None, "day": None, "flag": True, "number": None,
            "big": None, "ratio": None, "text": None, "blob": None})
        # Dates the C isoformat path renders (years below 1000, no microseconds) and values
        # it leaves to SQLAlchemy's processor (a date in a DateTime column).
        rows.append({"id": uuid.uuid4(), "at": datetime(999, 1, 2, 3, 4, 5), "naive":
                     date(2026, 5, 4), "day": date(5, 6, 7), "flag": False, "number": 0,
                     "big": 0, "ratio": 0.0, "text": "", "blob": b""})
        with svc.engine.begin() as c:
            c.execute(table.insert(), rows)
            stored = {row[0]: row for row in c.exec_driver_sql(
                "SELECT * FROM bulk_kinds").all()}
            c.execute(table.delete())
            TableWriter(table).insert(c, rows)
            written = {row[0]: row for row in c.exec_driver_sql(
                "SELECT * FROM bulk_kinds").all()}
            assert written == stored  # the very values the database holds
            TableWriter(table).update(c, [{"id": rows[1]["id"], "number": 99, "text": "x"}])
            TableWriter(table).delete(c, [rows[0]["id"]])
            left = c.execute(sa.select(table.c.id, table.c.number, table.c.text)
                             .order_by(table.c.big)).all()
        assert (rows[1]["id"], 99, "x") in left
        assert rows[0]["id"] not in {row.id for row in left} and len(left) == 5

    def test_lag_is_reported_per_projection(self, make_services):
        svc = make_services()
        build_region(svc.portal)
        head = svc.portal.last_position()
        assert {lag.behind for lag in svc.projections.lags()} == {head}
        svc.projections.catch_up()
        assert {lag.behind for lag in svc.projections.lags()} == {0}
        with svc.engine.connect() as c:
            names = set(c.execute(sa.select(tracking.c.name)).scalars())
        assert names == {p.name for p in all_projections()}


    def test_a_batch_passes_by_the_projections_that_take_none_of_its_events(
            self, make_services, monkeypatch):
        svc = make_services()
        _, settings = build_region(svc.portal)
        svc.projections.catch_up()
        with svc.engine.connect() as c:
            changed_before = changes.last_changed(c, ["tenders", "vacancy_board"])
        random_history(svc.portal, settings, steps=30)  # vacancy events only
        called: list[tuple[str, str]] = []
        for name in ("tenders", "vacancy_board"):
            projection = svc.projections.projections[name]
            for hook in ("prepare", "begin_batch", "end_batch"):
                original = getattr(projection, hook)
                monkeypatch.setattr(projection, hook, lambda *args, name=name, hook=hook,
                                    original=original: (called.append((name, hook)),
                                                        original(*args))[1])
        svc.projections.catch_up()
        assert {name for name, _ in called} == {"vacancy_board"}
        assert [hook for _, hook in called] == ["prepare", "begin_batch", "end_batch"]
        # Passed by, it still moves on with the batch; its tables did not change.
        head = svc.portal.last_position()
        assert set(svc.projections.positions().values()) == {head}
        with svc.engine.connect() as c:
            changed_after = changes.last_changed(c, ["tenders", "vacancy_board"])
        assert changed_after["tenders"] == changed_before["tenders"]
        assert changed_after["vacancy_board"] > changed_before["vacancy_board"]


class TestProjectionsOnSQLite(ProjectionScenario):
    @pytest.fixture
    def database_url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'portal.db'}"


def test_the_demo_history_rebuilds_to_the_rows_its_commands_built(demo_services):
    """The demo region, projected event by event as its commands ran (small batches, rows
    read back from the tables), equals a rebuild from the log (big batches into shadow
    tables, swapped in): every read-model table, row for row."""
    incremental = dump(demo_services.engine)
    assert incremental["vacancy_board"] and incremental["placement_episodes"]
    assert demo_services.projections.rebuild() > 0
    assert dump(demo_services.engine) == incremental
    assert demo_services.projections.catch_up() == 0
