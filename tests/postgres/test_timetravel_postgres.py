""""As at" on PostgreSQL: snapshots read from PostgreSQL (times with their zone) restore into
the in-memory SQLite an "as at" view uses, and into another PostgreSQL database (``portal
replay --into``), to the same rows as a replay from the first event."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.bootstrap import bootstrap
from projections.directory import Directory
from projections.timetravel import add_signature_column, rebuild_as_at, take_snapshot
from projections.vacancies import ProviderVacancies, VacancyBoard
from tests.projections.scenario import build_region, dump, random_history

pytestmark = pytest.mark.postgres

NAMES = ["organisations", "partnership_members", "settings", "accounts", "vacancy_board",
         "provider_vacancies"]


def fresh():
    return [Directory(), VacancyBoard(), ProviderVacancies()]


def test_snapshots_from_postgresql_restore_to_the_rows_of_a_full_replay(postgres_url,
                                                                       throwaway_database,
                                                                       postgres_server):
    svc = bootstrap(postgres_url)
    try:
        # As a database from before snapshots were signed: the column is added in place.
        with svc.engine.begin() as c:
            c.execute(sa.text("ALTER TABLE projection_snapshots DROP COLUMN signature"))
        add_signature_column(svc.engine)
        _, settings = build_region(svc.portal)
        random_history(svc.portal, settings, steps=120, seed=5)
        head = svc.portal.last_position()
        svc.projections.catch_up(until=head - 15)
        for projection in fresh():
            take_snapshot(svc.engine, projection, svc.snapshot_key)
        svc.projections.catch_up()
        full = rebuild_as_at(svc.portal, svc.engine, fresh(), head, key=svc.snapshot_key,
                             use_snapshots=False)
        truth = dump(full.engine, NAMES)
        full.close()
        in_memory = rebuild_as_at(svc.portal, svc.engine, fresh(), head, key=svc.snapshot_key)
        assert set(in_memory.started_from.values()) == {head - 15}
        assert dump(in_memory.engine, NAMES) == truth
        in_memory.close()
        target = sa.create_engine(postgres_server.database_url(throwaway_database()))
        other = rebuild_as_at(svc.portal, svc.engine, fresh(), head, key=svc.snapshot_key,
                              target=target)
        assert set(other.started_from.values()) == {head - 15}
        # At the head, the rebuilt tables are the live ones (both PostgreSQL: same zone).
        assert dump(target, NAMES) == dump(svc.engine, NAMES)
        other.close()
    finally:
        svc.close()
