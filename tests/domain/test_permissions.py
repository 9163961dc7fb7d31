"""The one permission table: complete as documentation, and its scopes as the code reads them."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.errors import NotFound
from domain.permissions import (
    ACTION_DESCRIPTIONS,
    CONDITIONS,
    OWN,
    PARTNERSHIP,
    PERMISSIONS,
    REGION,
    SCOPE_DESCRIPTIONS,
    SCOPES,
    Forbidden,
    can,
    check,
    check_in_scope,
    in_scope,
    roles_in_table,
    scope_for,
)
from domain.principal import Principal
from domain.vocabulary import ROLES

KENT, PORTSMOUTH, DORSET = uuid4(), uuid4(), uuid4()


def officer(organisation=KENT, partnerships=("South East",), roles=("council_officer",)):
    return Principal(user_id=uuid4(), email="o@kent.example.org", display_name="Officer",
                     organisation_id=organisation, organisation_kind="authority",
                     organisation_name="Kent", roles=frozenset(roles),
                     partnerships=frozenset(partnerships))


def test_every_action_has_a_description_and_every_description_an_action():
    assert set(ACTION_DESCRIPTIONS) == set(PERMISSIONS)
    assert all(text.strip() for text in ACTION_DESCRIPTIONS.values())


def test_every_role_in_the_table_is_a_role_of_the_domain():
    assert roles_in_table() <= set(ROLES)


def test_every_grant_is_a_known_scope_with_a_description():
    assert set(SCOPES) == set(SCOPE_DESCRIPTIONS) == {OWN, PARTNERSHIP, REGION}
    for action, grants in PERMISSIONS.items():
        assert grants, action
        assert set(grants.values()) <= set(SCOPES), action


def test_every_condition_qualifies_a_grant_that_exists():
    for action, role in CONDITIONS:
        assert role in PERMISSIONS[action], (action, role)


def test_child_level_records_are_never_wider_than_the_own_organisation():
    for action in ("placements.view", "placements.manage", "placements.import",
                   "home_searches.view", "home_searches.manage", "sufficiency.view_own"):
        assert set(PERMISSIONS[action].values()) == {OWN}, action


def test_the_auditor_may_change_nothing():
    changing = [a for a in PERMISSIONS if a.split(".")[1] in
                ("manage", "import", "lead", "respond")]
    assert changing
    for action in changing:
        assert "auditor" not in PERMISSIONS[action], action


def test_the_widest_scope_of_several_roles_wins():
    both = officer(roles=("council_officer", "auditor"))
    assert scope_for(officer(), "tenders.view") == PARTNERSHIP
    assert scope_for(both, "tenders.view") == REGION
    assert scope_for(officer(), "tenders.lead") == OWN
    assert scope_for(officer(), "audit.read") is None
    assert check(officer(), "tenders.pipeline") == PARTNERSHIP
    assert can(officer(), "tenders.pipeline") and not can(None, "tenders.pipeline")
    with pytest.raises(Forbidden):
        check(officer(), "tenders.respond")
    with pytest.raises(Forbidden):
        check(None, "tenders.view")


def test_own_organisation_scope_reaches_only_the_organisation():
    kent = officer()
    assert in_scope(kent, "tenders.lead", KENT)
    assert not in_scope(kent, "tenders.lead", PORTSMOUTH, ["South East"])
    assert not in_scope(kent, "tenders.lead", None, ["South East"])


def test_partnership_scope_reaches_the_organisations_partnerships_and_no_further():
    kent = officer()
    assert in_scope(kent, "tenders.pipeline", KENT)
    assert in_scope(kent, "tenders.pipeline", PORTSMOUTH, ["South East"])
    assert in_scope(kent, "tenders.pipeline", None, {"Peninsula", "South East"})
    assert not in_scope(kent, "tenders.pipeline", DORSET, ["Dorset"])
    assert not in_scope(kent, "tenders.pipeline", DORSET, [])
    # An authority in no partnership reaches only its own records.
    alone = officer(partnerships=())
    assert not in_scope(alone, "tenders.pipeline", PORTSMOUTH, ["South East"])
    assert in_scope(alone, "tenders.pipeline", KENT)


def test_region_scope_reaches_everyone_and_no_grant_reaches_nobody():
    auditor = officer(roles=("auditor",))
    assert in_scope(auditor, "tenders.view", DORSET, [])
    assert not in_scope(auditor, "tenders.pipeline", KENT)
    assert not in_scope(None, "tenders.view", KENT)


def test_a_record_out_of_scope_is_the_same_not_found_as_a_missing_one():
    kent = officer()
    assert check_in_scope(kent, "tenders.pipeline", PORTSMOUTH, ["South East"]) == PARTNERSHIP
    with pytest.raises(NotFound, match="There is no such tender"):
        check_in_scope(kent, "tenders.pipeline", DORSET, ["Dorset"],
                       missing="There is no such tender")
    with pytest.raises(Forbidden):
        check_in_scope(kent, "tenders.respond", KENT)
