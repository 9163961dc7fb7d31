"""Unmet need on the real PostgreSQL server: every figure of the worked example, the searches
as they stood at a period's end, suppression across authority lines through the dashboard,
the forecast's observed unmet demand, and incremental equals a rebuild."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap

# Imported by name on purpose: these tests (and their fixtures) run again here, on PostgreSQL.
from tests.projections.test_unmet_need import (  # noqa: F401
    example,
    test_a_changed_draft_is_counted_as_changed,
    test_a_search_counts_as_it_stood_at_the_periods_end,
    test_across_authority_lines_small_counts_are_suppressed,
    test_each_unmet_need_figure_for_kent_worked_by_hand,
    test_incremental_equals_a_rebuild,
    test_reasons_kind_and_age_band,
    test_the_forecast_adds_observed_unmet_demand_by_placement_type,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()
