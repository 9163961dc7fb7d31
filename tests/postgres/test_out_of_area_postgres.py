"""The out-of-area read models and the one save of a move and its record, on the real
PostgreSQL server: the same views, tenancy, incremental equals rebuild."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.errors import DomainError
from domain.out_of_area import record_id
from domain.placement import placement_id
from portal.bootstrap import bootstrap
from tests.application.out_of_area_world import START, approval, region, start

# Imported by name on purpose: these tests run again here, on PostgreSQL.
from tests.projections.test_out_of_area import (  # noqa: F401
    test_a_notice_sent_later_reaches_the_host,
    test_incremental_equals_a_rebuild,
    test_the_adjacency_table_is_the_shipped_one_plus_additions,
    test_the_host_sees_only_notices_sent_to_it_and_never_the_child,
    test_the_placing_authority_sees_missing_approvals_and_overdue_notices,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()


def test_a_move_and_its_record_are_saved_together_or_not_at_all(services):
    from uuid import uuid4

    portal = services.portal
    ids = region(portal)
    dorset = Actor(user_id=uuid4(), organisation_id=ids["Dorset"])
    before = portal.last_position()
    with pytest.raises(DomainError):
        start(portal, ids, dorset, "Kent", urgency="planned", approval=approval())
    assert portal.last_position() == before
    start(portal, ids, dorset, "Kent", urgency="emergency")
    child = placement_id(ids["Dorset"], "CAAAAAAAAAAA1")
    records = portal.recorder.select_events(record_id(child, START))
    placement = portal.recorder.select_events(child)
    assert len(records) == 1 and len(placement) == 1
