"""The tender read models on the real PostgreSQL server: rebuild equals incremental, sealed
bids stay out of council-readable tables, the summaries and pipelines read the same."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap

# Imported by name on purpose: these tests (and their fixtures) run again here, on PostgreSQL.
from tests.projections.test_tenders import (  # noqa: F401
    read,
    test_incremental_processing_equals_a_rebuild,
    test_no_council_readable_table_holds_a_bid_before_opening,
    test_responses_and_their_summary_are_for_the_lead_and_partners_only,
    test_scores_rankings_and_award_are_read_by_the_councils_running_it,
    test_the_partnership_pipeline_shows_stages_values_and_key_decisions,
    world,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()
