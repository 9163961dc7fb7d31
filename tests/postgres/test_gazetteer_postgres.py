"""Postcode districts on the real PostgreSQL server: seeded once however many processes start
at once, administrators' additions on top, both kept by a rebuild."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from portal.bootstrap import bootstrap
from projections.gazetteer import postcode_districts, shipped_districts

pytestmark = pytest.mark.postgres


def rows(engine) -> dict:
    with engine.connect() as c:
        return {r.district: (r.easting, r.la_ons_code, r.source)
                for r in c.execute(sa.select(postcode_districts))}


def test_processes_starting_together_seed_once_and_additions_survive_a_rebuild(postgres_url):
    opened = [bootstrap(postgres_url) for _ in range(4)]
    first = opened[0]
    errors = []

    def set_up(svc) -> None:
        try:
            svc.projections.setup()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    try:
        assert len(rows(first.engine)) == len(shipped_districts())
        with first.engine.begin() as c:  # as if the table were new: every process seeds
            c.execute(postcode_districts.delete())
        threads = [threading.Thread(target=set_up, args=(svc,)) for svc in opened]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(rows(first.engine)) == len(shipped_districts())
        _, position = first.portal.add_districts(
            Actor.system(), rows=[{"district": "ME21", "easting": 577_000, "northing": 155_000,
                                   "la_ons_code": "E10000016"},
                                  {"district": "DT1", "easting": 368_000, "northing": 90_000,
                                   "la_ons_code": "E06000059"}],
            file_name="new.csv", file_sha256="c" * 64)
        first.projections.wait_for(position)
        live = rows(first.engine)
        assert live["ME21"] == (577_000, "E10000016", "added")
        assert live["DT1"] == (368_000, "E06000059", "added")
        assert len(live) == len(shipped_districts()) + 1
        first.projections.rebuild(["gazetteer"])
        assert rows(first.engine) == live
    finally:
        for svc in opened:
            svc.close()
