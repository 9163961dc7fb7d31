"""A small directory for the Ofsted register tests, built through the real commands: Dorset,
a children's home operator with two homes, and a fostering agency whose office carries the
agency's URN; each home has an open vacancy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from domain.actor import Actor

SYSTEM = Actor.system()
TODAY = date(2026, 11, 23)


@dataclass
class World:
    dorset: UUID
    homes: UUID
    agency: UUID
    settings: dict[str, UUID] = field(default_factory=dict)
    vacancies: dict[str, UUID] = field(default_factory=dict)


def build(portal) -> World:
    dorset, _ = portal.register_authority(
        SYSTEM, la_code="838", ons_code="E06000059", name="Dorset", population_0_17=66_000,
        partnerships=["South West"], key_decision_threshold=500_000)
    homes, _ = portal.register_provider(SYSTEM, name="Heath Homes",
                                        kind="childrens_home_operator")
    agency, _ = portal.register_provider(SYSTEM, name="Vale Fostering",
                                         kind="fostering_agency", ofsted_urn="SC700003")
    world = World(dorset=dorset, homes=homes, agency=agency)
    for name, urn in (("Heath House", "SC700001"), ("Ridge House", "SC700002")):
        world.settings[name], _ = portal.add_setting(
            SYSTEM, homes, name=name, setting_type="childrens_home", ofsted_urn=urn,
            host_authority_id=dorset, postcode_district="DT1", registered_places=4)
        world.vacancies[name], _ = portal.publish_vacancy(
            SYSTEM, provider_id=homes, setting_id=world.settings[name], age_from=10,
            age_to=17, needs_met=["emotional_behavioural"], weekly_fee=5_000,
            available_from=TODAY + timedelta(days=7), description=f"A place at {name}")
    world.settings["Vale office"], _ = portal.add_setting(
        SYSTEM, agency, name="Vale office", setting_type="independent_fostering_agency",
        ofsted_urn=None, host_authority_id=dorset, postcode_district="DT1",
        registered_places=20)
    return world
