"""The aggregate cache (portal/services/aggregate_cache.py) on a SQLite file: a failed save
does not reach it, another process's writes are seen, version clashes are still refused,
threads never see a half-applied record; and its setting."""

from __future__ import annotations

import pytest
from eventsourcing.application import Repository

from domain.actor import Actor
from portal.services.aggregate_cache import DEFAULT_MAXSIZE, CachingRepository
from portal.services.application import Portal
from projections.database import ConfigurationError
from tests.application import cache_scenarios
from tests.web.test_version_clashes import publish_vacancy, region

SYSTEM = Actor.system()


@pytest.fixture
def ours(services):
    return services.portal


@pytest.fixture
def theirs(services):
    application = Portal(env=services.database.event_store_env())
    yield application
    application.close()


@pytest.fixture
def plain(services):
    application = Portal(env={**services.database.event_store_env(),
                              "AGGREGATE_CACHE_MAXSIZE": "0"})
    yield application
    application.close()


def test_a_failed_save_leaves_the_cache_as_stored(ours, theirs, plain, monkeypatch):
    cache_scenarios.a_failed_save_leaves_the_cache_as_stored(ours, theirs, plain, monkeypatch)


def test_another_process_writes_are_seen(ours, theirs, plain):
    cache_scenarios.another_process_writes_are_seen(ours, theirs, plain)


def test_several_records_in_one_transaction(ours, theirs, plain):
    cache_scenarios.several_records_in_one_transaction(ours, theirs, plain)


def test_threads_never_see_a_half_applied_record(ours, theirs, plain):
    cache_scenarios.threads_never_see_a_half_applied_record(ours, theirs, plain)


def test_the_cache_keeps_the_most_recently_used_records_only():
    portal = Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo",
                         "AGGREGATE_CACHE_MAXSIZE": "2"})
    provider = region(portal)  # an authority and a provider (with its setting)
    vacancy = publish_vacancy(portal, provider)
    committed = portal.repository.committed
    assert len(committed) == 2
    assert committed.get(vacancy) is not None and committed.get(provider) is not None
    portal.get_authority("886")
    assert committed.get(vacancy) is None  # the least recently used went
    assert portal.get_vacancy(vacancy).weekly_fee == 5200  # replayed, and kept again
    assert committed.get(vacancy) is not None


def test_the_cache_is_set_from_the_environment(monkeypatch):
    popo = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    assert Portal(env=popo).repository.committed.maxsize == DEFAULT_MAXSIZE
    monkeypatch.setenv("AGGREGATE_CACHE_MAXSIZE", "123")
    assert Portal(env=popo).repository.committed.maxsize == 123
    off = Portal(env={**popo, "AGGREGATE_CACHE_MAXSIZE": "0"})
    assert type(off.repository) is Repository and off.repository.cache is None
    assert not isinstance(off.repository, CachingRepository)
    provider = region(off)
    assert off.get_vacancy(publish_vacancy(off, provider)).version == 1
    with pytest.raises(ConfigurationError, match="AGGREGATE_CACHE_MAXSIZE must be a whole"):
        Portal(env={**popo, "AGGREGATE_CACHE_MAXSIZE": "lots"})
