"""Spend in the financial year on the real PostgreSQL server: the days of the year in each
placement are date arithmetic, which PostgreSQL and SQLite write differently; the worked
example gives the same pounds on both. A kept dashboard is reused there too, read back exactly,
never shared between readers of different authorities, and the kept builds are bounded."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap

# Imported by name on purpose: these tests (and their fixtures) run again here, on PostgreSQL.
from tests.projections.test_dashboard_builds import (  # noqa: F401
    builds,
    region,
    test_a_kept_build_reads_back_exactly_as_it_was_built,
    test_an_event_moves_the_read_models_on_and_the_dashboard_is_built_afresh,
    test_readers_of_different_authorities_never_share_a_build,
    test_the_kept_builds_are_bounded_the_oldest_dropped_first,
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
