"""The aggregate cache's rules (portal/services/aggregate_cache.py), as scenarios run on SQLite
(tests/application/test_aggregate_cache.py) and on PostgreSQL
(tests/postgres/test_aggregate_cache_postgres.py), each of which subclasses ``CacheScenarios``.

Each takes ``ours`` (the application under test, with its cache) and ``theirs`` (another
process's application on the same database, a second gunicorn worker) and ``plain`` (a third
with the cache off: what replaying every event gives).
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from eventsourcing.persistence import RecordConflictError

from domain.actor import Actor
from domain.errors import Conflict, StaleVersion
from domain.storable import Unstorable
from portal.services.aggregate_cache import CachingRepository
from portal.services.application import Portal
from tests.web.test_version_clashes import (
    CONCURRENT,
    all_at_once,
    clash_before_saving,
    publish_vacancy,
    region,
)

SYSTEM = Actor.system()


def cached_version(portal: Portal, aggregate_id) -> int | None:
    assert isinstance(portal.repository, CachingRepository)
    entry = portal.repository.committed.get(aggregate_id)
    return None if entry is None else entry[0]


def assert_as_replayed(portal: Portal, plain: Portal, *aggregate_ids) -> None:
    """Each record as ``portal`` loads it (from its cache) is the record its events make."""
    for aggregate_id in aggregate_ids:
        assert vars(portal.repository.get(aggregate_id)) == vars(plain.repository.get(
            aggregate_id))


class CacheScenarios:
    """The scenarios as tests, run once per database by subclassing (as the eventsourcing
    library's own examples run one scenario per storage backend): each subclass's module
    provides the ``services`` fixture on its database."""

    @pytest.fixture
    def ours(self, services) -> Portal:
        return services.portal

    @pytest.fixture
    def theirs(self, services):
        application = Portal(env=services.database.event_store_env())
        yield application
        application.close()

    @pytest.fixture
    def plain(self, services):
        application = Portal(env={**services.database.event_store_env(),
                                  "AGGREGATE_CACHE_MAXSIZE": "0"})
        yield application
        application.close()

    def test_a_failed_save_leaves_the_cache_as_stored(self, ours: Portal, theirs: Portal,
                                                      plain: Portal, monkeypatch) -> None:
        provider = region(ours)
        vacancy = publish_vacancy(ours, provider)
        assert cached_version(ours, vacancy) == 1  # saved, so kept
        # Refused before the store: text no database can hold.
        with pytest.raises(Unstorable):
            ours.update_vacancy(SYSTEM, vacancy, description="NUL:\x00")
        assert ours.get_vacancy(vacancy).description == ""
        # Refused by the store: the version is taken by another process, twice (so no retry
        # succeeds); our description is nowhere, theirs is what every load sees.
        fees = iter([4100, 4200])
        clash_before_saving(monkeypatch, ours, lambda: theirs.update_vacancy(
            SYSTEM, vacancy, weekly_fee=next(fees)), times=2)
        with pytest.raises(Conflict):
            ours.update_vacancy(SYSTEM, vacancy, description="Ours")
        monkeypatch.undo()
        now = ours.get_vacancy(vacancy)
        assert (now.weekly_fee, now.description, now.version) == (4200, "", 3)
        # The store fails while writing (a lost connection): nothing of it is cached.
        real_put = ours.events.put

        def failing_put(*args, **kwargs):
            raise OSError("connection lost")

        monkeypatch.setattr(ours.events, "put", failing_put)
        with pytest.raises(OSError, match="connection lost"):
            ours.update_vacancy(SYSTEM, vacancy, description="Lost")
        monkeypatch.setattr(ours.events, "put", real_put)
        assert cached_version(ours, vacancy) == 3
        assert ours.get_vacancy(vacancy).description == ""
        # A command's changes to the object it loaded reach nothing unless saved.
        loaded = ours.get_vacancy(vacancy)
        loaded.update(ours._setting(loaded.provider_id, loaded.setting_id), actor=SYSTEM,
                      weekly_fee=9999)
        assert ours.get_vacancy(vacancy).weekly_fee == 4200
        assert_as_replayed(ours, plain, vacancy, provider)


    def test_another_process_writes_are_seen(self, ours: Portal, theirs: Portal,
                                             plain: Portal) -> None:
        provider = region(ours)
        vacancy = publish_vacancy(ours, provider)
        opened_at = ours.get_vacancy(vacancy).version  # a form opened on our worker
        theirs.update_vacancy(SYSTEM, vacancy, weekly_fee=6100, description="Sea view")
        theirs.hold_vacancy(SYSTEM, vacancy, home_search_ref="HS-9")
        now = ours.get_vacancy(vacancy)
        assert (now.weekly_fee, now.description, now.status, now.version) == (
            6100, "Sea view", "held", 3)
        # The form opened before their change is refused ("changed by someone else"), however
        # current our cached copy was when it was opened.
        with pytest.raises(StaleVersion):
            ours.update_vacancy(SYSTEM, vacancy, weekly_fee=5000, expected_version=opened_at)
        with pytest.raises(StaleVersion):
            ours.release_vacancy(SYSTEM, vacancy, expected_version=opened_at)
        assert ours.get_vacancy(vacancy).version == 3
        # A form opened now is accepted, and the other worker sees our change in turn.
        ours.release_vacancy(SYSTEM, vacancy, expected_version=3)
        assert theirs.get_vacancy(vacancy).status == "available"
        # A record another process created after ours last looked is found too.
        created_there = publish_vacancy(theirs, provider)
        assert ours.get_vacancy(created_there).weekly_fee == 5200
        assert_as_replayed(ours, plain, vacancy, created_there, provider)
        assert_as_replayed(theirs, plain, vacancy, created_there, provider)


    def test_several_records_in_one_transaction(self, ours: Portal, theirs: Portal,
                                                plain: Portal) -> None:
        provider = region(ours)
        first, second = publish_vacancy(ours, provider), publish_vacancy(ours, provider)
        # Saved together (one transaction): both kept at their new versions.
        for vacancy in (first, second):
            ours.update_vacancy(SYSTEM, vacancy, expires_on=date(2027, 2, 1))
        ours.expire_vacancies([first, second], today=date(2027, 3, 1))
        assert (cached_version(ours, first), cached_version(ours, second)) == (3, 3)
        assert {ours.get_vacancy(v).status for v in (first, second)} == {"expired"}
        # Refused together: another process changed the second after we loaded both; the first's
        # change is not stored, and neither is cached.
        third, fourth = publish_vacancy(ours, provider), publish_vacancy(ours, provider)
        mine, other = ours.get_vacancy(third), ours.get_vacancy(fourth)
        theirs.update_vacancy(SYSTEM, fourth, weekly_fee=7000)
        setting = ours._setting(provider, mine.setting_id)
        mine.update(setting, actor=SYSTEM, weekly_fee=1111)
        other.update(setting, actor=SYSTEM, weekly_fee=2222)
        with pytest.raises(RecordConflictError):
            ours._save(mine, other)
        assert (cached_version(ours, third), cached_version(ours, fourth)) == (1, 1)
        assert len(list(ours.events.get(third))) == 1
        assert (ours.get_vacancy(third).weekly_fee, ours.get_vacancy(fourth).weekly_fee) == (
            5200, 7000)
        assert_as_replayed(ours, plain, first, second, third, fourth)


    def test_threads_never_see_a_half_applied_record(self, ours: Portal, theirs: Portal,
                                                     plain: Portal) -> None:
        """Readers in our process load a record while another process keeps changing it: each
        load is a record as some version of it stood (its fee is the one set at that version),
        and commands in many threads at once are saved or refused as without a cache."""
        provider = region(ours)
        vacancy = publish_vacancy(ours, provider)
        updates = 30
        seen: list[tuple[int, int]] = []
        done = threading.Event()

        def write() -> None:
            try:
                for version in range(2, updates + 2):
                    theirs.update_vacancy(SYSTEM, vacancy, weekly_fee=1000 + version)
            finally:
                done.set()

        def read() -> None:
            while not done.is_set():
                loaded = ours.get_vacancy(vacancy)
                seen.append((loaded.version, loaded.weekly_fee))

        threads = [threading.Thread(target=write)] + [threading.Thread(target=read)
                                                      for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert seen
        torn = [(v, fee) for v, fee in seen if fee != (5200 if v == 1 else 1000 + v)]
        assert not torn, torn[:5]
        assert ours.get_vacancy(vacancy).version == updates + 1
        outcomes = all_at_once(CONCURRENT, lambda i: ours.update_vacancy(
            SYSTEM, vacancy, weekly_fee=5000 + i))
        kinds = {type(o).__name__ for o in outcomes}
        assert kinds <= {"int", "Conflict"}, outcomes
        saved = sum(isinstance(o, int) for o in outcomes)
        assert saved >= 1
        assert ours.get_vacancy(vacancy).version == updates + 1 + saved
        assert_as_replayed(ours, plain, vacancy)
        assert_as_replayed(theirs, plain, vacancy)
