"""Knowing when an import job's process has died, so its page stops saying it carries on.

An import runs in a thread of the web process that took the upload. If that process dies
(a crash, ``kill -9``, a restart, a machine lost), nothing records how the job ended. So each
job records which process runs it (host name, pid and when that process started) and a
heartbeat, written every ``HEARTBEAT_INTERVAL`` while the job runs, whatever stage it is in
(including catching the read models up, when no progress is written). A job is dead when

- its heartbeat is older than ``HEARTBEAT_TIMEOUT`` (any host), or
- it runs on this host and its process is gone, or is another process that reused the pid
  (at once: a restarted portal finds its own dead jobs at start-up).

:func:`settle_dead_jobs` marks dead jobs failed (the page then says the import stopped and
offers to run it again with the files uploaded again: they are never kept) and removes their
uploaded files. It runs at start-up, hourly, and whenever an imports page is shown.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from projections.import_jobs import FINISHED, import_job_runners, import_jobs, now

log = logging.getLogger("portal.imports")

HEARTBEAT_INTERVAL = 15  # seconds
HEARTBEAT_TIMEOUT = timedelta(seconds=90)  # six missed heartbeats


def this_host() -> str:
    return socket.gethostname()[:255]


def process_started(pid: int) -> str:
    """When process ``pid`` started (Linux: field 22 of /proc/PID/stat, clock ticks after
    boot); "" where the system does not say, and "gone" when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return "gone" if Path("/proc/self/stat").exists() else ""
    except OSError:
        return ""
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def _process_alive(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive, but is it ours? the start time says
    return not started or process_started(pid) == started


def record_runner(connection: sa.Connection, job_id: UUID, moment: datetime) -> None:
    """Record that this process runs ``job_id`` (in the transaction that creates the job)."""
    pid = os.getpid()
    connection.execute(import_job_runners.insert().values(
        job_id=job_id, host=this_host(), pid=pid, process_started=process_started(pid),
        heartbeat_at=moment))


class Heartbeat:
    """While the ``with`` block runs, write the job's heartbeat every HEARTBEAT_INTERVAL
    seconds from a thread of its own (``finish_job`` removes the runner row at the end)."""

    def __init__(self, engine: sa.Engine, job_id: UUID,
                 interval: float = HEARTBEAT_INTERVAL) -> None:
        self.engine = engine
        self.job_id = job_id
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True,
                                        name=f"import-heartbeat-{job_id}")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                with self.engine.begin() as c:
                    c.execute(import_job_runners.update()
                              .where(import_job_runners.c.job_id == self.job_id)
                              .values(heartbeat_at=now()))
            except Exception as error:  # a busy database: the next beat tries again
                log.warning("import heartbeat not written",
                            extra={"job_id": str(self.job_id), "error": type(error).__name__})


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=now().tzinfo)  # SQLite


def is_dead(runner, at: datetime) -> bool:
    """Whether the process that runs a job (its ``import_job_runners`` row) has died."""
    if at - _aware(runner.heartbeat_at) > HEARTBEAT_TIMEOUT:
        return True
    return runner.host == this_host() and not _process_alive(runner.pid,
                                                              runner.process_started)


def settle_dead_jobs(engine: sa.Engine, remove_files: Callable[[UUID], None] | None = None,
                     at: datetime | None = None) -> list[UUID]:
    """Mark every unfinished job whose process died as failed, and remove its uploaded files
    (``remove_files(job_id)``); returns their ids."""
    at = at or now()
    with engine.connect() as c:
        runners = list(c.execute(
            sa.select(import_job_runners)
            .join(import_jobs, import_jobs.c.id == import_job_runners.c.job_id)
            .where(import_jobs.c.stage.not_in(list(FINISHED)))))
    dead = [r.job_id for r in runners if is_dead(r, at)]
    for job_id in dead:
        with engine.begin() as c:
            marked = c.execute(import_jobs.update().where(
                import_jobs.c.id == job_id, import_jobs.c.stage.not_in(list(FINISHED)))
                .values(stage="failed", updated_at=at, finished_at=at)).rowcount
            c.execute(import_job_runners.delete().where(import_job_runners.c.job_id == job_id))
        if marked:
            log.warning("import job's process died: marked failed", extra={"job_id": str(job_id)})
        if remove_files is not None:
            remove_files(job_id)
    return dead
