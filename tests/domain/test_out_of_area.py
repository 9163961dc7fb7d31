"""Out-of-area rules (regulations 11, 13(4) and 14) and the adjacency behind "at a distance"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.adjacency import AdjacencyRegister, at_distance, check_pair, pair
from domain.errors import DomainError, IllegalTransition
from domain.out_of_area import (
    DIRECTOR,
    NOMINATED_OFFICER,
    Approval,
    OutOfAreaPlacement,
    age_at,
    end_notice_due,
    notice_due,
    required_role,
)
from projections.adjacency import shipped_pairs, shipped_rows

OFFICER = Actor(user_id=uuid4(), organisation_id=uuid4())
NOW = datetime(2026, 12, 4, 10, tzinfo=UTC)
TODAY = date(2026, 12, 4)
DORSET, DEVON, KENT, TORBAY = "E06000059", "E10000008", "E10000016", "E06000027"
DEMO = {"E06000059", "E10000008", "E06000026", "E06000027", "E06000066", "E10000016",
        "E06000044", "E10000032"}


def approval(role=NOMINATED_OFFICER, on=date(2026, 12, 1), name="Sam Patel",
             reason="Nearest home able to meet her needs"):
    return Approval(approver_name=name, approver_role=role, approved_on=on, reason=reason)


def opened(*, urgency="planned", at_distance=False, given=None, start=date(2026, 12, 3)):
    return OutOfAreaPlacement.open(
        placement_ref=uuid4(), placing_authority_id=OFFICER.organisation_id,
        child_ref="C0000000000A1", host_authority_id=uuid4(), at_distance=at_distance,
        urgency=urgency, start=start, birth_month="2012-05", place="K2", setting_id=uuid4(),
        provider_id=uuid4(), approval=given, now=NOW, today=TODAY, actor=OFFICER)


# --- adjacency -------------------------------------------------------------------------------

def test_the_shipped_table_covers_every_demo_authority_and_its_real_neighbours():
    listed = {code for p in shipped_pairs() for code in p}
    assert listed >= DEMO
    assert pair(DEVON, DORSET) in shipped_pairs()
    assert pair("E06000044", "E10000014") in shipped_pairs()  # Portsmouth, Hampshire
    assert pair(DEVON, "E06000052") in shipped_pairs()  # Devon, Cornwall
    # The Isle of Wight lies across open sea from Portsmouth: not adjoining.
    assert pair("E06000044", "E06000046") not in shipped_pairs()
    assert len(shipped_pairs()) == len(shipped_rows())  # no pair listed twice


def test_adjacency_is_symmetric_and_at_a_distance_means_neither_own_nor_adjoining():
    pairs = set(shipped_pairs())
    assert not at_distance(DORSET, DORSET, pairs)  # in the area: not out of area at all
    assert not at_distance(DORSET, DEVON, pairs)
    assert not at_distance(DEVON, DORSET, pairs)
    assert at_distance(DORSET, KENT, pairs)
    assert at_distance(DORSET, TORBAY, pairs)  # Torbay adjoins Devon, not Dorset


def test_pairs_must_be_two_different_upper_tier_authorities():
    assert check_pair(" e10000016 ", "E06000035") == ("E06000035", "E10000016")
    with pytest.raises(DomainError) as error:
        check_pair("E07000105", "E10000016")  # Ashford: a district council
    assert error.value.field == "ons_code"
    with pytest.raises(DomainError, match="does not adjoin itself"):
        check_pair(KENT, KENT)


def test_an_administrator_adds_pairs_but_not_ones_already_known():
    register = AdjacencyRegister.open(actor=OFFICER)
    shipped = set(shipped_pairs())
    added = register.add(pairs=[("E06000046", "E06000044")], shipped=shipped, actor=OFFICER,
                         reason="Ferry boundary agreed by the partnership")
    assert added == [("E06000044", "E06000046")]
    assert not at_distance("E06000044", "E06000046", shipped | set(register.added))
    with pytest.raises(DomainError, match="already recorded"):
        register.add(pairs=[(DEVON, DORSET)], shipped=shipped, actor=OFFICER, reason="x")
    with pytest.raises(DomainError, match="already recorded"):
        register.add(pairs=[("E06000044", "E06000046")], shipped=shipped, actor=OFFICER,
                     reason="again")
    with pytest.raises(DomainError) as error:
        register.add(pairs=[(KENT, "E06000034")], shipped=set(), actor=OFFICER, reason=" ")
    assert error.value.field == "reason"
    assert len(register.collect_events()) == 2  # opened, one addition


# --- approval --------------------------------------------------------------------------------

def test_a_director_approves_at_a_distance_a_nominated_officer_otherwise():
    assert required_role(at_distance=True) == DIRECTOR
    assert required_role(at_distance=False) == NOMINATED_OFFICER
    record = opened(at_distance=False, given=approval(role=DIRECTOR))
    assert record.approval["approver_role"] == DIRECTOR  # a director may approve any
    with pytest.raises(DomainError) as error:
        opened(at_distance=True, given=approval(role=NOMINATED_OFFICER))
    assert error.value.field == "approver_role"
    assert "director of children's services" in error.value.message


def test_a_planned_placement_is_refused_without_approval_given_before_it_starts():
    with pytest.raises(DomainError) as error:
        opened(urgency="planned", given=None)
    assert error.value.field == "approver_name"
    assert "approval by the nominated officer before it starts" in error.value.message
    with pytest.raises(DomainError) as error:
        opened(urgency="planned", given=approval(on=date(2026, 12, 4)),
               start=date(2026, 12, 3))
    assert error.value.field == "approved_on"
    record = opened(urgency="planned", given=approval(on=date(2026, 12, 3)))
    assert record.approval == {"approver_name": "Sam Patel",
                               "approver_role": NOMINATED_OFFICER,
                               "approved_on": date(2026, 12, 3),
                               "reason": "Nearest home able to meet her needs"}
    assert record.host_notified_at == NOW  # notified in the same save, before the start


@pytest.mark.parametrize(("bad", "field"), [
    (dict(name="  "), "approver_name"), (dict(role="manager"), "approver_role"),
    (dict(on=date(2026, 12, 5)), "approved_on"), (dict(reason=""), "approval_reason"),
    (dict(name="x" * 121), "approver_name")])
def test_an_approval_says_who_in_which_role_when_and_why(bad, field):
    with pytest.raises(DomainError) as error:
        opened(urgency="emergency", given=approval(**bad))
    assert error.value.field == field


def test_an_emergency_starts_without_approval_and_records_it_once_given():
    record = opened(urgency="emergency", at_distance=True)
    assert record.approval is None and record.host_notified_at is None
    record.approve(approval=approval(role=DIRECTOR, on=date(2026, 12, 4)), today=TODAY,
                   actor=OFFICER)
    assert record.approval["approver_role"] == DIRECTOR
    with pytest.raises(IllegalTransition, match="already recorded"):
        record.approve(approval=approval(role=DIRECTOR), today=TODAY, actor=OFFICER)


def test_an_emergency_start_notifies_the_host_once():
    record = opened(urgency="emergency")
    record.notify_host(now=NOW, actor=OFFICER)
    assert record.host_notified_at == NOW
    with pytest.raises(IllegalTransition, match="already been notified"):
        record.notify_host(now=NOW, actor=OFFICER)


def test_an_urgency_is_planned_or_emergency():
    with pytest.raises(DomainError) as error:
        opened(urgency="soon")
    assert error.value.field == "urgency"


# --- deadlines -------------------------------------------------------------------------------

def test_deadlines_count_working_days_without_uk_bank_holidays():
    start = date(2026, 12, 23)  # a Wednesday: Christmas and Boxing Day (Monday 28th) follow
    assert notice_due("planned", start) == start
    # 24th, 29th, 30th, 31st December, 5th January: New Year's Day is a bank holiday, and
    # Monday 4th is Scotland's for Saturday 2nd (any UK nation's holiday is left out).
    assert notice_due("emergency", start) == date(2027, 1, 5)
    assert end_notice_due(date(2026, 12, 4)) == date(2026, 12, 18)


def test_closing_tells_the_host_once_and_keeps_the_age_not_the_birth_month():
    record = opened(urgency="emergency")
    assert record.age == 14 and age_at("2012-12", date(2026, 12, 3)) == 14
    assert age_at("2012-12", date(2026, 11, 30)) == 13
    assert not hasattr(record, "birth_month")
    with pytest.raises(DomainError):
        record.close(on=date(2026, 12, 1), now=NOW, actor=OFFICER)
    assert record.close(on=date(2026, 12, 4), now=NOW, actor=OFFICER)
    assert not record.close(on=date(2026, 12, 4), now=NOW, actor=OFFICER)
    assert record.end == date(2026, 12, 4)
