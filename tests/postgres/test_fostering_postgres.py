"""In-house fostering on the real PostgreSQL server: returns recorded, corrected and imported
whole or not at all, the read model (a rebuild equals it) and the fostering measures."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap

# Imported by name on purpose: these tests (and their fixtures) run again here, on PostgreSQL.
from tests.application.test_fostering_commands import (  # noqa: F401
    councils,
    test_a_file_correcting_a_month_needs_a_reason_and_imports_whole,
    test_an_officer_records_and_corrects_their_authoritys_returns,
)
from tests.projections.test_fostering_projection import (  # noqa: F401
    test_rows_follow_the_returns_and_a_rebuild_equals_them,
)
from tests.projections.test_sufficiency_fostering import (  # noqa: F401
    region,
    test_the_fostering_gap_counts_own_places_and_agency_places_used,
    test_the_partnership_hub_sums_its_authorities_and_hides_small_numbers,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()
