"""Out-of-area commands: a move out of area and its record are one save; planned moves need
their approval; emergency ones record it later; the host is told of starts and ends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.errors import DomainError, NotFound, PermissionDenied
from domain.out_of_area import OutOfAreaPlacement, record_id
from domain.placement import placement_id
from portal.services.application import Portal
from tests.application import referral_world as rw
from tests.application.out_of_area_world import (
    NOW,
    START,
    SYSTEM,
    TODAY,
    approval,
    director,
    officer,
    region,
    start,
)


@pytest.fixture
def portal():
    return Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def ids(portal):
    return region(portal)


def record(portal, ids, ref="CAAAAAAAAAAA1", on=START) -> OutOfAreaPlacement:
    return portal.repository.get(record_id(placement_id(ids["Dorset"], ref), on))


def test_a_planned_move_out_of_area_without_approval_stores_nothing(portal, ids):
    dorset = officer(ids["Dorset"])
    before = portal.last_position()
    with pytest.raises(DomainError) as error:
        start(portal, ids, dorset, "Devon", urgency="planned")
    assert error.value.field == "approver_name"
    assert portal.last_position() == before
    assert not portal.exists(placement_id(ids["Dorset"], "CAAAAAAAAAAA1"))


def test_a_planned_move_to_an_adjoining_authority_needs_a_nominated_officer(portal, ids):
    dorset = officer(ids["Dorset"])
    start(portal, ids, dorset, "Devon", urgency="planned", approval=approval())
    saved = record(portal, ids)
    assert saved.host_authority_id == ids["Devon"] and not saved.at_distance
    assert saved.approval["approver_name"] == "Sam Patel"
    assert saved.host_notified_at == NOW and saved.notice_kind == "notification"


def test_a_move_at_a_distance_needs_the_director(portal, ids):
    dorset = officer(ids["Dorset"])
    with pytest.raises(DomainError) as error:
        start(portal, ids, dorset, "Kent", urgency="planned", approval=approval())
    assert error.value.field == "approver_role"
    assert not portal.exists(placement_id(ids["Dorset"], "CAAAAAAAAAAA1"))
    start(portal, ids, dorset, "Kent", urgency="planned", approval=director())
    saved = record(portal, ids)
    assert saved.at_distance and saved.notice_kind == "consultation"


def test_a_placement_in_the_own_area_has_no_record(portal, ids):
    start(portal, ids, officer(ids["Dorset"]), "Dorset", urgency="planned")
    assert not portal.exists(record_id(placement_id(ids["Dorset"], "CAAAAAAAAAAA1"), START))


def test_an_officer_says_whether_a_move_out_of_area_was_planned(portal, ids):
    with pytest.raises(DomainError) as error:
        start(portal, ids, officer(ids["Dorset"]), "Devon")
    assert error.value.field == "urgency"
    # The system's history (the demo loader, like an import) is recorded without it.
    start(portal, ids, SYSTEM, "Devon")
    assert not portal.exists(record_id(placement_id(ids["Dorset"], "CAAAAAAAAAAA1"), START))


def test_an_emergency_records_approval_and_notice_afterwards(portal, ids):
    dorset = officer(ids["Dorset"])
    start(portal, ids, dorset, "Kent", urgency="emergency")
    saved = record(portal, ids)
    assert saved.approval is None and saved.host_notified_at is None
    with pytest.raises(DomainError) as error:
        portal.approve_out_of_area_placement(dorset, saved.id, approval=approval(),
                                             today=TODAY)
    assert error.value.field == "approver_role"
    portal.approve_out_of_area_placement(dorset, saved.id, approval=director(on=TODAY),
                                         today=TODAY)
    portal.notify_host_authority(dorset, saved.id, now=NOW)
    saved = record(portal, ids)
    assert saved.approval["approved_on"] == TODAY and saved.host_notified_at == NOW


def test_another_authority_neither_approves_nor_notifies(portal, ids):
    start(portal, ids, officer(ids["Dorset"]), "Kent", urgency="emergency")
    kent = officer(ids["Kent"])
    ref = record(portal, ids).id
    with pytest.raises(NotFound):
        portal.approve_out_of_area_placement(kent, ref, approval=director(), today=TODAY)
    with pytest.raises(NotFound):
        portal.notify_host_authority(kent, ref, now=NOW)


def test_a_move_between_homes_closes_one_record_and_opens_another(portal, ids):
    dorset = officer(ids["Dorset"])
    start(portal, ids, dorset, "Devon", urgency="planned", approval=approval(), on=START)
    # A change of legal status only: the same stay, no new record.
    portal.change_placement(dorset, ids["Dorset"], "CAAAAAAAAAAA1", on=TODAY,
                            terms={"rne": "L", "legal_status": "C1"}, today=TODAY, now=NOW)
    assert record(portal, ids).end is None
    later = TODAY + timedelta(days=3)
    portal.clock = lambda: NOW + timedelta(days=3)
    portal.change_placement(dorset, ids["Dorset"], "CAAAAAAAAAAA1", on=later, terms={
        "rne": "P", "setting_id": ids["Kent home"], "provider_id": ids["provider"]},
        today=later, urgency="emergency")
    assert record(portal, ids).end == later
    assert record(portal, ids, on=later).at_distance
    portal.end_placement(dorset, ids["Dorset"], "CAAAAAAAAAAA1", on=later, rec="E13",
                         today=later)
    assert record(portal, ids, on=later).end == later


def test_administrators_extend_the_adjacency(portal, ids):
    admin_org, _ = portal.register_platform_organisation(SYSTEM, name="Partnership platform")
    with pytest.raises(PermissionDenied):
        portal.add_adjoining_authorities(officer(ids["Dorset"]), pairs=[
            ("E06000059", "E10000016")], reason="Checked")
    portal.add_adjoining_authorities(officer(admin_org), pairs=[("E06000059", "E10000016")],
                                     reason="A test of an addition")
    assert ("E06000059", "E10000016") in portal.adjoining_pairs()
    start(portal, ids, officer(ids["Dorset"]), "Kent", urgency="planned",
          approval=approval())  # a nominated officer now suffices
    assert not record(portal, ids).at_distance


def dorset_search(portal, ids, dorset, child_ref, urgency):
    search_id, _ = portal.draft_home_search(
        dorset, authority_id=dorset.organisation_id, child_ref=child_ref, urgency=urgency,
        needed_by=rw.TODAY, latest_start=rw.TODAY + timedelta(days=2),
        placement_types=["childrens_home"], age=14, sex="1", siblings=0, legal_status="C2",
        needs=["exploitation_risk"], family_district="DT1", today=rw.TODAY)
    portal.send_home_search(dorset, search_id, provider_ids=[ids["weald"]],
                            offers_close_at=rw.DEADLINE, now=rw.NOW)
    return search_id


def test_accepting_an_offer_out_of_area_records_the_move_in_the_same_save(portal):
    ids = rw.region(portal)  # Dorset places; the offered homes are in Kent
    dorset = officer(ids["Dorset"])
    search = dorset_search(portal, ids, dorset, "CAAAAAAAAAAA7", "emergency")
    assert portal.get_home_search(dorset, search).urgency == "emergency"
    chosen = rw.offer(portal, ids, search, rw.vacancy(portal, ids))
    _, position = portal.accept_offer(dorset, search, chosen, birth_month="2012-05",
                                      now=rw.DEADLINE + timedelta(minutes=5))
    ref = placement_id(ids["Dorset"], "CAAAAAAAAAAA7")
    saved = portal.repository.get(record_id(ref, rw.TODAY))
    assert saved.at_distance and saved.approval is None and saved.urgency == "emergency"
    assert position == portal.last_position()


def test_a_planned_search_accepted_without_approval_stores_nothing(portal):
    ids = rw.region(portal)
    dorset = officer(ids["Dorset"])
    search_id = dorset_search(portal, ids, dorset, "CAAAAAAAAAAA8", "planned")
    vacancy = rw.vacancy(portal, ids)
    chosen = rw.offer(portal, ids, search_id, vacancy)
    before = portal.last_position()
    accept = dict(birth_month="2012-05", now=rw.DEADLINE + timedelta(minutes=5))
    with pytest.raises(DomainError) as error:
        portal.accept_offer(dorset, search_id, chosen, **accept)
    assert error.value.field == "approver_name"
    assert portal.last_position() == before
    assert portal.repository.get(vacancy).is_open
    portal.accept_offer(dorset, search_id, chosen, approval=director(on=rw.TODAY), **accept)
    saved = portal.repository.get(record_id(placement_id(dorset.organisation_id,
                                                         "CAAAAAAAAAAA8"), rw.TODAY))
    assert saved.approval["approver_role"] == "director"
    assert saved.host_notified_at == rw.DEADLINE + timedelta(minutes=5)
    assert date(2026, 11, 23) == saved.start
