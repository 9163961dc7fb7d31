"""Projections: rebuilding every read model from the log, against reading and decoding it.

Target (issue 14): a rebuild, and an incremental catch-up of 1,000 new events, each at least
0.5x the rate of reading and decoding the same events (eventsourcing's
``recorder.select_notifications`` paging 1,000 at a time, then ``mapper.to_domain_event``; the
median of three passes), through the public entry points ``services.projections.rebuild()``
and ``catch_up()``. The raw read rate (no decoding) is recorded too.
"""

from __future__ import annotations

import statistics
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
from tests.benchmarks.table import Row

PAGE = 1_000
READ_PASSES = 3
NEW_VACANCIES = 250  # x 4 events each = the 1,000 new events for incremental catch-up
PROFILED_VACANCIES = 600  # x 2.5 events (the board's mix): the log the profile replays
TARGET = 0.5


def read_log(app: Application, decode: bool = False, start: int = 0) -> int:
    recorder, mapper = app.recorder, app.mapper
    read, position = 0, start
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


def median_pass(function, passes: int = READ_PASSES) -> tuple[float, int]:
    """The median of ``passes`` timings, and what the function returned."""
    timings = [timed(function) for _ in range(passes)]
    return statistics.median(t for t, _ in timings), timings[0][1]


def test_projection_rebuild(board, results, tmp_path, table):
    services = board.services
    app = services.portal
    runner = services.projections
    head = app.last_position()

    passes = []
    for _ in range(READ_PASSES):
        seconds, log_size = timed(lambda: read_log(app))
        passes.append(seconds)
    native_rate = log_size / min(passes)
    decode_s, _ = median_pass(lambda: read_log(app, decode=True))
    decode_rate = log_size / decode_s

    rebuild_s, applied = timed(runner.rebuild)
    rebuild_rate = log_size / rebuild_s
    ratio = rebuild_rate / decode_rate

    # 1,000 new events at four providers' settings, then catch up as the web process would.
    settings = all_settings(app, [provider_id(p.name) for p in region.PROVIDERS[:4]])
    vacancy_history(app, settings, NEW_VACANCIES, seed=99, events_per_vacancy=4)
    new_events = app.last_position() - head
    new_decode_s, _ = median_pass(lambda: read_log(app, decode=True, start=head))
    catch_up_s, caught_up = timed(runner.catch_up)
    catch_up_ratio = new_decode_s / catch_up_s

    with services.engine.connect() as c:
        board_rows = c.execute(
            sa.select(sa.func.count()).select_from(vacancy_board)).scalar_one()

    print(f"\n[projections] log of {log_size:,} notifications ({board.vacancy_events:,}"
          f" vacancy events + the demo region), {len(runner.projections)} projections")
    print(f"  native select_notifications  : {native_rate:>9,.0f} notifications/s"
          f" (diagnostic: the read alone; best of {READ_PASSES} passes, {PAGE:,} a page)")
    print(f"  native read + to_domain_event: {decode_rate:>9,.0f} notifications/s"
          f" (the baseline: median of {READ_PASSES} passes, no projection)")
    print(f"  rebuild()                    : {rebuild_rate:>9,.0f} notifications/s"
          f" ({rebuild_s:.1f}s, {applied:,} handler applications)"
          f" = {ratio:.4f}x read + decode (target >= {TARGET}x)")
    print(f"  incremental catch_up()       : {new_events:,} new events in"
          f" {catch_up_s * 1000:.0f} ms = {new_events / catch_up_s:,.0f} events/s"
          f" ({caught_up:,} handler applications) = {catch_up_ratio:.4f}x reading and"
          f" decoding them (target >= {TARGET}x)")
    print(f"  vacancy board rows after     : {board_rows:,}")

    figures: dict[str, object] = {
        "log_notifications": log_size,
        "native_read_notifications_per_s": round(native_rate),
        "native_read_passes_s": [round(p, 3) for p in passes],
        "read_and_decode_notifications_per_s": round(decode_rate),
        "read_and_decode_median_s": round(decode_s, 3),
        "rebuild_seconds": round(rebuild_s, 2),
        "rebuild_notifications_per_s": round(rebuild_rate),
        "rebuild_handler_applications": applied,
        "rebuild_ratio_to_read_and_decode": round(ratio, 4),
        "rebuild_ratio_to_read_only": round(rebuild_rate / native_rate, 4),
        "incremental_read_and_decode_seconds": round(new_decode_s, 4),
        "incremental_ratio_to_read_and_decode": round(catch_up_ratio, 4),
        "incremental_events": new_events,
        "incremental_seconds": round(catch_up_s, 3),
        "incremental_events_per_s": round(new_events / catch_up_s),
        "incremental_ratio": round(catch_up_ratio, 4),
        "vacancy_board_rows": board_rows,
        "targets": {"rebuild_vs_read_and_decode": {"measured": ratio, "target": TARGET,
                                                   "met": ratio >= TARGET},
                    "catch_up_vs_read_and_decode": {"measured": catch_up_ratio,
                                                    "target": TARGET,
                                                    "met": catch_up_ratio >= TARGET}},
    }
    results["projections"] = figures
    projections_count = len(runner.projections)
    table.add(Row("projections", f"rebuild() of a {log_size:,}-event log ({projections_count}"
                  " projections)", f"{rebuild_rate:,.0f} events/s ({rebuild_s:.1f} s)",
                  f"{decode_rate:,.0f} events/s read + decoded (median of {READ_PASSES})",
                  f"{ratio:.3f}x", f">= {TARGET}x", ratio >= TARGET))
    table.add(Row("projections", f"catch_up() of {new_events:,} new events",
                  f"{new_events / catch_up_s:,.0f} events/s",
                  f"{new_events / new_decode_s:,.0f} events/s reading + decoding them",
                  f"{catch_up_ratio:.3f}x", f">= {TARGET}x", catch_up_ratio >= TARGET))
    if ratio < TARGET or catch_up_ratio < TARGET:
        figures["profile"] = profile_rebuild(tmp_path)
        pytest.fail(f"rebuild() {ratio:.4f}x and catch_up() {catch_up_ratio:.4f}x the rate of"
                    f" reading and decoding the same events; the target is {TARGET}x",
                    pytrace=False)
