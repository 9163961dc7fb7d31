"""Events in, rows out: incremental equals rebuild, restarts resume, nothing applies twice.

``ProjectionScenario`` runs on SQLite here and again on PostgreSQL in tests/postgres, which
subclasses it and supplies its own ``database_url``.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal.bootstrap import bootstrap
from projections.base import tracking
from projections.registry import all_projections
from projections.vacancies import provider_vacancies, vacancy_board
from tests.projections.scenario import build_region, dump, random_history, random_placements


class ProjectionScenario:
    """Subclasses provide ``database_url`` (a fixture) for a fresh, empty database."""

    @pytest.fixture
    def make_services(self, database_url):
        opened = []

        def make(**kwargs):
            svc = bootstrap(database_url, **kwargs)
            opened.append(svc)
            return svc

        yield make
        for svc in opened:
            svc.close()

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


class TestProjectionsOnSQLite(ProjectionScenario):
    @pytest.fixture
    def database_url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'portal.db'}"
