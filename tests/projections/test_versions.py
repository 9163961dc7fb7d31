"""Read-model schema changes are handled by versioned rebuilds: a projection whose live tables
another version (or another schema) built is rebuilt from the log, alone and once, when the
projection work starts; until then no runner feeds it.

``VersionScenario`` runs on SQLite here and again on PostgreSQL in tests/postgres.
"""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from projections.base import tracking
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from projections.timetravel import projection_snapshots, take_snapshot
from projections.vacancies import VacancyBoard, vacancy_board
from projections.versions import UNKNOWN, projection_versions, schema_digest
from tests.projections.scenario import OpensServices, build_region, dump, random_history


def rebuilt_names(monkeypatch) -> list[list[str]]:
    """Every rebuild from now on, as the names it rebuilt."""
    calls: list[list[str]] = []
    original = ProjectionRunner.rebuild

    def counting(self, names=None, progress=None):
        calls.append(sorted(names) if names is not None else sorted(self.projections))
        return original(self, names, progress)

    monkeypatch.setattr(ProjectionRunner, "rebuild", counting)
    return calls


def recorded(svc) -> dict[str, tuple[int, str]]:
    with svc.engine.connect() as c:
        return {row.name: (row.version, row.digest) for row in c.execute(
            sa.select(projection_versions))}


def positions(svc) -> dict[str, int]:
    return svc.projections.positions()


