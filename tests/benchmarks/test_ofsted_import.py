"""Ofsted register import speed on SQLite, for a file the size of England's register (about
10,000 providers and settings), every URN carried by a setting of the directory.

Measured in one run: the baseline of just reading and parsing the CSV (Python's csv module
alone, then the portal's reader with every row's checks), the first import (every URN new:
about five events each), the same file again (nothing stored), a file where a tenth of the
settings have a new inspection, and the read models catching up. No target is asserted: the
figures are printed and recorded in .benchmarks/latest.json.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta

from domain.actor import Actor
from domain.organisation import Provider
from portal.bootstrap import bootstrap
from portal.imports.files import inspect
from portal.imports.ofsted import RowChecker, register_rows
from portal.imports.register import run_register_import
from portal.imports.run import Upload
from tests.benchmarks.helpers import SAVE_BATCH, SETTINGS_PER_PROVIDER, TODAY, timed
from tests.benchmarks.table import Row
from tests.ofsted_files import row, write_register

SETTINGS = 10_000
SYSTEM = Actor.system()


def _directory(portal) -> list[str]:
    """SETTINGS children's homes under their own URNs, saved in batches; their URNs."""
    host, _ = portal.register_authority(
        SYSTEM, la_code="838", ons_code="E06000059", name="Dorset", population_0_17=66_000,
        partnerships=["South West"], key_decision_threshold=500_000)
    urns, batch = [], []
    for p in range(SETTINGS // SETTINGS_PER_PROVIDER):
        provider = Provider.register(name=f"Provider {p}", kind="childrens_home_operator",
                                     ofsted_urn=None, actor=SYSTEM)
        for s in range(SETTINGS_PER_PROVIDER):
            urn = f"SC{100_000 + p * SETTINGS_PER_PROVIDER + s}"
            provider.add_setting(name=f"Home {s}", setting_type="childrens_home",
                                 ofsted_urn=urn, host_authority_id=host,
                                 postcode_district="DT1", registered_places=4, actor=SYSTEM)
            urns.append(urn)
        batch.append(provider)
        if len(batch) == SAVE_BATCH:
            portal.save(*batch)
            batch = []
    if batch:
        portal.save(*batch)
    return urns


def _rows(urns: list[str], newer_every: int | None = None) -> list[dict[str, str]]:
    found = []
    for i, urn in enumerate(urns):
        inspected = date(2025, 1, 1) + timedelta(days=i % 300)
        judgement = "1234"[i % 7 % 4]
        if newer_every and i % newer_every == 0:
            inspected, judgement = date(2026, 3, 1) + timedelta(days=i % 90), "2"
        found.append(row(urn, name=f"Home {i}", places=1 + i % 6, inspected=inspected,
                         published=inspected + timedelta(days=25), judgement=judgement))
    return found


def _parse_only(path) -> int:
    with path.open(encoding="utf-8", newline="") as text:
        return sum(1 for _ in csv.DictReader(text))


def _read_and_check(path) -> int:
    file = inspect(path, path.name, "register file")
    checker = RowChecker(TODAY)
    return sum(1 for line, values in register_rows(file) if checker.check(line, values)[0])


def test_ofsted_register_import_speed(tmp_path, results, table):
    svc = bootstrap(f"sqlite:///{tmp_path / 'register.db'}")
    try:
        urns = _directory(svc.portal)
        svc.projections.catch_up()
        first_file = write_register(tmp_path / "register.csv", _rows(urns))
        later_file = write_register(tmp_path / "register-later.csv", _rows(urns, 10))
        rows = len(urns)

        parse_s, parsed = timed(lambda: _parse_only(first_file))
        check_s, checked = timed(lambda: _read_and_check(first_file))
        assert parsed == checked == rows

        def run(path):
            return run_register_import(svc, actor=SYSTEM, upload=Upload(path, path.name),
                                       today=TODAY)

        first_s, first = timed(lambda: run(first_file))
        assert first.ok and first.registrations_changed == rows
        events = first.events
        catch_up_s, _ = timed(svc.projections.catch_up)
        again_s, again = timed(lambda: run(first_file))
        assert again.ok and again.events == 0 and again.position is None
        later_s, later = timed(lambda: run(later_file))
        assert later.registrations_changed == rows // 10
        svc.projections.catch_up()

        figures = {
            "rows": rows, "file_mb": round(first_file.stat().st_size / 1_000_000, 2),
            "csv_parse_only_rows_per_s": round(rows / parse_s),
            "read_and_check_rows_per_s": round(rows / check_s),
            "first_import_s": round(first_s, 2),
            "first_import_rows_per_s": round(rows / first_s),
            "first_import_events": events,
            "same_file_again_s": round(again_s, 2),
            "same_file_again_rows_per_s": round(rows / again_s),
            "tenth_reinspected_s": round(later_s, 2),
            "tenth_reinspected_rows_per_s": round(rows / later_s),
            "projection_catch_up_s": round(catch_up_s, 2),
        }
        results["ofsted_register_import"] = figures
        # Issue 13 asks for the speed, with no target: beside it, the portal's own reading and
        # checking of the same file (no events, no store), measured in this run.
        table.add(Row(
            "imports", f"Ofsted register, first import of {rows:,} rows (every setting's "
            f"registration and inspection, {events:,} events)",
            f"{figures['first_import_rows_per_s']:,} rows/s ({first_s:.1f} s)",
            f"read and check only {figures['read_and_check_rows_per_s']:,} rows/s",
            f"{(rows / first_s) / (rows / check_s):.3f}x"))
        table.add(Row(
            "imports", f"Ofsted register, the same file again ({rows:,} rows, nothing changed)",
            f"{figures['same_file_again_rows_per_s']:,} rows/s ({again_s:.1f} s)",
            f"read and check only {figures['read_and_check_rows_per_s']:,} rows/s",
            f"{(rows / again_s) / (rows / check_s):.3f}x"))
        print(f"\nOfsted register import, {rows:,} rows ({figures['file_mb']} MB): CSV parse "
              f"only {figures['csv_parse_only_rows_per_s']:,} rows/s; read and check "
              f"{figures['read_and_check_rows_per_s']:,} rows/s; first import "
              f"{figures['first_import_rows_per_s']:,} rows/s ({first_s:.1f} s, {events:,} "
              f"events); same file again {figures['same_file_again_rows_per_s']:,} rows/s "
              f"({again_s:.1f} s); a tenth re-inspected "
              f"{figures['tenth_reinspected_rows_per_s']:,} rows/s ({later_s:.1f} s); read "
              f"models caught up in {catch_up_s:.1f} s")
    finally:
        svc.close()
