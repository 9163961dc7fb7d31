"""Referrals on PostgreSQL: twenty concurrent acceptances of offers of one one-place vacancy,
in threads saving through the pool's own connections (exactly one succeeds and the rest are
told the vacancy was taken meanwhile; see tests/application/test_offer_acceptance_concurrency.py
for the SQLite file), of two offers of a place at a setting on one search (one is accepted),
and twenty runners starting one scheduled placement (it starts once); and the referrals and
home search notices read models' tests run again here."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap
from portal.services.application import Portal
from projections.database import Database
from tests.application.test_offer_acceptance_concurrency import (
    scheduled_placement_started_at_once,
    setting_offers_accepted_at_once,
    twenty_acceptances_of_one_place,
)

# Imported by name on purpose: these tests run again here, on PostgreSQL.
from tests.projections.test_home_search_offers import (  # noqa: F401
    test_a_provider_sees_only_searches_sent_to_it_what_they_share_and_its_own_offers,
    test_acceptance_marks_the_offers_and_incremental_equals_a_rebuild,
    test_another_authority_reads_no_offers,
    test_the_officer_sees_every_offer_ranked_with_the_published_weights,
)
from tests.projections.test_search_notices import (  # noqa: F401
    test_a_scheduled_placement_is_due_on_its_day_and_links_to_the_contract,
    test_each_organisation_is_told_its_own_part_and_nothing_of_the_child,
    test_incremental_equals_a_rebuild,
    test_read_is_each_users_own_and_only_their_organisations,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()


def test_twenty_concurrent_acceptances_of_a_one_place_vacancy(postgres_url):
    portal = Portal(env=Database.from_url(postgres_url).event_store_env())
    try:
        twenty_acceptances_of_one_place(portal)
    finally:
        portal.close()


@pytest.mark.parametrize("scenario", [setting_offers_accepted_at_once,
                                      scheduled_placement_started_at_once])
def test_concurrent_acceptance_of_a_setting_and_start_of_a_scheduled_placement(
        postgres_url, scenario):
    portal = Portal(env=Database.from_url(postgres_url).event_store_env())
    try:
        scenario(portal)
    finally:
        portal.close()
