"""The aggregate cache (portal/services/aggregate_cache.py) on a SQLite file: a failed save
does not reach it, another process's writes are seen, version clashes are still refused,
threads never see a half-applied record; and its setting."""

from __future__ import annotations

import sqlite3
from uuid import uuid4

import pytest
from eventsourcing.application import Repository

from domain.actor import Actor
from portal.services.aggregate_cache import DEFAULT_MAXSIZE, CachingRepository
from portal.services.application import Portal
from projections.database import ConfigurationError
from tests.application.cache_scenarios import CacheScenarios
from tests.web.test_version_clashes import publish_vacancy, region

SYSTEM = Actor.system()


class TestOnSQLite(CacheScenarios):
    """The scenarios on this suite's SQLite file."""


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


def test_every_record_of_the_demo_region_is_cached_as_its_events_make_it(demo_services):
    """Every kind of record the portal keeps copies into the cache and back whole, and a copy
    a command changes in place leaves the cached record as it was."""
    portal = demo_services.portal
    ids = {n.originator_id for n in portal.recorder.select_notifications(start=1, limit=10**6)}
    kinds = set()
    for aggregate_id in ids:
        first = portal.repository.get(aggregate_id)  # replayed, then kept
        second = portal.repository.get(aggregate_id)  # from the cache
        replayed = portal.repository.get(aggregate_id, version=first.version)
        assert vars(first) == vars(second) == vars(replayed), type(first).__name__
        for value in vars(second).values():
            if isinstance(value, list | dict | set):
                value.clear()
        assert vars(portal.repository.get(aggregate_id)) == vars(replayed)
        kinds.add(type(first).__name__)
    assert {"Vacancy", "Provider", "Authority", "Account"} <= kinds, kinds


def test_on_sqlite_a_cached_record_is_checked_for_newer_events_in_one_statement(
        services, monkeypatch):
    """The probe a cached load asks first on SQLite (eventsourcing's own read, elsewhere); a
    database error it meets is left to eventsourcing's read to report."""
    portal = services.portal
    probe = portal.repository.has_newer
    if not services.database.is_sqlite:
        assert probe is None
        return
    vacancy = publish_vacancy(portal, region(portal))
    assert (probe(vacancy, 0), probe(vacancy, 1), probe(uuid4(), 0)) == (True, False, False)
    portal.update_vacancy(SYSTEM, vacancy, weekly_fee=6100)
    assert (probe(vacancy, 1), probe(vacancy, 2)) == (True, False)

    def unreadable(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(portal.recorder.datastore, "get_connection", unreadable)
    assert probe(vacancy, 2) is True
