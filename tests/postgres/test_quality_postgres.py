"""Ofsted's register on the real PostgreSQL server: the import (every fact an event, history
kept, the same file twice storing nothing, a cancellation closing vacancies, a bad row
importing nothing), the quality read model (incremental equals a rebuild) and the quality
measure on the dashboard."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap

# Imported by name on purpose: these tests (and their fixtures) run again here, on PostgreSQL.
from tests.application.test_ofsted_import import (  # noqa: F401
    test_a_cancelled_registration_closes_the_settings_open_vacancies,
    test_a_new_inspection_joins_the_history_and_the_earlier_one_is_kept,
    test_a_repeated_urn_is_a_bad_row,
    test_importing_the_same_file_again_stores_nothing,
    test_matched_urns_are_recorded_with_one_event_per_fact,
    world,
)
from tests.projections.test_quality import (  # noqa: F401
    test_rows_follow_the_history_and_a_rebuild_equals_them,
)
from tests.projections.test_sufficiency_quality import (  # noqa: F401
    region,
    test_an_officer_sees_their_own_small_counts_and_other_councils_see_them_suppressed,
    test_each_child_is_counted_by_the_judgement_of_their_home,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()
