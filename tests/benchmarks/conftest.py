"""Fixtures for `make bench`: the results file, and one large vacancy log shared by the
projection and page benchmarks (building it is most of the suite's set-up time).

Benchmarks measure and print; they assert only the project's stated targets. Every figure is
also written to ``.benchmarks/latest.json`` (gitignored) so notes can cite one run's numbers.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest

from portal.bootstrap import Services, bootstrap
from portal.demo import region
from portal.demo.loader import load_demo, provider_id
from tests.benchmarks.helpers import TODAY, all_settings, timed, vacancy_history
from tests.benchmarks.table import Row, Run, load_average, render, write

RESULTS_FILE = Path(__file__).resolve().parents[2] / ".benchmarks" / "latest.json"

# The shared log: the demo region plus this many vacancies (each published, then updated, or
# held and released: 2.5 events on average), so about 50,000 vacancy events in all.
BOARD_VACANCIES = 20_000


# Run order: the projection benchmark must rebuild the shared log before the page benchmark
# reads it (otherwise the pages' fixture would project the whole log once, untimed, first).
MODULE_ORDER = ("test_write_path", "test_projections", "test_pages", "test_national",
                "test_crash")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.stem
        return MODULE_ORDER.index(name) if name in MODULE_ORDER else len(MODULE_ORDER)

    items.sort(key=rank)


def _environment() -> dict[str, object]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "eventsourcing": version("eventsourcing"),
        "sqlalchemy": version("sqlalchemy"),
        "flask": version("flask"),
    }


class Table:
    """The rows of `make bench`'s table, in the order the benchmarks add them. When
    BENCH_RESULTS names a file (`make bench` names tests/benchmarks/RESULTS.md) it is rewritten
    at each row, marked unfinished until the run ends, so a run stopped part way still leaves
    what it measured; a partial run of one module without it replaces nothing."""

    def __init__(self, run: Run, target: str | None) -> None:
        self.run, self.rows, self.target = run, [], target
        self.started = time.perf_counter()

    def add(self, row: Row) -> None:
        self.rows.append(row)
        self.flush(finished=False)

    def note(self, text: str) -> None:
        self.run.notes.append(text)

    def flush(self, *, finished: bool) -> str:
        self.run.finished = finished
        self.run.seconds = time.perf_counter() - self.started
        self.run.load_end = load_average() if finished else None
        if self.target:
            return write(Path(self.target), self.run, self.rows)
        return render(self.run, self.rows)


FAILED_TESTS: list[str] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A benchmark that stopped with an error is named in the table's notes, so a figure it
    never measured cannot go missing silently."""
    report = yield
    if report.failed and call.excinfo is not None and \
            not call.excinfo.errisinstance(pytest.fail.Exception):
        FAILED_TESTS.append(f"{item.nodeid} ({report.when}) stopped with "
                            f"{call.excinfo.typename}: its later figures were not measured.")
    return report


@pytest.fixture(scope="session", autouse=True)
def table():
    """Every benchmark's rows; the table is printed at the end."""
    run = Run(started_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
              machine=platform.platform(), cpus=os.cpu_count() or 1,
              load_start=load_average())
    collected = Table(run, os.environ.get("BENCH_RESULTS"))
    yield collected
    for failure in FAILED_TESTS:
        collected.note(failure)
    if collected.rows:
        print("\n" + collected.flush(finished=True))


@pytest.fixture(scope="session")
def results():
    """Each benchmark records its figures here; written to .benchmarks/latest.json at the end
    (also when a target fails, so the figures behind a failure are kept)."""
    collected: dict[str, object] = {}
    started = time.perf_counter()
    load_before = os.getloadavg()
    yield collected
    document = {
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": _environment(),
        # Other work on the machine skews every figure: a load above the CPU count means the
        # benchmarks shared the CPUs (and the disk) with something else.
        "load_average_1m": {"start": round(load_before[0], 2),
                            "end": round(os.getloadavg()[0], 2)},
        "suite_seconds": round(time.perf_counter() - started, 1),
        **collected,
    }
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"\nBenchmark figures written to {RESULTS_FILE}")
    for name, figures in collected.items():
        targets = figures.get("targets", {}) if isinstance(figures, dict) else {}
        for target, verdict in targets.items():
            state = "met" if verdict["met"] else "NOT MET"
            print(f"  {name}: {target}: measured {verdict['measured']:.3f}x,"
                  f" target >= {verdict['target']}x: {state}")


@pytest.fixture(scope="session")
def ram_dir():
    """A private folder on the RAM disk (/dev/shm) where there is one: the benchmarks measure
    the portal's work, not the disk's fsync (which on a shared machine's disk is most of every
    commit, and hides the rest)."""
    shm = Path("/dev/shm")  # noqa: S108 (mkdtemp makes a private folder there)
    folder = Path(tempfile.mkdtemp(prefix="bench-", dir=shm if shm.is_dir() else None))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Board:
    """A portal whose log holds the demo region and a large vacancy history."""

    services: Services
    path: Path
    vacancy_events: int
    vacancies: int
    build_seconds: float


@pytest.fixture(scope="session")
def board(ram_dir) -> Board:
    """The demo region plus BOARD_VACANCIES vacancies, stored but NOT yet projected: the
    projection benchmark's rebuild is the first time the read models see them."""
    path = ram_dir / "board" / "portal.db"
    path.parent.mkdir()
    services = bootstrap(f"sqlite:///{path}")

    def build() -> int:
        load_demo(services.portal, services.credentials.set_password,
                  services.credentials.has_password, today=TODAY,
                  child_refs=services.child_refs, second_factors=services.second_factors)
        settings = all_settings(services.portal, [provider_id(p.name) for p in region.PROVIDERS])
        return vacancy_history(services.portal, settings, BOARD_VACANCIES, seed=20)

    seconds, events = timed(build)
    print(f"\n[set-up] demo region + {BOARD_VACANCIES:,} vacancies ({events:,} vacancy events)"
          f" stored in {seconds:.1f}s; log head {services.portal.last_position():,}")
    yield Board(services=services, path=path, vacancy_events=events,
                vacancies=BOARD_VACANCIES + len(region.VACANCIES), build_seconds=seconds)
    services.close()


@pytest.fixture(scope="session")
def projected_board(board: Board) -> Board:
    """The same portal with every projection caught up (free if the rebuild already ran)."""
    board.services.projections.catch_up()
    return board
