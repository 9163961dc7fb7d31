"""The home searches read model and matching on the real PostgreSQL server: the same steps,
tenancy, incremental equals rebuild, and the worked example scored the same."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap

# Imported by name on purpose: these tests (and their fixtures) run again here, on PostgreSQL.
from tests.projections.test_home_search_matching import (  # noqa: F401
    test_a_full_block_is_no_longer_the_route,
    test_staying_near_school_filters_by_distance_from_the_school,
    test_the_worked_example,
    world,
)
from tests.projections.test_home_searches import (  # noqa: F401
    test_another_authority_reads_none_of_them_and_a_provider_nothing,
    test_incremental_processing_equals_a_rebuild,
    test_rows_follow_each_step,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()
