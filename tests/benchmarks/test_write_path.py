"""Write path: the portal's commands against eventsourcing's own SQLite module.

Target (foundation issue): publishing vacancies through the portal reaches at least 0.7x the
rate of eventsourcing's ``eventsourcing.sqlite`` module writing events one per commit.

Both sides write one event per commit to a SQLite file on the same disk, through the same
recorder; the difference is the portal's own work per command (loading the provider to read
the setting, the vacancy's rules, the actor and date transcodings). The two sides alternate
in short chunks, so both see the same disk and CPU conditions on a shared machine, and the
ratio asserted is the median of the chunk pairs' ratios: a stall in one chunk cannot decide it.
"""

from __future__ import annotations

import statistics

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from tests.benchmarks.helpers import (
    SETTINGS_PER_PROVIDER,
    PortalWriter,
    breakdown,
    builtin,
    in_file,
    profile,
    timed,
    top_functions,
)

CHUNK = 100  # events per chunk; the two sides alternate chunk by chunk
PAIRS = 20  # so 2,000 events each side
UPDATES = 500  # reported only: no target
WARM_UP = 100
PROFILED = 300
TARGET = 0.7


class Counter(Aggregate):
    """The baseline's trivial aggregate: one event, created and saved alone."""

    @event("Started")
    def __init__(self, number: int) -> None:
        self.number = number


def native_app(path) -> Application:
    return Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                            "SQLITE_DBNAME": str(path)})


def native_save(app: Application, count: int) -> None:
    for n in range(count):
        app.save(Counter(number=n))


WRITE_PARTS = {
    "sqlite3 COMMIT (fsync; WAL checkpoints grow with event size)": builtin(
        "method 'commit' of 'sqlite3"),
    "Application.save (collect, encode, insert, commit)": in_file(
        "eventsourcing/application.py", "save"),
    "  mapper.to_stored_event (encode: transcodings + JSON)": in_file(
        "eventsourcing/persistence.py", "to_stored_event"),
    "  recorder.insert_events (INSERT + COMMIT)": in_file("eventsourcing/sqlite.py",
                                                          "insert_events"),
    "Portal._get (load the provider to read its setting)": in_file("portal/services/application.py",
                                                                   "_get"),
    "  recorder.select_events (SELECT the provider's events)": in_file(
        "eventsourcing/sqlite.py", "select_events"),
    "  mapper.to_domain_event (decode the provider's events)": in_file(
        "eventsourcing/persistence.py", "to_domain_event"),
    "Vacancy.publish (rules and the Published event)": in_file("domain/vacancy.py", "publish"),
    "typing Protocol isinstance (eventsourcing's asserts/checks)": in_file(
        "typing.py", "__instancecheck__"),
}


def test_write_path(tmp_path, results):
    native = native_app(tmp_path / "native.db")
    writer = PortalWriter(tmp_path / "portal.db")
    native_save(native, WARM_UP)
    writer.publish(WARM_UP)

    native_times, publish_times = [], []
    for _ in range(PAIRS):
        native_times.append(timed(lambda: native_save(native, CHUNK))[0])
        publish_times.append(timed(lambda: writer.publish(CHUNK))[0])
    events = CHUNK * PAIRS
    native_rate = round(events / sum(native_times))
    publish_rate = round(events / sum(publish_times))
    pair_ratios = sorted(n / p for n, p in zip(native_times, publish_times, strict=True))
    ratio = statistics.median(pair_ratios)

    to_update = writer.published[WARM_UP:WARM_UP + UPDATES]
    update_s, _ = timed(lambda: writer.update(to_update))
    update_rate = round(len(to_update) / update_s)

    print(f"\n[write path] {events:,} events each side, one event per commit, alternating in"
          f" chunks of {CHUNK}; provider with {SETTINGS_PER_PROVIDER} settings")
    print(f"  native eventsourcing.sqlite : {native_rate:>6,} events/s")
    print(f"  portal publish_vacancy      : {publish_rate:>6,} events/s"
          f"  = {ratio:.3f}x native, median of {PAIRS} chunk pairs (target >= {TARGET}x;"
          f" pairs ranged {pair_ratios[0]:.2f}-{pair_ratios[-1]:.2f},"
          f" totals give {publish_rate / native_rate:.3f}x)")
    print(f"  portal update_vacancy       : {update_rate:>6,} events/s"
          f"  = {update_rate / native_rate:.3f}x native (loads the vacancy and its provider;"
          " reported, no target)")

    figures: dict[str, object] = {
        "events_each_side": events, "chunk": CHUNK,
        "pair_ratios": [round(r, 3) for r in pair_ratios],
        "native_chunk_s": [round(t, 4) for t in native_times],
        "publish_chunk_s": [round(t, 4) for t in publish_times],
        "settings_per_provider": SETTINGS_PER_PROVIDER,
        "native_events_per_s": native_rate,
        "publish_events_per_s": publish_rate,
        "publish_ratio": round(ratio, 3),
        "publish_ratio_of_totals": round(publish_rate / native_rate, 3),
        "update_events_per_s": update_rate,
        "update_ratio": round(update_rate / native_rate, 3),
        "targets": {"publish_vs_native": {"measured": ratio, "target": TARGET,
                                          "met": ratio >= TARGET}},
    }
    results["write_path"] = figures

    if ratio < TARGET:
        # Where a publish spends its time, next to the baseline's save, per event.
        stats, wall = profile(lambda: writer.publish(PROFILED))
        parts = breakdown(stats, WRITE_PARTS)
        native_stats, native_wall = profile(lambda: native_save(native, PROFILED))
        native_parts = breakdown(native_stats, WRITE_PARTS)
        print(f"  profile of {PROFILED:,} publishes vs {PROFILED:,} native saves"
              " (microseconds per event, profiled):")
        for label, part in parts.items():
            print(f"    {label:<60} portal {part['seconds'] / PROFILED * 1e6:>6.0f}us"
                  f"   native {native_parts[label]['seconds'] / PROFILED * 1e6:>6.0f}us")
        figures["profile"] = {
            "events": PROFILED, "portal_wall_s": round(wall, 2),
            "native_wall_s": round(native_wall, 2),
            "portal_parts": parts, "native_parts": native_parts,
            "portal_top_own_time": top_functions(stats),
        }

    writer.services.close()
    native.close()
    if ratio < TARGET:
        pytest.fail(f"publish_vacancy wrote {publish_rate:,} events/s against"
                    f" eventsourcing.sqlite's {native_rate:,}/s: a median chunk ratio of"
                    f" {ratio:.3f}x; the target is {TARGET}x", pytrace=False)
