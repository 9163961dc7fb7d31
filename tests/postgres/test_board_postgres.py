"""The vacancy board's read models on PostgreSQL: saved searches and the notices a new vacancy
raises (mailed once), the provider's contact, the places asked for, the distance from an
officer's own search, the home searches export, and which council holds or filled a vacancy;
each rebuild equals its incremental run."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap

# Imported by name on purpose: these tests run again here, on PostgreSQL.
from tests.projections.test_board_read_models import (  # noqa: F401
    asked,
    test_the_board_read_models_rebuild_equal_incremental,
    test_the_officer_sees_the_contact_and_the_distance_from_their_own_search,
    test_the_provider_asked_sees_the_search_with_its_deadline_and_the_place,
)
from tests.projections.test_board_searches import (  # noqa: F401
    test_a_new_vacancy_is_a_notice_to_each_matching_searchs_owner,
    test_each_notice_is_mailed_once_to_its_owner,
    test_officers_read_only_their_own_and_mark_them_read,
    test_rebuild_equals_incremental,
    world,
)
from tests.projections.test_home_searches_standard import (  # noqa: F401
    history,
    test_another_authority_sees_only_its_own_and_others_are_refused,
    test_one_record_per_search_with_its_offers_and_outcome,
)
from tests.projections.test_vacancy_holders import (  # noqa: F401
    holders,
    test_a_hold_for_a_search_not_sent_or_no_longer_waiting_is_refused,
    test_a_place_held_for_a_search_is_read_by_its_council_only,
    test_an_accepted_offer_fills_the_vacancy_for_the_council_and_rebuild_equals,
    test_holds_and_fills_stored_before_the_change_still_load_and_belong_to_no_council,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()
