"""`make bench`'s copy of a SQLite portal's event log into PostgreSQL
(tests/benchmarks/postgres_log.py): the copy holds the same events at the same positions as
the portal stores them there, the portal goes on appending after them, and a database that
already holds events is refused."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from portal.bootstrap import bootstrap
from tests.benchmarks.postgres_log import CopyError, copy_log

pytestmark = pytest.mark.postgres

SYSTEM = Actor.system()
HOMES = "childrens_home_operator"


def notifications(services) -> list[tuple]:
    return [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in services.portal.recorder.select_notifications(0, limit=1_000)]


def test_the_copy_is_the_log_as_stored_and_the_portal_appends_after_it(tmp_path, postgres_url):
    source = tmp_path / "sqlite"
    sqlite = bootstrap(f"sqlite:///{source / 'portal.db'}", instance=source)
    try:
        authority, _ = sqlite.portal.register_authority(
            SYSTEM, la_code="838", ons_code="E06000059", name="Testshire", population_0_17=1000,
            partnerships=[], key_decision_threshold=100_000)
        sqlite.portal.update_authority(SYSTEM, authority, name="Testshire Council")
        for n in range(3):
            sqlite.portal.register_provider(SYSTEM, name=f"Provider {n}", kind=HOMES)
        stored = notifications(sqlite)
    finally:
        sqlite.close()
    assert len(stored) == 5

    target = tmp_path / "postgresql"
    copied = copy_log(source / "portal.db", source, postgres_url, target)

    assert copied.events == 5
    assert (target / "child_ref.key").read_bytes() == (source / "child_ref.key").read_bytes()
    postgres = bootstrap(postgres_url, projections_inline=False, instance=target)
    try:
        assert notifications(postgres) == stored
        assert postgres.portal.get_authority(authority).name == "Testshire Council"
        _, position = postgres.portal.register_provider(SYSTEM, name="Provider 4", kind=HOMES)
        assert position == stored[-1][0] + 1
    finally:
        postgres.close()

    with pytest.raises(CopyError, match="is not empty"):
        copy_log(source / "portal.db", source, postgres_url, target)


def test_a_sqlite_url_is_refused(tmp_path):
    with pytest.raises(CopyError, match="not a PostgreSQL database URL"):
        copy_log(tmp_path / "portal.db", tmp_path, f"sqlite:///{tmp_path / 'other.db'}",
                 tmp_path / "other")
