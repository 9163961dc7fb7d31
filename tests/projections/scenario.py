"""A history of vacancies generated through the real commands, and a table dump to compare
read models. Shared by the SQLite projection tests and the PostgreSQL ones."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from domain.errors import DomainError
from portal.bootstrap import bootstrap
from projections.database import metadata

SYSTEM = Actor.system()


class OpensServices:
    """Scenario classes whose subclasses provide ``database_url`` (a fixture) for a fresh,
    empty database: ``make_services(**kwargs)`` opens the portal's services on it, closed
    when the test ends."""

    @pytest.fixture
    def make_services(self, database_url):
        opened = []

        def make(**kwargs):
            svc = bootstrap(database_url, **kwargs)
            opened.append(svc)
            return svc

        yield make
        for svc in opened:
            svc.close()


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
    """Every read-model table's rows, sorted, for exact comparison (not the bookkeeping of
    where each projection stands and when each table last changed: a rebuild moves both)."""
    out = {}
    with engine.connect() as c:
        for table in metadata.sorted_tables:
            if table.name in ("projection_tracking", "projection_versions", "table_changes",
                              "credentials"):
                continue
            if names is not None and table.name not in names:
                continue
            rows = c.execute(sa.select(table)).all()
            out[table.name] = sorted(tuple(_comparable(v) for v in row) for row in rows)
    return out


def _comparable(value) -> str:
    """A value as text the same on both databases: SQLite hands back a moment stored with its
    time zone as a naive UTC one, PostgreSQL as an aware one."""
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value)


PLACES = ["U4", "U6", "K2", "U1", "K1", "P1", "R1"]


def random_placements(portal, authorities, settings, *, steps: int, seed: int = 11,
                      today: date = date(2026, 11, 23)) -> list:
    """Start, change, end, restart and correct children's placements at random, some in the
    settings of ``settings`` (which fill in where the placement is)."""
    rng = random.Random(seed)
    children: list[tuple] = []  # (authority, child_ref, last date)
    for step in range(steps):
        if not children or rng.random() < 0.3:
            authority = rng.choice(authorities)
            ref = "C" + f"{seed:02d}{step:010d}"[-12:]
            on = today - timedelta(days=rng.randint(200, 1000))
            terms = dict(legal_status=rng.choice(["C2", "V2", "V3"]), place=rng.choice(PLACES),
                         place_provider=rng.choice(["PR1", "PR4"]),
                         weekly_cost=rng.choice([None, rng.randint(300, 6000)]),
                         home_postcode=rng.choice(["DT1 1", "ME14", None]))
            try:
                portal.start_placement(SYSTEM, authority_id=authority, child_ref=ref,
                                       birth_month="2012-03", sex=rng.choice("12"),
                                       uasc=rng.random() < 0.1, on=on, terms=terms)
            except DomainError:
                continue
            children.append([authority, ref, on])
            continue
        child = rng.choice(children)
        authority, ref, last = child
        on = last + timedelta(days=rng.randint(1, 60))
        if on > today:
            continue
        action = rng.choice(["change", "change", "end", "restart", "correct"])
        try:
            if action == "change":
                provider, setting, _ = rng.choice(settings)
                portal.change_placement(SYSTEM, authority, ref, on=on, terms=dict(
                    rne="P", place="K2", place_provider="PR4", provider_id=provider,
                    setting_id=setting, reason_place_change="CARPL",
                    weekly_cost=rng.randint(2000, 8000), contract_route="spot"))
            elif action == "end":
                portal.end_placement(SYSTEM, authority, ref, on=on, rec="E13")
            elif action == "restart":
                portal.start_placement(SYSTEM, authority_id=authority, child_ref=ref,
                                       birth_month="2012-03", sex="1", uasc=False, on=on,
                                       terms=dict(legal_status="C1", place="U6"))
            else:
                portal.correct_placement(SYSTEM, authority, ref, episode_number=1,
                                         changes={"weekly_cost": rng.randint(300, 900)},
                                         reason="Invoice checked")
                continue
        except DomainError:
            continue  # an illegal step for that child's state: refused, nothing stored
        child[2] = on
    return children
