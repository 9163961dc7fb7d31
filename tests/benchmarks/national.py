"""A national-scale history for measuring "as at": about 150 authorities, a few thousand
providers and a few million events, generated deterministically through the real commands.

    .venv/bin/python -m tests.benchmarks.national generate /dev/shm/national.db 2000000
    .venv/bin/python -m tests.benchmarks.national measure /dev/shm/national.db

Generation writes one command at a time, as users' actions would; put the file on a RAM disk
(/dev/shm) so the run measures the portal, not the disk's fsync. ``measure`` brings the
projections up to date with periodic snapshots, then times "as at" at several positions.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from domain.actor import Actor
from domain.errors import DomainError
from portal.bootstrap import bootstrap
from projections.directory import Directory
from projections.timetravel import SNAPSHOT_EVERY, rebuild_as_at, take_snapshot
from projections.vacancies import VacancyBoard
from projections.vacancy_queries import VacancySearch, search_vacancies

SYSTEM = Actor.system()
AUTHORITIES = 150
PROVIDERS = 3000
SETTINGS_PER_PROVIDER = 5
TYPES = ["childrens_home", "independent_fostering_agency", "supported_accommodation",
         "short_breaks", "parent_and_child"]


class Viewer:
    roles = frozenset({"auditor"})


def _organisations(portal, rng: random.Random) -> list:
    authorities = []
    for i in range(AUTHORITIES):
        authority, _ = portal.register_authority(
            SYSTEM, la_code=f"{100 + i:03d}", ons_code=f"E06{i:06d}", name=f"Authority {i}",
            population_0_17=rng.randint(20_000, 300_000),
            partnerships=[f"Partnership {i // 8}"], key_decision_threshold=500_000)
        authorities.append(authority)
    settings = []
    for p in range(PROVIDERS):
        provider, _ = portal.register_provider(SYSTEM, name=f"Provider {p}", kind="mixed")
        for s in range(SETTINGS_PER_PROVIDER):
            kind = TYPES[(p + s) % len(TYPES)]
            setting, _ = portal.add_setting(
                SYSTEM, provider, name=f"Setting {s}", setting_type=kind, ofsted_urn=None,
                host_authority_id=rng.choice(authorities), postcode_district="DT1",
                registered_places=rng.randint(1, 6))
            settings.append((provider, setting, kind))
    return settings


def _resume(svc) -> tuple[list, list]:
    """The settings and open vacancies of an existing history, from its read models."""
    import sqlalchemy as sa

    from projections.directory import settings as settings_table
    from projections.vacancies import vacancy_board

    svc.projections.catch_up()
    with svc.engine.connect() as c:
        settings = [tuple(row) for row in c.execute(sa.select(
            settings_table.c.provider_id, settings_table.c.id, settings_table.c.setting_type)
            .order_by(settings_table.c.id))]
        open_vacancies = list(c.execute(sa.select(vacancy_board.c.id)
                                        .order_by(vacancy_board.c.id)).scalars())
    return settings, open_vacancies


def generate(path: str, target_events: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    svc = bootstrap(f"sqlite:///{path}", instance=Path(path).parent)
    portal = svc.portal
    started = time.perf_counter()
    if portal.last_position() > 0:  # carry on a history generated earlier
        settings, open_vacancies = _resume(svc)
    else:
        settings, open_vacancies = _organisations(portal, rng), []
    day = date(2016, 4, 1)
    next_report = (portal.last_position() // 100_000 + 1) * 100_000
    while (head := portal.last_position()) < target_events:
        if head >= next_report:
            next_report += 100_000
            print(f"{head:,} events after {time.perf_counter() - started:,.0f} s", flush=True)
        # Keep the board near a national size: publish more when it is short of places.
        if len(open_vacancies) < 8000 or rng.random() < (0.3 if len(open_vacancies) < 20000
                                                          else 0.15):
            provider, setting, kind = rng.choice(settings)
            age_from = 16 if kind == "supported_accommodation" else rng.randint(0, 14)
            vacancy, _ = portal.publish_vacancy(
                SYSTEM, provider_id=provider, setting_id=setting, age_from=age_from,
                age_to=rng.randint(max(age_from, 12), 18), needs_met=[],
                weekly_fee=rng.randint(800, 7500), available_from=day, expires_on=None,
                description="", places=1, today=day)
            open_vacancies.append(vacancy)
            continue
        vacancy = open_vacancies[rng.randrange(len(open_vacancies))]
        action = rng.random()
        try:
            if action < 0.35:
                portal.update_vacancy(SYSTEM, vacancy, weekly_fee=rng.randint(800, 7500))
            elif action < 0.55:
                portal.hold_vacancy(SYSTEM, vacancy, home_search_ref=f"HS{rng.randint(1, 9999)}")
            elif action < 0.7:
                portal.release_vacancy(SYSTEM, vacancy)
            else:
                if action < 0.9:
                    portal.fill_vacancy(SYSTEM, vacancy, placement_ref=None)
                else:
                    portal.withdraw_vacancy(SYSTEM, vacancy)
                open_vacancies.remove(vacancy)
        except DomainError:
            pass
        if head % 1000 == 0:
            day += timedelta(days=1)
    print(f"generated {portal.last_position():,} events in "
          f"{time.perf_counter() - started:,.0f} s")
    svc.close()


def measure(path: str) -> dict:
    svc = bootstrap(f"sqlite:///{path}", instance=Path(path).parent)
    head = svc.portal.last_position()
    started = time.perf_counter()
    board, directory = svc.projections.projections["vacancy_board"], \
        svc.projections.projections["directory"]
    # Catch up in steps, snapshotting as the projection process does every SNAPSHOT_EVERY.
    position = min(svc.projections.positions().values())
    while position < head:
        position = min(position + SNAPSHOT_EVERY, head)
        svc.projections.catch_up(until=position)
        take_snapshot(svc.engine, board)
        take_snapshot(svc.engine, directory)
    catch_up_seconds = time.perf_counter() - started
    results = {"events": head, "catch_up_with_snapshots_s": round(catch_up_seconds, 1),
               "as_at": []}
    for fraction in (0.1, 0.5, 0.9, 0.999):
        wanted = max(1, int(head * fraction))
        started = time.perf_counter()
        as_at = rebuild_as_at(svc.portal, svc.engine, [Directory(), VacancyBoard()], wanted)
        with as_at.engine.connect() as c:
            page = search_vacancies(Viewer(), c, VacancySearch())
        seconds = time.perf_counter() - started
        results["as_at"].append({"position": wanted, "seconds": round(seconds, 2),
                                 "replayed": as_at.replayed,
                                 "from_snapshot": max(as_at.started_from.values()),
                                 "open_vacancies": page.total})
        as_at.close()
    svc.close()
    return results


if __name__ == "__main__":
    command, database = sys.argv[1], sys.argv[2]
    if command == "generate":
        generate(database, int(sys.argv[3]))
    else:
        print(json.dumps(measure(database), indent=1))
