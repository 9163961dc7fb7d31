"""Spend in the financial year on the real PostgreSQL server: the days of the year in each
placement are date arithmetic, which PostgreSQL and SQLite write differently; the worked
example gives the same pounds on both. A kept dashboard is reused there too."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap

# Imported by name on purpose: these tests (and their fixtures) run again here, on PostgreSQL.
from tests.projections.test_dashboard_builds import (  # noqa: F401
    builds,
    region,
    test_an_event_moves_the_read_models_on_and_the_dashboard_is_built_afresh,
)
from tests.projections.test_sufficiency_money import (  # noqa: F401
    test_spend_in_year_is_weekly_cost_times_days_in_the_year_over_7,
    world,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()
