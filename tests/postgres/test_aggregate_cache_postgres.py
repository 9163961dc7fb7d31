"""The aggregate cache's rules on PostgreSQL, with two applications on one database as two
gunicorn workers have (tests/application/cache_scenarios.py)."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap
from portal.services.application import Portal
from tests.application import cache_scenarios

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()


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


def test_a_failed_save_leaves_the_cache_as_stored(services, theirs, plain, monkeypatch):
    cache_scenarios.a_failed_save_leaves_the_cache_as_stored(services.portal, theirs, plain,
                                                             monkeypatch)


def test_another_process_writes_are_seen(services, theirs, plain):
    cache_scenarios.another_process_writes_are_seen(services.portal, theirs, plain)


def test_several_records_in_one_transaction(services, theirs, plain):
    cache_scenarios.several_records_in_one_transaction(services.portal, theirs, plain)


def test_threads_never_see_a_half_applied_record(services, theirs, plain):
    cache_scenarios.threads_never_see_a_half_applied_record(services.portal, theirs, plain)
