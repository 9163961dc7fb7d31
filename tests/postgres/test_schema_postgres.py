"""Creating the schema on the real PostgreSQL server: any number of processes start together.

Without a lock, two workers creating tables at once collide in PostgreSQL's catalogue ("tuple
concurrently updated", or a duplicate key in ``pg_type``) and gunicorn reports that a worker
failed to boot. Start-up holds an advisory lock while it creates tables."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from portal.bootstrap import bootstrap
from projections.database import SCHEMA_LOCK_KEY
from projections.vacancies import vacancy_board

pytestmark = pytest.mark.postgres

PROCESSES = 6


def _start_portal(database_url: str, instance: str, results) -> None:
    """One process's start-up: what a gunicorn worker does before it serves."""
    from portal import create_app
    from portal.config import Settings

    try:
        svc = bootstrap(database_url, instance=Path(instance))
        try:
            settings = Settings.from_environment(
                database_url=database_url, secret_key="x", instance=Path(instance),
                projections_inline=True, secure_cookies=False, portal_url="http://localhost")
            create_app(settings, services=svc)
        finally:
            svc.close()
    except Exception as error:
        results.put(f"{type(error).__name__}: {' '.join(str(error).split())[:300]}")
    else:
        results.put("started")


def test_six_processes_starting_together_on_a_fresh_database_all_start(postgres_url,
                                                                        tmp_path):
    context = multiprocessing.get_context("spawn")  # as separate as gunicorn's workers
    results = context.Queue()
    processes = [context.Process(target=_start_portal,
                                 args=(postgres_url, str(tmp_path / f"worker{n}"), results))
                 for n in range(PROCESSES)]
    for n in range(PROCESSES):
        (tmp_path / f"worker{n}").mkdir()
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert outcomes == ["started"] * PROCESSES
    svc = bootstrap(postgres_url, instance=tmp_path / "worker0")
    try:
        with svc.engine.connect() as c:
            assert c.execute(sa.select(sa.func.count()).select_from(vacancy_board)).scalar() == 0
    finally:
        svc.close()


def test_start_up_waits_while_another_process_creates_the_schema(postgres_server,
                                                                 postgres_url, tmp_path):
    """Deterministic: while the lock is held elsewhere, start-up creates nothing and waits."""
    url = postgres_server.url
    holder = psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432,
                             user=url.username or "postgres", password=url.password or "",
                             dbname=postgres_url.rsplit("/", 1)[1], autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
    started: list = []
    thread = threading.Thread(
        target=lambda: started.append(bootstrap(postgres_url, instance=tmp_path)), daemon=True)
    try:
        thread.start()
        thread.join(timeout=2)
        assert thread.is_alive(), "start-up should wait for the schema lock"
        tables = holder.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        assert tables == 0
    finally:
        holder.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))
        holder.close()
    thread.join(timeout=60)
    assert not thread.is_alive()
    try:
        with started[0].engine.connect() as c:
            assert c.execute(sa.select(sa.func.count()).select_from(vacancy_board)).scalar() == 0
        # Once started, the lock is released: nothing else is kept waiting.
        with started[0].engine.connect() as c:
            # Advisory locks belong to a database: other tests' databases on the same server
            # may hold theirs meanwhile.
            assert c.execute(sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())")).scalar() == 0
    finally:
        started[0].close()
