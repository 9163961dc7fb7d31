"""The placement queries: events in through the real commands, rows out, always confined to the
viewer's own authority."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import NotFound
from domain.permissions import Forbidden
from domain.principal import Principal
from projections.placement_queries import (
    ChildSearch,
    child_timeline,
    children_in_care,
    contract_for,
    contracts_for,
    own_authority,
    placement_contracts,
    targets_for,
)

SYSTEM = Actor.system()
TODAY = date(2026, 11, 23)


def officer(authority, name: str, roles=("council_officer",)) -> Principal:
    return Principal(user_id=uuid4(), email=f"{name}@example.org", display_name=name,
                     organisation_id=authority, organisation_kind="authority",
                     organisation_name=name, roles=frozenset(roles))


@pytest.fixture
def region(services):
    portal = services.portal
    kent, _ = portal.register_authority(SYSTEM, la_code="886", ons_code="E10000016",
                                        name="Kent", population_0_17=345_000,
                                        partnerships=["South East"],
                                        key_decision_threshold=1_000_000)
    dorset, _ = portal.register_authority(SYSTEM, la_code="838", ons_code="E06000059",
                                          name="Dorset", population_0_17=66_100,
                                          partnerships=["Dorset"], key_decision_threshold=500_000)
    provider, _ = portal.register_provider(SYSTEM, name="Oakfield Homes Ltd",
                                           kind="childrens_home_operator")
    in_kent, _ = portal.add_setting(SYSTEM, provider, name="Oak House",
                                    setting_type="childrens_home", ofsted_urn="SC123456",
                                    host_authority_id=kent, postcode_district="ME14",
                                    registered_places=4)
    in_dorset, _ = portal.add_setting(SYSTEM, provider, name="Ash House",
                                      setting_type="childrens_home", ofsted_urn="SC654321",
                                      host_authority_id=dorset, postcode_district="DT1",
                                      registered_places=3)
    return {"kent": kent, "dorset": dorset, "provider": provider, "in_kent": in_kent,
            "in_dorset": in_dorset, "kent_officer": officer(kent, "Kent"),
            "dorset_officer": officer(dorset, "Dorset")}


def start(services, who: Principal, ref: str, on: date, **terms):
    terms = {"legal_status": "C2", "place": "K2", **terms}
    services.portal.start_placement(who.actor, authority_id=who.organisation_id,
                                    child_ref=ref, birth_month="2011-04", sex="2", uasc=False,
                                    on=on, terms=terms, today=TODAY)


def read(services, query, viewer, *args, **kwargs):
    """Run a query as ``viewer`` once the projections have caught up."""
    services.projections.catch_up()
    with services.engine.connect() as c:
        return query(viewer, c, *args, **kwargs)


def refs(page) -> set[str]:
    return {row["child_ref"] for row in page.rows}


def test_children_are_confined_to_the_viewers_authority_and_filtered(services, region):
    kent = region["kent_officer"]
    start(services, kent, "C000000000001", date(2024, 5, 1), provider_id=region["provider"],
          setting_id=region["in_kent"], contract_route="spot", weekly_cost=4557)
    services.portal.start_placement(  # out of area: an emergency, its approval to follow
        kent.actor, authority_id=kent.organisation_id, child_ref="C000000000002",
        birth_month="2011-04", sex="2", uasc=False, on=date(2024, 6, 1), today=TODAY,
        urgency="emergency", terms={"legal_status": "C2", "place": "K2",
                                    "provider_id": region["provider"],
                                    "setting_id": region["in_dorset"],
                                    "contract_route": "framework"})
    start(services, kent, "C000000000003", date(2024, 7, 1), place="U4", place_provider="PR1",
          contract_route="in_house")
    start(services, kent, "C000000000004", date(2024, 8, 1))
    services.portal.end_placement(kent.actor, region["kent"], "C000000000004",
                                  on=date(2025, 1, 6), rec="E13", today=TODAY)
    start(services, region["dorset_officer"], "C000000000009", date(2024, 5, 1))

    def search(**filters):
        return refs(read(services, children_in_care, kent, ChildSearch(**filters)))

    everyone = {f"C00000000000{n}" for n in (1, 2, 3, 4)}
    assert search(status="all") == everyone  # never Dorset's child
    assert search() == everyone - {"C000000000004"}
    assert search(status="ended") == {"C000000000004"}
    assert search(status="all", area="in") == {"C000000000001"}
    assert search(status="all", area="out") == {"C000000000002"}
    assert search(status="all", area="unknown") == {"C000000000003", "C000000000004"}
    assert search(status="all", group="fostering_in_house") == {"C000000000003"}
    assert search(status="all", group="childrens_home") == everyone - {"C000000000003"}
    assert search(status="all", place="U4") == {"C000000000003"}
    assert search(status="all", route="framework") == {"C000000000002"}
    assert search(status="all", started_from=date(2024, 6, 1),
                  started_to=date(2024, 7, 1)) == {"C000000000002", "C000000000003"}
    assert search(status="all", child_ref="C000000000009") == set()

    page = read(services, children_in_care, kent, ChildSearch(status="all"))
    assert [r["child_ref"] for r in page.rows] == [
        "C000000000004", "C000000000003", "C000000000002", "C000000000001"]  # newest first
    first = next(r for r in page.rows if r["child_ref"] == "C000000000001")
    assert first["setting_name"] == "Oak House" and first["area_name"] == "Kent"
    assert first["labels"]["place"] == "K2: Children's home"
    assert first["labels"]["contract_route"] == "Spot purchase"
    assert first["in_care_since"] == date(2024, 5, 1) and first["weekly_cost"] == 4557


def test_paging_walks_every_child_once(services, region):
    kent = region["kent_officer"]
    for n in range(7):
        start(services, kent, f"C{n:012d}", date(2023, 1, 1) + timedelta(days=n))
    seen = []
    for number in (1, 2, 3):
        page = read(services, children_in_care, kent, ChildSearch(page=number), page_size=3)
        assert page.total == 7 and page.count == 3
        seen += [r["child_ref"] for r in page.rows]
    assert len(seen) == len(set(seen)) == 7
    last = read(services, children_in_care, kent, ChildSearch(page=99), page_size=3)
    assert last.number == 3 and len(last.rows) == 1


def test_a_timeline_lists_every_episode_in_order_with_labels(services, region):
    kent = region["kent_officer"]
    start(services, kent, "C0000000000T1", date(2023, 4, 3), home_postcode="ME14 1")
    services.portal.change_placement(kent.actor, region["kent"], "C0000000000T1",
                                     on=date(2024, 1, 8), today=TODAY, terms={
                                         "rne": "P", "place": "U6", "place_provider": "PR4",
                                         "reason_place_change": "CARPL"})
    services.portal.end_placement(kent.actor, region["kent"], "C0000000000T1",
                                  on=date(2025, 2, 1), rec="E4A", today=TODAY)
    timeline = read(services, child_timeline, kent, "C0000000000T1")
    first, second = timeline["episodes"]
    assert not timeline["open"]
    assert (first["start"], first["end"], first["rec"]) == (date(2023, 4, 3),
                                                            date(2024, 1, 8), "X1")
    assert first["labels"]["rec"].startswith("X1: Episode ceased and new episode begins")
    assert second["labels"]["place"].startswith("U6: Foster placement with other foster carer")
    assert second["labels"]["place_group"] == "Foster care, independent fostering agency"
    assert second["labels"]["reason_place_change"].startswith("CARPL:")
    assert second["labels"]["rec"].startswith("E4A: Returned home")
    assert second["home_postcode"] == "ME14 1"  # carried from the episode before

    with pytest.raises(NotFound):
        read(services, child_timeline, region["dorset_officer"], "C0000000000T1")
    with pytest.raises(NotFound):
        read(services, child_timeline, kent, "C0000000000ZZ")


def test_contracts_are_the_authoritys_own_with_placements_counted(services, region):
    kent, dorset = region["kent_officer"], region["dorset_officer"]
    block, position = services.portal.record_contract(
        kent.actor, authority_id=region["kent"], provider_id=region["provider"], route="block",
        title="Kent block", setting_type="childrens_home", places=4, weekly_price=4200,
        start=date(2023, 4, 1), end=date(2027, 3, 31))
    spot, _ = services.portal.record_contract(
        kent.actor, authority_id=region["kent"], provider_id=region["provider"], route="spot",
        title="Kent spot terms", setting_type="childrens_home", places=None, weekly_price=5000,
        start=date(2023, 4, 1), end=date(2027, 3, 31))
    old, _ = services.portal.record_contract(
        kent.actor, authority_id=region["kent"], provider_id=region["provider"], route="block",
        title="Old block", setting_type="childrens_home", places=2, weekly_price=3900,
        start=date(2020, 4, 1), end=date(2023, 3, 31))
    theirs, _ = services.portal.record_contract(
        dorset.actor, authority_id=region["dorset"], provider_id=region["provider"],
        route="block", title="Dorset block", setting_type="childrens_home", places=3,
        weekly_price=4000, start=date(2023, 4, 1), end=date(2027, 3, 31))
    for n in (1, 2):
        start(services, kent, f"C00000000000{n}", date(2024, 5, n), contract_route="block",
              contract_id=block, provider_id=region["provider"], setting_id=region["in_kent"])
    services.portal.end_placement(kent.actor, region["kent"], "C000000000002",
                                  on=date(2025, 1, 6), rec="E13", today=TODAY)
    services.portal.terminate_contract(kent.actor, spot, on=date(2025, 1, 1), reason="ended")

    rows = {r["title"]: r for r in read(services, contracts_for, kent, today=TODAY)}
    assert set(rows) == {"Kent block", "Kent spot terms", "Old block"}
    assert rows["Kent block"]["placed"] == 1  # one open placement under it now
    assert rows["Kent block"]["status"] == "active"
    assert rows["Kent spot terms"]["status"] == "terminated"
    assert rows["Old block"]["status"] == "ended"
    assert rows["Kent block"]["provider_name"] == "Oakfield Homes Ltd"
    assert read(services, contract_for, kent, block, today=TODAY)["places"] == 4
    with pytest.raises(NotFound):
        read(services, contract_for, kent, theirs)
    offered = read(services, placement_contracts, kent, TODAY)
    assert [r["id"] for r in offered] == [block]  # not spot, ended or another authority's
    every = read(services, placement_contracts, kent, TODAY, current_only=False)
    assert {r["id"] for r in every} == {block, old}
    assert position > 0


def test_targets_are_the_authoritys_own(services, region):
    kent, dorset = region["kent_officer"], region["dorset_officer"]
    services.portal.set_targets(dorset.actor, region["dorset"],
                                targets={"children_per_10k": 60, "out_of_area_pct": 30})
    assert read(services, targets_for, dorset) == {"children_per_10k": 60,
                                                   "out_of_area_pct": 30}
    assert read(services, targets_for, kent) == {}


@pytest.mark.parametrize("role", ["provider_user", "auditor", "platform_admin"])
def test_only_council_officers_may_read_child_level_rows(services, region, role):
    someone = officer(region["kent"], "Someone", roles=(role,))
    for query, args in ((children_in_care, (ChildSearch(),)),
                        (child_timeline, ("C000000000001",)), (contracts_for, ()),
                        (targets_for, ()), (own_authority, ())):
        with pytest.raises(Forbidden):
            read(services, query, someone, *args)
