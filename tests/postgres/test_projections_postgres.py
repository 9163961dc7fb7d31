"""The whole projection scenario (incremental equals rebuild, restarts resume, two runners
apply each event once, partial rebuild, lag) on the real PostgreSQL server."""

from __future__ import annotations

import threading

import pytest

# Imported as a module, not by name, so pytest does not collect the SQLite class here again.
from tests.projections import test_projections as base
from tests.projections.scenario import build_region, dump, random_history, random_placements

pytestmark = pytest.mark.postgres


class TestProjectionsOnPostgres(base.ProjectionScenario):
    @pytest.fixture
    def database_url(self, postgres_url):
        return postgres_url

    def test_concurrent_runners_together_apply_the_log_exactly_once(self, make_services):
        """Stronger than comparing tables: the events applied by four runners racing on the
        tracking rows add up to exactly what one rebuild applies, so none was applied twice."""
        runners = [make_services() for _ in range(4)]
        authorities, settings = build_region(runners[0].portal)
        random_history(runners[0].portal, settings, steps=200, seed=3)
        random_placements(runners[0].portal, authorities, settings, steps=150, seed=3)
        applied: list[int] = []
        errors: list[BaseException] = []
        start = threading.Barrier(len(runners))

        def run(svc):
            try:
                start.wait(timeout=10)
                applied.append(svc.projections.catch_up())
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=run, args=(svc,)) for svc in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert len(applied) == len(runners)
        together = dump(runners[0].engine)
        assert sum(applied) == runners[0].projections.rebuild() > 0
        assert dump(runners[0].engine) == together
        head = runners[0].portal.last_position()
        assert {lag.behind for lag in runners[1].projections.lags()} == {0}
        assert set(runners[2].projections.positions().values()) == {head}
