""""As at" on a national-scale history made by ``portal demo generate``:

    .venv/bin/portal demo generate --database sqlite:////dev/shm/national.db
    .venv/bin/python -m tests.benchmarks.national measure /dev/shm/national.db

Put the file on a RAM disk (/dev/shm) so the run measures the portal, not the disk's fsync.
``measure`` brings the projections up to date with periodic snapshots (as the projection
process takes them), then times "as at" at several positions.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from portal.bootstrap import bootstrap
from projections.directory import Directory
from projections.quality import Quality
from projections.timetravel import rebuild_as_at, take_snapshot
from projections.vacancies import VacancyBoard
from projections.vacancy_queries import VacancySearch, search_vacancies


class Viewer:
    roles = frozenset({"auditor"})


def measure(path: str) -> dict:
    svc = bootstrap(f"sqlite:///{path}", instance=Path(path).parent)
    head = svc.portal.last_position()
    started = time.perf_counter()
    snapshotted = [svc.projections.projections[name]
                   for name in ("vacancy_board", "directory", "quality")]
    # Catch up in steps, snapshotting as the projection process does (its cadence's events).
    position = min(svc.projections.positions().values())
    while position < head:
        position = min(position + svc.snapshot_cadence.events, head)
        svc.projections.catch_up(until=position)
        for projection in snapshotted:
            take_snapshot(svc.engine, projection, svc.snapshot_key)
    catch_up_seconds = time.perf_counter() - started
    results = {"events": head, "catch_up_with_snapshots_s": round(catch_up_seconds, 1),
               "as_at": []}
    for fraction in (0.1, 0.5, 0.9, 0.999):
        wanted = max(1, int(head * fraction))
        started = time.perf_counter()
        as_at = rebuild_as_at(svc.portal, svc.engine, [Directory(), VacancyBoard(), Quality()],
                              wanted, key=svc.snapshot_key)  # the board's "as at" page
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
    print(json.dumps(measure(sys.argv[-1]), indent=1))
