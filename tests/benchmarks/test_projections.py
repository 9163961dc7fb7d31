"""Projections: rebuilding every read model from the log, against reading and decoding it.

Target (issue 14): a full rebuild, and incremental catch-up, each process at least 0.5x the
rate at which the same log is read and decoded in the same run: eventsourcing's
``recorder.select_notifications`` paging through the whole log 1,000 notifications at a time,
each turned into its domain event by ``mapper.to_domain_event`` (best of three passes). A
rebuild must do both for every event anyway, so the ratio says how much the projections'
own work (handlers, rows, SQL, commits, the shadow tables' swap) adds. The rebuild's rate is
notifications in the log divided by the time ``services.projections.rebuild()`` takes to
replay it through every projection; catch-up's is 1,000 new events divided by the time
``catch_up()`` takes to apply them. The read alone, undecoded, is reported as a diagnostic.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from eventsourcing.application import Application

import projections
from portal.demo import region
from portal.demo.loader import provider_id
from projections.vacancies import vacancy_board
from tests.benchmarks.helpers import (
    PortalWriter,
    all_settings,
    breakdown,
    in_file,
    profile,
    timed,
    top_functions,
    vacancy_history,
)

PAGE = 1_000
READ_PASSES = 3
NEW_VACANCIES = 250  # x 4 events each = the 1,000 new events for incremental catch-up
PROFILED_VACANCIES = 600  # x 2.5 events (the board's mix): the log the profile replays
TARGET = 0.5


def read_log(app: Application, decode: bool = False) -> int:
    recorder, mapper = app.recorder, app.mapper
    read, position = 0, 0
    while True:
        page = recorder.select_notifications(position, limit=PAGE, inclusive_of_start=False)
        if not page:
            return read
        if decode:
            for notification in page:
                mapper.to_domain_event(notification)
        read += len(page)
        position = page[-1].id


PROJECTIONS_DIR = Path(projections.__file__).parent
REBUILD_PARTS = {
    "recorder.select_notifications (read the log)": in_file(
        "eventsourcing/sqlite.py", "select_notifications"),
    "mapper.to_domain_event (decode)": in_file("eventsourcing/persistence.py",
                                               "to_domain_event"),
    "  JSON parsing with transcoding hooks": in_file("json/decoder.py", "decode"),
    "  (the driver writes: projections/bulk.py insert/delete/update)": in_file(
        str(PROJECTIONS_DIR / "bulk.py"), "insert", "delete", "update"),
    "  (swapping the shadow tables in: projections/shadow.py swap)": in_file(
        str(PROJECTIONS_DIR / "shadow.py"), "swap"),
    "all projection code (process, begin_batch, end_batch)": in_file(
        str(PROJECTIONS_DIR), "process", "begin_batch", "end_batch"),
    "  vacancy_board + provider_vacancies handlers": in_file(
        str(PROJECTIONS_DIR / "vacancies.py"), "published", "updated", "held", "released",
        "closed"),
    "  audit projections (projections/audit: process + batches)": in_file(
        str(PROJECTIONS_DIR / "audit"), "process", "begin_batch", "end_batch"),
    "building statements (insert()/update()/.values()/.where())": in_file(
        "sqlalchemy/sql/dml.py", "values", "where"),
    "SQLAlchemy Connection.execute (all statements)": in_file("sqlalchemy/engine/base.py",
                                                              "execute"),
    "  cache key + compiled-cache lookup (_compile_w_cache)": in_file(
        "sqlalchemy/sql/elements.py", "_compile_w_cache"),
    "  DBAPI execute/executemany (SQLite's own work)": in_file(
        "sqlalchemy/engine/default.py", "do_execute", "do_executemany"),
    "COMMIT of the read-model transactions": in_file("sqlalchemy/engine/default.py",
                                                     "do_commit"),
}


def profile_rebuild(tmp_path) -> dict[str, object]:
    """cProfile a rebuild of a small log of the same shape (the full one takes too long)."""
    writer = PortalWriter(tmp_path / "profiled.db")
    settings = [(writer.provider, s) for s in writer.setting_objects.values()]
    vacancy_history(writer.portal, settings, PROFILED_VACANCIES, seed=3)
    runner = writer.services.projections
    events = writer.portal.last_position()
    each = {name: round(timed(lambda name=name: runner.rebuild([name]))[0], 3)
            for name in runner.projections}
    plain_s = sum(each.values())  # rebuild() is these one after another
    stats, wall = profile(runner.rebuild)
    parts = breakdown(stats, REBUILD_PARTS)
    print(f"  profile: rebuild of a {events:,}-event log ({events / plain_s:,.0f} events/s"
          f" unprofiled; microseconds per notification, profiled)")
    for label, part in parts.items():
        print(f"    {label:<58} {part['seconds'] / events * 1e6:>6.0f}us"
              f" {part['share']:>6.1%} {part['calls']:>8,} calls")
    print("  unprofiled rebuild of that log, one projection at a time: " + ", ".join(
        f"{name} {seconds * 1000:.0f} ms" for name, seconds in each.items()))
    writer.services.close()
    return {"events": events, "unprofiled_events_per_s": round(events / plain_s),
            "unprofiled_seconds_per_projection": each,
            "profiled_wall_s": round(wall, 2), "parts": parts,
            "top_own_time": top_functions(stats)}


def test_projection_rebuild(board, results, tmp_path):
    services = board.services
    app = services.portal
    runner = services.projections
    head = app.last_position()

    passes = []
    for _ in range(READ_PASSES):
        seconds, log_size = timed(lambda: read_log(app))
        passes.append(seconds)
    native_rate = log_size / min(passes)
    decode_passes = [timed(lambda: read_log(app, decode=True))[0] for _ in range(READ_PASSES)]
    decode_rate = log_size / min(decode_passes)

    rebuild_s, applied = timed(runner.rebuild)
    rebuild_rate = log_size / rebuild_s
    ratio = rebuild_rate / decode_rate

    # 1,000 new events at four providers' settings, then catch up as the web process would.
    settings = all_settings(app, [provider_id(p.name) for p in region.PROVIDERS[:4]])
    vacancy_history(app, settings, NEW_VACANCIES, seed=99, events_per_vacancy=4)
    new_events = app.last_position() - head
    catch_up_s, caught_up = timed(runner.catch_up)
    catch_up_ratio = new_events / catch_up_s / decode_rate

    with services.engine.connect() as c:
        board_rows = c.execute(
            sa.select(sa.func.count()).select_from(vacancy_board)).scalar_one()

    print(f"\n[projections] log of {log_size:,} notifications ({board.vacancy_events:,}"
          f" vacancy events + the demo region), {len(runner.projections)} projections")
    print(f"  native select_notifications  : {native_rate:>9,.0f} notifications/s"
          f" (diagnostic: the read alone; best of {READ_PASSES} passes, {PAGE:,} a page)")
    print(f"  native read + to_domain_event: {decode_rate:>9,.0f} notifications/s"
          f" (the baseline: best of {READ_PASSES} passes)")
    print(f"  rebuild()                    : {rebuild_rate:>9,.0f} notifications/s"
          f" ({rebuild_s:.1f}s, {applied:,} handler applications)"
          f" = {ratio:.3f}x read+decode (target >= {TARGET}x)")
    print(f"  incremental catch_up()       : {new_events:,} new events in"
          f" {catch_up_s * 1000:.0f} ms = {new_events / catch_up_s:,.0f} events/s"
          f" ({caught_up:,} handler applications) = {catch_up_ratio:.3f}x read+decode"
          f" (target >= {TARGET}x)")
    print(f"  vacancy board rows after     : {board_rows:,}")

    figures: dict[str, object] = {
        "log_notifications": log_size,
        "native_read_notifications_per_s": round(native_rate),
        "native_read_passes_s": [round(p, 3) for p in passes],
        "read_and_decode_notifications_per_s": round(decode_rate),
        "read_and_decode_passes_s": [round(p, 3) for p in decode_passes],
        "rebuild_seconds": round(rebuild_s, 2),
        "rebuild_notifications_per_s": round(rebuild_rate),
        "rebuild_handler_applications": applied,
        "rebuild_ratio": round(ratio, 4),
        "incremental_events": new_events,
        "incremental_seconds": round(catch_up_s, 3),
        "incremental_events_per_s": round(new_events / catch_up_s),
        "incremental_ratio": round(catch_up_ratio, 4),
        "vacancy_board_rows": board_rows,
        "targets": {
            "rebuild_vs_read_and_decode": {"measured": ratio, "target": TARGET,
                                           "met": ratio >= TARGET},
            "catch_up_vs_read_and_decode": {"measured": catch_up_ratio, "target": TARGET,
                                            "met": catch_up_ratio >= TARGET}},
    }
    results["projections"] = figures
    if ratio < TARGET or catch_up_ratio < TARGET:
        figures["profile"] = profile_rebuild(tmp_path)
        pytest.fail(f"rebuild() processed {rebuild_rate:,.0f} notifications/s ({ratio:.3f}x)"
                    f" and catch_up() {new_events / catch_up_s:,.0f} events/s"
                    f" ({catch_up_ratio:.3f}x) against reading and decoding the log at"
                    f" {decode_rate:,.0f}/s; the target is {TARGET}x for each", pytrace=False)
