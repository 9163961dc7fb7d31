"""One resolved placement location on the real PostgreSQL server: every page and measure agree
for each child, facts the directory and the gazetteer learn later change every answer,
rebuilds in either order agree, and an import warns of the URNs and districts it cannot place."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap

# Imported by name on purpose: these tests (and their fixtures) run again here, on PostgreSQL.
from tests.projections.test_placement_location import (  # noqa: F401
    test_a_urn_and_a_district_resolve_the_same_on_every_page_and_measure,
    test_a_urn_two_settings_claim_names_neither,
    test_facts_learnt_after_the_placement_change_every_answer_and_a_rebuild_agrees,
    test_the_located_columns_and_the_placeholder_urn,
    world,
)
from tests.projections.test_ssda903_location_warnings import (  # noqa: F401
    svc,
    test_unknown_urns_and_districts_import_with_a_warning_per_row,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    running = bootstrap(postgres_url)
    yield running
    running.close()
