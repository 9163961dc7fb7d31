"""One answer to "where is this child placed": the child's page, the list and its filter, the
Placements Data Standard export and the sufficiency measures read the same resolved setting and
area (projections/placement_location.py), including when the directory or the gazetteer learns
a URN or a postcode district after the placement was recorded; a rebuild gives the same
answers as the projections that ran as the events arrived."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from projections.placement_location import located, location_notes
from projections.placement_queries import ChildSearch, child_timeline, children_in_care
from projections.placements_standard import placements_standard_records
from projections.sufficiency.capacity import local_use
from projections.sufficiency.location import placed_out_of_area
from projections.sufficiency.tables import Filters, Scope
from tests.projections.test_placement_queries import TODAY, officer, start

SYSTEM = Actor.system()
ON = TODAY
FILTERS = Filters(on=ON, period_start=ON - timedelta(days=365), period_end=ON)
STARTED = date(2026, 1, 5)
# Children of Dorset's, each placed somewhere different.
BY_URN = "C0000000000A1"  # an SSDA903 row with the URN of Ash House (Dorset) and no setting
IN_DORSET = "C0000000000A2"  # a Dorset postcode district and no URN
LATE = "C0000000000A3"  # a URN and a district the portal learns only later (in Kent)
NOWHERE = "C0000000000A4"  # nothing known: no URN, no postcode
IN_CORNWALL = "C0000000000A5"  # a district of an authority that is not a partner


@pytest.fixture
def world(services):
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
    ash, _ = portal.add_setting(SYSTEM, provider, name="Ash House",
                                setting_type="childrens_home", ofsted_urn="SC654321",
                                host_authority_id=dorset, postcode_district="DT1",
                                registered_places=3)
    who = officer(dorset, "Dorset")
    place = {"place": "K2", "place_provider": "PR4"}
    start(services, who, BY_URN, STARTED, urn="SC654321", **place)
    start(services, who, IN_DORSET, STARTED, placement_postcode="DT1 1", **place)
    start(services, who, LATE, STARTED, urn="SC777777", placement_postcode="ZZ9 9", **place)
    start(services, who, NOWHERE, STARTED, **place)
    start(services, who, IN_CORNWALL, STARTED, placement_postcode="TR1 1", **place)
    services.projections.catch_up()
    return {"services": services, "kent": kent, "dorset": dorset, "provider": provider,
            "ash": ash, "officer": who}


def learn_the_late_facts(world) -> None:
    """The directory learns SC777777 (a home in Kent) and the gazetteer learns ZZ9 (Kent)."""
    portal = world["services"].portal
    portal.add_setting(SYSTEM, world["provider"], name="Elm House",
                       setting_type="childrens_home", ofsted_urn="SC777777",
                       host_authority_id=world["kent"], postcode_district="ME14",
                       registered_places=2)
    portal.add_districts(SYSTEM, rows=[{"district": "ZZ9", "easting": 577_000,
                                        "northing": 155_000, "la_ons_code": "E10000016"}],
                         file_name="districts.csv", file_sha256="c" * 64)
    world["services"].projections.catch_up()


def answers(world) -> dict:
    """Every page's and measure's answer for each child, side by side."""
    services, who = world["services"], world["officer"]
    scope = Scope(kind="authority", name="Dorset", authority_ids=(world["dorset"],),
                  disclose=True, key="838")
    with services.engine.connect() as c:
        listed = {row["child_ref"]: row for row in
                  children_in_care(who, c, ChildSearch(status="all")).rows}
        filtered = {area: {row["child_ref"] for row in
                           children_in_care(who, c, ChildSearch(status="all", area=area)).rows}
                    for area in ("in", "out", "unknown")}
        pages = {ref: child_timeline(who, c, ref)["episodes"][-1] for ref in listed}
        exported = {r["childId"]: (r["placementLocation"], r["providerURN"])
                    for r in placements_standard_records(who, c)}
        everyone = placed_out_of_area(c, scope, FILTERS).rows[0]
        use = local_use(c, [world["dorset"]], FILTERS, ["childrens_home"])
    found = {}
    for ref, row in listed.items():
        page = pages[ref]
        assert {k: page[k] for k in ("area", "area_name", "provider_name", "setting_name",
                                     "notes")} == \
            {k: row[k] for k in ("area", "area_name", "provider_name", "setting_name",
                                 "notes")}, ref
        assert [area for area, refs in filtered.items() if ref in refs] == [row["area"]], ref
        found[ref] = (row["area"], row["area_name"], row["provider_name"], row["setting_name"],
                      tuple(row["notes"]), exported[ref])
    areas = [a for a, *_ in found.values()]
    dashboard = (everyone["inside"], everyone["outside"], everyone["location_unknown"])
    assert dashboard == (areas.count("in"), areas.count("out"), areas.count("unknown"))
    home = use[world["dorset"], "childrens_home"]
    assert (home.here, home.outside, home.unknown) == dashboard
    return {"children": found, "dashboard": dashboard}


def test_a_urn_and_a_district_resolve_the_same_on_every_page_and_measure(world):
    found = answers(world)
    children = found["children"]
    assert children[BY_URN] == ("in", "Dorset", "Oakfield Homes Ltd", "Ash House", (),
                                ("DT1", "SC654321"))
    assert children[IN_DORSET] == ("in", "Dorset", None, None, (), ("DT1", None))
    assert children[IN_CORNWALL] == ("out", "Cornwall", None, None, (), ("TR1", None))
    assert children[NOWHERE] == ("unknown", None, None, None, (), (None, None))
    assert children[LATE] == (
        "unknown", None, None, None,
        ("Ofsted URN SC777777 is not a setting in the directory",
         "Postcode district ZZ9 is not in the postcode directory"), ("ZZ9", "SC777777"))
    assert found["dashboard"] == (2, 1, 2)


def test_facts_learnt_after_the_placement_change_every_answer_and_a_rebuild_agrees(world):
    learn_the_late_facts(world)
    live = answers(world)
    assert live["children"][LATE] == ("out", "Kent", "Oakfield Homes Ltd", "Elm House", (),
                                      ("ZZ9", "SC777777"))
    assert live["dashboard"] == (2, 2, 1)
    # Rebuilt in either order: the placements before or after the directory and gazetteer.
    projections = world["services"].projections
    for order in (["placements", "directory", "gazetteer"],
                  ["directory", "gazetteer", "placements"]):
        for name in order:
            projections.rebuild([name])
        assert answers(world) == live


def test_a_urn_two_settings_claim_names_neither(world):
    portal = world["services"].portal
    portal.add_setting(SYSTEM, world["provider"], name="Ash Annexe",
                       setting_type="childrens_home", ofsted_urn="SC654321",
                       host_authority_id=world["kent"], postcode_district="ME14",
                       registered_places=1)
    world["services"].projections.catch_up()
    children = answers(world)["children"]
    assert children[BY_URN][2:5] == (
        None, None, ("Ofsted URN SC654321 is not a setting in the directory",))


def test_the_located_columns_and_the_placeholder_urn(world):
    loc = located()
    with world["services"].engine.connect() as c:
        names = set(c.execute(sa.select(*loc.columns()).select_from(loc.joined)).keys())
    assert {"located_setting_id", "located_provider_id", "located_setting_type",
            "located_host_authority_id", "located_area_authority_id",
            "located_area_ons_code", "located_urn", "located_district",
            "located_district_known", "where_placed"} <= names
    assert location_notes({"urn": "XXXXXXX", "located_setting_id": None,
                           "placement_district": None, "located_district_known": False}) == []
