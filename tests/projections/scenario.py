"""A history of vacancies generated through the real commands, and a table dump to compare
read models. Shared by the SQLite projection tests and the PostgreSQL ones."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from domain.actor import Actor
from domain.errors import DomainError
from projections.database import metadata

SYSTEM = Actor.system()


def build_region(portal, *, providers: int = 3, settings_per_provider: int = 3):
    authorities = []
    for la_code, ons, name, partnership in [
        ("838", "E06000059", "Dorset", "Dorset"),
        ("886", "E10000016", "Kent", "South East"),
        ("851", "E06000044", "Portsmouth", "South East"),
    ]:
        authority, _ = portal.register_authority(
            SYSTEM, la_code=la_code, ons_code=ons, name=name, population_0_17=50_000,
            partnerships=[partnership], key_decision_threshold=500_000)
        authorities.append(authority)
    settings = []
    for p in range(providers):
        provider, _ = portal.register_provider(SYSTEM, name=f"Provider {p}",
                                               kind="childrens_home_operator")
        for s in range(settings_per_provider):
            setting_type = ["childrens_home", "supported_accommodation",
                            "independent_fostering_agency"][s % 3]
            setting, _ = portal.add_setting(
                SYSTEM, provider, name=f"Setting {p}-{s}", setting_type=setting_type,
                ofsted_urn=None, host_authority_id=authorities[(p + s) % 3],
                postcode_district=["DT1", "ME14", "PO1"][(p + s) % 3], registered_places=3)
            settings.append((provider, setting, setting_type))
    return authorities, settings


def random_history(portal, settings, *, steps: int, seed: int = 7) -> list:
    """Publish, change, hold, release, fill and withdraw vacancies at random."""
    rng = random.Random(seed)
    vacancies = []
    for _ in range(steps):
        if not vacancies or rng.random() < 0.3:
            provider, setting, setting_type = rng.choice(settings)
            age_from = 16 if setting_type == "supported_accommodation" else rng.randint(0, 15)
            vacancy, _ = portal.publish_vacancy(
                SYSTEM, provider_id=provider, setting_id=setting, age_from=age_from,
                age_to=rng.randint(age_from, 18), needs_met=rng.sample(
                    ["disability", "mental_health", "uasc", "sibling_group"], rng.randint(0, 2)),
                weekly_fee=rng.randint(800, 7000),
                available_from=date(2027, 1, 1) + timedelta(days=rng.randint(0, 60)),
                expires_on=None, description="A place")
            vacancies.append(vacancy)
            continue
        vacancy = rng.choice(vacancies)
        action = rng.choice(["update", "hold", "release", "fill", "withdraw"])
        try:
            if action == "update":
                portal.update_vacancy(SYSTEM, vacancy, reason="review",
                                      weekly_fee=rng.randint(800, 7000))
            elif action == "hold":
                portal.hold_vacancy(SYSTEM, vacancy, home_search_ref=f"HS-{rng.randint(1, 99)}")
            elif action == "release":
                portal.release_vacancy(SYSTEM, vacancy)
            elif action == "fill":
                portal.fill_vacancy(SYSTEM, vacancy, placement_ref=None)
            else:
                portal.withdraw_vacancy(SYSTEM, vacancy, reason="no longer offered")
        except DomainError:
            pass  # an illegal step for that vacancy's state: refused, nothing stored
    return vacancies


def dump(engine, names=None) -> dict[str, list[tuple]]:
    """Every read-model table's rows, sorted, for exact comparison."""
    out = {}
    with engine.connect() as c:
        for table in metadata.sorted_tables:
            if table.name in ("projection_tracking", "credentials"):
                continue
            if names is not None and table.name not in names:
                continue
            rows = c.execute(sa.select(table)).all()
            out[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
    return out
