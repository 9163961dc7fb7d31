"""The money and planning sufficiency measures over national-size read models.

About 300,000 placement episodes (100,000 children's histories over ten years, 150 authorities)
and 2,000 contracts are written straight into the read-model tables: the measures read only
those tables, so how the rows got there does not change what is timed (the projections' own
speed is measured in ``test_projections``). Each measure is timed for one authority, a
partnership of ten and the region of 150, three runs each; the median wall-clock time and the
median CPU time of this process (SQLite runs inside it, so this is the work done, whatever else
shares the machine) are recorded in ``.benchmarks/latest.json``. Nothing here asserts a time:
the project sets no target for them.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4, uuid5

import pytest

from domain import ssda903
from portal.bootstrap import bootstrap
from projections.directory import organisations, settings
from projections.placement_summary import TABLES as summary_tables
from projections.placement_summary import rows_from_episodes
from projections.placements import authority_targets, contracts, placement_episodes
from projections.sufficiency import money, planning
from projections.sufficiency.common import shared_queries
from projections.sufficiency.tables import Filters, Scope
from tests.benchmarks.helpers import TODAY

AUTHORITIES = 150
CHILDREN = 100_000
CONTRACTS = 2_000
SETTINGS = 3_000
RUNS = 3
REGISTERED = datetime(2020, 1, 1, tzinfo=UTC)
FIRST_DAY = date(2016, 4, 1)
# Placement codes and how often a new episode is of each (roughly England's mix).
PLACES = [("U4", "PR1", 30), ("U6", "PR4", 20), ("U1", None, 15), ("K2", "PR4", 12),
          ("P1", None, 7), ("K3", "PR4", 5), ("A4", None, 4), ("R1", None, 2), ("U3", None, 5)]
ROUTES = {"PR1": "in_house", "PR4": None}


def _authorities(rng: random.Random) -> list[dict]:
    return [{"id": uuid5(UUID(int=0), f"la-{n}"), "kind": "authority", "name": f"Authority {n}",
             "la_code": f"{n:03d}", "ons_code": f"E{n:08d}",
             "population_0_17": rng.randint(30_000, 300_000),
             "registered_at": REGISTERED} for n in range(100, 100 + AUTHORITIES)]


def _settings(rng: random.Random, authority_ids: list[UUID], provider: UUID) -> list[dict]:
    kinds = ["childrens_home"] * 6 + ["supported_accommodation"] * 2 + [
        "independent_fostering_agency"]
    return [{"id": uuid4(), "provider_id": provider, "name": f"Setting {n}",
             "setting_type": rng.choice(kinds), "ofsted_urn": None,
             "host_authority_id": rng.choice(authority_ids), "postcode_district": "DT1",
             "registered_places": rng.randint(2, 6)} for n in range(SETTINGS)]


def _contracts(rng: random.Random, authority_ids: list[UUID], provider: UUID) -> list[dict]:
    rows = []
    for n in range(CONTRACTS):
        start = FIRST_DAY + timedelta(days=rng.randint(0, 3000))
        end = start + timedelta(days=rng.choice([730, 1095, 1461]))
        terminated = start + timedelta(days=rng.randint(100, 700)) if n % 10 == 0 else None
        rows.append({"id": uuid4(), "authority_id": rng.choice(authority_ids),
                     "provider_id": provider, "route": "block" if n % 4 else "framework",
                     "title": f"Contract {n}", "setting_type": "childrens_home",
                     "places": rng.randint(2, 8), "weekly_price": rng.randint(3000, 7000),
                     "start": start, "end": end, "terminated_on": terminated,
                     "tender_id": None})
    return rows


def _episodes(rng: random.Random, authority_ids: list[UUID], homes: dict[UUID, list[UUID]],
              blocks: dict[UUID, list[dict]]) -> list[dict]:
    codes = [(p, pr) for p, pr, weight in PLACES for _ in range(weight)]
    span = (TODAY - FIRST_DAY).days
    rows = []
    for n in range(CHILDREN):
        authority = authority_ids[n % len(authority_ids)]
        child = {"placement_id": uuid4(), "authority_id": authority,
                 "child_ref": f"C{n:012d}", "birth_month": "2012-01", "sex": "1",
                 "uasc": n % 15 == 0}
        day = TODAY - timedelta(days=int(rng.triangular(0, span, 0)))  # recent ones more
        for number in range(1, rng.choice([2, 3, 4, 5, 6, 7, 8]) + 1):
            place, provider = rng.choice(codes)
            end = day + timedelta(days=rng.randint(20, 500))
            last = end >= TODAY or rng.random() < 0.1
            row = {**child, "number": number, "start": day,
                   "end": None if end >= TODAY else end, "rne": "S" if number == 1 else "P",
                   "legal_status": "V3" if n % 50 == 0 else "C2", "place": place,
                   "place_provider": provider,
                   "place_group": ssda903.placement_group(place, provider),
                   "weekly_cost": rng.randint(300, 8000) if rng.random() < 0.9 else None,
                   "contract_route": ROUTES.get(provider, rng.choice(["spot", "framework"])),
                   "contract_id": None, "setting_id": None, "placement_authority_id": None,
                   "placement_district": None, "home_district": None,
                   "rec": None, "short_breaks": n % 50 == 0}
            if place == "K2" and homes.get(authority) and rng.random() < 0.6:
                row["setting_id"] = rng.choice(homes[authority])
                row["placement_authority_id"] = authority
            elif place == "K2":
                row["placement_authority_id"] = rng.choice(authority_ids)
            live = [c for c in blocks.get(authority, []) if c["start"] <= day < c["end"]]
            if place == "K2" and live and rng.random() < 0.5:
                row.update(contract_id=rng.choice(live)["id"], contract_route="block")
            if row["end"] is not None:
                row["rec"] = "E13" if last else ssda903.CONTINUING
            rows.append(row)
            if row["end"] is None or last:
                break
            day = end
    return rows


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    services = bootstrap(f"sqlite:///{tmp_path_factory.mktemp('sufficiency') / 'portal.db'}")
    rng = random.Random(3)
    provider = uuid4()
    authorities = _authorities(rng)
    ids = [a["id"] for a in authorities]
    setting_rows = _settings(rng, ids, provider)
    homes: dict[UUID, list[UUID]] = {}
    for s in setting_rows:
        if s["setting_type"] == "childrens_home":
            homes.setdefault(s["host_authority_id"], []).append(s["id"])
    contract_rows = _contracts(rng, ids, provider)
    blocks: dict[UUID, list[dict]] = {}
    for c in contract_rows:
        if c["route"] == "block":
            blocks.setdefault(c["authority_id"], []).append(c)
    episodes = _episodes(rng, ids, homes, blocks)
    with services.engine.begin() as c:
        c.execute(organisations.insert(), authorities)
        c.execute(organisations.insert().values(id=provider, kind="provider", name="Homes Ltd",
                                                registered_at=REGISTERED))
        c.execute(settings.insert(), setting_rows)
        c.execute(contracts.insert(), contract_rows)
        c.execute(authority_targets.insert(), [
            {"authority_id": a, "name": "children_per_10k", "value": 60} for a in ids])
        for start in range(0, len(episodes), 20_000):
            c.execute(placement_episodes.insert(), episodes[start:start + 20_000])
        # The monthly summary the placements projection keeps beside the episodes.
        for name, rows in rows_from_episodes(episodes).items():
            c.execute(summary_tables[name].insert(), rows)
    print(f"\n[set-up] {len(episodes):,} episodes, {len(contract_rows):,} contracts, "
          f"{len(setting_rows):,} settings, {AUTHORITIES} authorities")
    yield services, ids, len(episodes)
    services.close()


def test_money_and_planning_measures_at_national_size(national, results):
    services, ids, episodes = national
    scopes = {
        "one authority": Scope("authority", "Authority 100", (ids[0],), disclose=True),
        "partnership of 10": Scope("partnership", "Ten", tuple(ids[:10]), disclose=False),
        f"region of {AUTHORITIES}": Scope("region", "Region", tuple(ids), disclose=False),
    }
    filters = Filters(on=TODAY, period_start=TODAY - timedelta(days=364), period_end=TODAY)
    figures: dict[str, dict[str, dict[str, float]]] = {}
    with services.engine.connect() as connection:
        for measure in (*money.MEASURES, *planning.MEASURES):
            name = measure.__name__
            figures[name] = {}
            for label, scope in scopes.items():
                wall, cpu = [], []
                for _ in range(RUNS):
                    started, used = time.perf_counter(), time.process_time()
                    measure(connection, scope, filters)
                    wall.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - used)
                figures[name][label] = {"wall_ms": round(statistics.median(wall) * 1000, 1),
                                        "cpu_ms": round(statistics.median(cpu) * 1000, 1)}
        # As a dashboard runs them: every money and planning measure in one shared pass.
        figures["all, shared (dashboard)"] = {}
        for label, scope in scopes.items():
            wall, cpu = [], []
            for _ in range(RUNS):
                started, used = time.perf_counter(), time.process_time()
                with shared_queries():
                    for measure in (*money.MEASURES, *planning.MEASURES):
                        measure(connection, scope, filters)
                wall.append(time.perf_counter() - started)
                cpu.append(time.process_time() - used)
            figures["all, shared (dashboard)"][label] = {
                "wall_ms": round(statistics.median(wall) * 1000, 1),
                "cpu_ms": round(statistics.median(cpu) * 1000, 1)}
    width = max(map(len, figures))
    print(f"\nMoney and planning measures over {episodes:,} episodes (median of {RUNS}; "
          "wall ms / CPU ms of this process, which runs SQLite too):")
    print(" " * width + "".join(f"{label:>24}" for label in scopes))
    for name, by_scope in figures.items():
        print(f"{name:<{width}}" + "".join(
            f"{by_scope[label]['wall_ms']:>14,.0f} / {by_scope[label]['cpu_ms']:>6,.0f}"
            for label in scopes))
    results["sufficiency_money_planning_ms"] = {"episodes": episodes, "contracts": CONTRACTS,
                                                "authorities": AUTHORITIES, **figures}
