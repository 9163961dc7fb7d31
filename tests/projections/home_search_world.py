"""A small region for the home search projection and matching tests, built through the real
commands: Kent and Dorset, two providers, invented postcode districts at hand-picked grid
references (so every distance is a round number of miles) and vacancies that each pass, or
fail exactly one of, the worked example's hard filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID, uuid4

from domain.actor import Actor
from domain.principal import Principal

SYSTEM = Actor.system()
TODAY = date(2026, 11, 23)
# Invented districts east of a family district ZZ1, each a round number of miles away
# (metres / 1000 / 1.6093, to one decimal place, as the DfE's validator measures).
DISTRICTS = {"ZZ1": 0, "ZZ2": 8_047, "ZZ3": 32_186, "ZZ4": 96_558, "ZZ5": 4_000}
MILES = {"ZZ1": 0.0, "ZZ2": 5.0, "ZZ3": 20.0, "ZZ4": 60.0}


@dataclass
class World:
    kent: UUID
    dorset: UUID
    officer: Principal
    dorset_officer: Principal
    vacancies: dict[str, UUID] = field(default_factory=dict)
    providers: dict[str, UUID] = field(default_factory=dict)
    block: UUID | None = None


def principal(authority: UUID) -> Principal:
    return Principal(user_id=uuid4(), email="officer@example.org", display_name="Officer",
                     organisation_id=authority, organisation_kind="authority",
                     organisation_name="", roles=frozenset({"council_officer"}))


def build(portal) -> World:
    kent, _ = portal.register_authority(
        SYSTEM, la_code="886", ons_code="E10000016", name="Kent", population_0_17=300_000,
        partnerships=["South East"], key_decision_threshold=1_000_000)
    dorset, _ = portal.register_authority(
        SYSTEM, la_code="838", ons_code="E06000059", name="Dorset", population_0_17=66_000,
        partnerships=["South West"], key_decision_threshold=500_000)
    portal.add_districts(SYSTEM, file_name="invented.csv", file_sha256="0" * 64, rows=[
        {"district": name, "easting": 500_000 + east, "northing": 100_000,
         "la_ons_code": "E10000016"} for name, east in DISTRICTS.items()])
    world = World(kent=kent, dorset=dorset, officer=principal(kent),
                  dorset_officer=principal(dorset))
    for name in ("Weald Homes", "Brook Care", "Other Homes"):
        world.providers[name], _ = portal.register_provider(
            SYSTEM, name=name, kind="mixed")
    weald, brook, other = (world.providers[name] for name in ("Weald Homes", "Brook Care",
                                                              "Other Homes"))

    def vacancy(label, provider, host, district, fee, *, setting_type="childrens_home",
                age_from=10, age_to=17, needs=("emotional_behavioural",), places=2,
                available_from=TODAY + timedelta(days=7)):
        setting, _ = portal.add_setting(
            SYSTEM, provider, name=f"Home {label}", setting_type=setting_type, ofsted_urn=None,
            host_authority_id=host, postcode_district=district, registered_places=4)
        world.vacancies[label], _ = portal.publish_vacancy(
            SYSTEM, provider_id=provider, setting_id=setting, age_from=age_from,
            age_to=age_to, needs_met=list(needs), weekly_fee=fee, places=places,
            available_from=available_from, description=f"Vacancy {label}", today=TODAY)

    # The four that pass every filter, as the worked example scores them.
    vacancy("A", weald, kent, "ZZ2", 5_000)
    vacancy("B", brook, dorset, "ZZ3", 4_000)
    vacancy("C", other, kent, "ZZ9", 4_000)  # ZZ9 is in no gazetteer: distance not known
    vacancy("D", other, dorset, "ZZ4", 8_000)
    # One for each filter they fail.
    vacancy("type", weald, kent, "ZZ2", 1_000, setting_type="independent_fostering_agency")
    vacancy("age", weald, kent, "ZZ2", 1_000, age_from=16)
    vacancy("needs", weald, kent, "ZZ2", 1_000, needs=("disability",))
    vacancy("places", weald, kent, "ZZ2", 1_000, places=1)
    vacancy("available", weald, kent, "ZZ2", 1_000, available_from=TODAY + timedelta(days=60))
    vacancy("avoid", weald, kent, "ZZ5", 1_000)
    # Kent's contracts: a children's home block with Weald Homes, both places free, and a
    # framework with Brook Care. Other Homes would be a spot purchase.
    world.block, _ = portal.record_contract(
        SYSTEM, authority_id=kent, provider_id=weald, route="block",
        title="Kent residential block", setting_type="childrens_home", places=2,
        weekly_price=4_800, start=TODAY - timedelta(days=100), end=TODAY + timedelta(days=300))
    portal.record_contract(SYSTEM, authority_id=kent, provider_id=brook, route="framework",
                           title="Peninsula residential framework",
                           setting_type="childrens_home", places=None, weekly_price=4_500,
                           start=TODAY - timedelta(days=100), end=TODAY + timedelta(days=300))
    return world


def worked_example_search(portal, world: World, **overrides) -> UUID:
    """A 13-year-old girl and her brother, to be placed together in a children's home that
    meets emotional and behavioural needs, within four weeks, away from ZZ5."""
    terms = dict(child_ref="CAAAAAAAAAAA1", urgency="planned",
                 needed_by=TODAY + timedelta(days=7), latest_start=TODAY + timedelta(days=28),
                 placement_types=["childrens_home"], age=13, sex="2", siblings=1,
                 needs=["emotional_behavioural"], family_district="ZZ1",
                 areas_to_avoid=["ZZ5"], legal_status="C2", today=TODAY)
    terms.update(overrides)
    search_id, _ = portal.draft_home_search(SYSTEM, authority_id=world.kent, **terms)
    return search_id
