"""Crash safety at length: hundreds of SIGKILLs of gunicorn's web workers and of the projection
process during a burst of API writes on PostgreSQL (tests/postgres/crash_harness.py; `make
test` runs the same harness with six). Target (issue 14): nothing acknowledged lost, nothing
created twice, every retried write answered, the read models equal to a rebuild row for row,
and `portal audit verify` passing."""

from __future__ import annotations

import os
from uuid import uuid4

import psycopg
import sqlalchemy as sa

from tests.benchmarks.table import Row
from tests.postgres.crash_harness import run

KILLS = int(os.environ.get("BENCH_CRASH_KILLS", "200"))
# Seconds between kills, drawn at random between the two ("0.8,1.6"). On a loaded machine a
# web worker may need longer than that to boot: wider gaps let writes through between kills.
BETWEEN = tuple(float(s) for s in os.environ.get("BENCH_CRASH_BETWEEN", "0.8,1.6").split(","))
SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def test_crash_safety(table, results, tmp_path):
    server = sa.engine.make_url(SERVER)
    name = f"bench_crash_{uuid4().hex[:12]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        outcome = run(server.set(drivername="postgresql+psycopg", database=name)
                      .render_as_string(hide_password=False), tmp_path, kills=KILLS,
                      between=BETWEEN)
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    results["crash"] = {k: v for k, v in vars(outcome).items() if k != "verify_output"}
    print(f"\n[crash] {outcome}")
    table.add(Row(
        "crash safety",
        f"SIGKILL of web workers ({outcome.kills_web}) and of the projection process "
        f"({outcome.kills_projection}) during API writes, {outcome.seconds:.0f} s",
        f"{outcome.acknowledged:,} writes acknowledged: {len(outcome.lost)} lost, "
        f"{len(outcome.duplicated)} created twice, {outcome.given_up} never answered; read "
        f"models {'equal' if outcome.rebuild_matches else 'NOT equal'} to a rebuild; audit "
        f"verify exit {outcome.verify_exit}",
        f"{outcome.requests:,} requests, {outcome.retried:,} of them retries",
        f"{len(outcome.lost) + len(outcome.duplicated)} lost or doubled",
        "0 lost, 0 doubled, all answered, rebuild equal, verify passes",
        outcome.safe and outcome.given_up == 0))
