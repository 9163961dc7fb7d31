"""The aggregate cache's rules on PostgreSQL, with two applications on one database as two
gunicorn workers have (tests/application/cache_scenarios.py)."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap
from tests.application.cache_scenarios import CacheScenarios

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()


class TestOnPostgreSQL(CacheScenarios):
    """The scenarios on the real PostgreSQL server."""