class VersionScenario(OpensServices):
    """Subclasses provide ``database_url`` (a fixture) for a fresh, empty database."""

    @pytest.fixture
    def history(self, make_services):
        """A database whose projections are built and caught up; its dump; and a function
        that adds more history to it through a portal."""
        svc = make_services()
        _, settings = build_region(svc.portal)
        random_history(svc.portal, settings, steps=80, seed=5)
        svc.projections.catch_up()
        self.more = lambda portal, seed: random_history(portal, settings, steps=20, seed=seed)
        return svc, dump(svc.engine)

    def test_a_fresh_database_records_each_projection_at_its_code_version(self, make_services):
        svc = make_services()
        assert recorded(svc) == {p.name: (p.version, p.digest) for p in all_projections()}
        assert all(built.current for built in svc.projections.versions())
        assert svc.projections.rebuilding() == set()

    def test_a_version_bump_rebuilds_that_projection_once_and_alone(
            self, make_services, history, monkeypatch, caplog):
        old, before = history
        head = old.portal.last_position()
        snapshot = take_snapshot(old.engine, old.projections.projections["vacancy_board"],
                                 old.snapshot_key)
        assert snapshot == head
        old.close()
        rebuilds = rebuilt_names(monkeypatch)
        monkeypatch.setattr(VacancyBoard, "version", 2)
        with caplog.at_level(logging.WARNING, logger="projections.runner"):
            svc = make_services()  # inline: starts its projection work
        assert rebuilds == [["vacancy_board"]]
        said = [r.getMessage() for r in caplog.records if "vacancy_board" in r.getMessage()]
        assert said == ["projection vacancy_board: version 1 built, code has version 2; "
                        "rebuilding it from the log as version 2"]
        assert recorded(svc)["vacancy_board"] == (2, VacancyBoard().digest)
        assert dump(svc.engine) == before  # the same rows a fresh rebuild gives
        assert set(positions(svc).values()) == {head}
        with svc.engine.connect() as c:  # rows of the old version are never restored
            assert c.execute(sa.select(projection_snapshots.c.name).where(
                projection_snapshots.c.name == "vacancy_board")).first() is None

        # Positions resume: the next events reach every projection, the rebuilt one too.
        self.more(svc.portal, 6)
        svc.projections.catch_up()
        new_head = svc.portal.last_position()
        assert set(positions(svc).values()) == {new_head}
        caught_up = dump(svc.engine)
        svc.projections.rebuild()
        assert dump(svc.engine) == caught_up
        rebuilds.clear()
        make_services()  # recorded now: nothing to rebuild
        assert rebuilds == []

    def test_a_schema_change_without_a_bump_is_caught_and_rebuilt(
            self, make_services, history, monkeypatch, caplog):
        old, before = history
        old.close()
        changed = vacancy_board.to_metadata(sa.MetaData())
        sa.Index("ix_vacancy_board_test_fee", changed.c.weekly_fee)
        monkeypatch.setattr(VacancyBoard, "tables", (changed,))
        assert VacancyBoard().digest != schema_digest((vacancy_board,))
        assert VacancyBoard.version == 1  # not bumped
        rebuilds = rebuilt_names(monkeypatch)
        with caplog.at_level(logging.WARNING, logger="projections.runner"):
            svc = make_services()
        assert rebuilds == [["vacancy_board"]]
        assert any("vacancy_board" in r.getMessage() and "without a version bump"
                   in r.getMessage() for r in caplog.records)
        assert recorded(svc)["vacancy_board"] == (1, VacancyBoard().digest)
        indexes = {index["name"] for index in sa.inspect(svc.engine).get_indexes(
            "vacancy_board")}
        assert "ix_vacancy_board_test_fee" in indexes  # the live table has the new schema
        assert dump(svc.engine) == before

    def test_a_projection_built_with_another_version_is_not_fed_until_rebuilt(
            self, make_services, history):
        svc, _ = history
        with svc.engine.begin() as c:  # as another version of the code would leave it
            c.execute(projection_versions.update().where(
                projection_versions.c.name == "vacancy_board").values(version=7))
        at = positions(svc)["vacancy_board"]
        assert svc.projections.rebuilding() == {"vacancy_board"}
        self.more(svc.portal, 7)
        head = svc.portal.last_position()
        board = svc.projections.projections["vacancy_board"]
        # Even a group formed before another version's tables were swapped in applies
        # nothing to them: the batch reads the versions after claiming its rows.
        assert svc.projections._catch_up_group([board], head, None, []) == (0, False)
        assert positions(svc)["vacancy_board"] == at
        svc.projections.catch_up()
        moved = positions(svc)
        assert moved.pop("vacancy_board") == at  # left alone
        assert set(moved.values()) == {head}  # the others carry on
        assert svc.projections.wait_for(head)
        built = {b.name: b for b in svc.projections.versions()}["vacancy_board"]
        assert not built.current and built.describe() == "version 7 built, code has version 1"
        assert [b.name for b in svc.projections.upgrade()] == ["vacancy_board"]
        assert svc.projections.rebuilding() == set()
        assert set(positions(svc).values()) == {head}
        assert svc.projections.upgrade() == []

    def test_tables_from_before_versions_were_recorded_are_kept_when_they_have_the_schema(
            self, make_services, history, monkeypatch):
        """A database from before versions were recorded: tables with their code's columns
        and indexes are taken as built by it; one that differs is rebuilt."""
        old, before = history
        with old.engine.begin() as c:
            c.execute(projection_versions.delete())
            c.execute(sa.text("ALTER TABLE vacancy_board ADD COLUMN legacy INTEGER"))
        old.close()
        rebuilds = rebuilt_names(monkeypatch)
        svc = make_services()
        assert rebuilds == [["vacancy_board"]]
        assert recorded(svc) == {p.name: (p.version, p.digest) for p in all_projections()}
        columns = {c["name"] for c in sa.inspect(svc.engine).get_columns("vacancy_board")}
        assert "legacy" not in columns
        assert dump(svc.engine) == before

    def test_a_new_projection_is_built_from_the_log(self, make_services, history, monkeypatch):
        old, before = history
        with old.engine.begin() as c:  # as if the code had just gained the vacancy board
            c.execute(sa.text("DROP TABLE vacancy_board"))
            c.execute(tracking.delete().where(tracking.c.name == "vacancy_board"))
            c.execute(projection_versions.delete().where(
                projection_versions.c.name == "vacancy_board"))
        old.close()
        rebuilds = rebuilt_names(monkeypatch)
        web = make_services(projections_inline=False)  # a web worker beside the process
        assert rebuilds == [] and web.projections.rebuilding() == {"vacancy_board"}
        assert recorded(web)["vacancy_board"] == (UNKNOWN, "")
        svc = make_services(projections_inline=False, upgrade=True)  # the projection process
        assert rebuilds == [["vacancy_board"]]
        assert web.projections.rebuilding() == set()
        assert dump(svc.engine) == before


class TestVersionsOnSQLite(VersionScenario):
    @pytest.fixture
    def database_url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'portal.db'}"


def test_the_digest_covers_columns_types_keys_and_indexes():
    def table(*extra, name="t"):
        return sa.Table(name, sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("a", sa.String(10), nullable=False), *extra)

    base = schema_digest([table()])
    assert schema_digest([table()]) == base  # stable
    assert schema_digest([table(sa.Column("b", sa.Integer))]) != base
    assert schema_digest([table(sa.Index("ix_t_a", "a"))]) != base
    assert schema_digest([table(sa.UniqueConstraint("a"))]) != base
    changed_type = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                            sa.Column("a", sa.String(20), nullable=False))
    assert schema_digest([changed_type]) != base
    nullable = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("a", sa.String(10)))
    assert schema_digest([nullable]) != base
    assert schema_digest([table(name="u")]) != base


def test_every_projection_declares_a_positive_version_and_a_distinct_name():
    projections = all_projections()
    assert len({p.name for p in projections}) == len(projections)
    assert all(isinstance(p.version, int) and p.version >= 1 for p in projections)
