"""Running an uploaded import in a background thread of the web process, with its progress
kept in ``import_jobs`` so that any web process can show it (the page polls it).

The uploaded files live in the portal's own upload folder (:mod:`portal.imports.uploads`,
mode 0700) only while the job runs and are removed when it ends, however it ends; if the
process dies first, the sweep removes them and the job is marked failed
(:mod:`portal.imports.liveness`: the job records its process and a heartbeat). Nothing about a
child is logged: a failure logs the job's id, the error's type and where it happened, never
the error's message (which could quote a value from the file).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import traceback
import uuid
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from domain.actor import Actor
from portal.bootstrap import Services
from portal.imports.liveness import Heartbeat, record_runner
from portal.imports.report import Report
from portal.imports.run import KIND, Upload, run_ssda903_import
from projections.import_jobs import import_job_runners, import_jobs, now

log = logging.getLogger("portal.imports")
PROGRESS_INTERVAL = 0.5  # seconds between progress writes


def create_job(engine: sa.Engine, *, authority_id: UUID, user_id: UUID | None,
               episodes: Upload, header: Upload | None, job_id: UUID | None = None) -> UUID:
    """Record a job that this process will run (with this process as its runner)."""
    job_id = job_id or uuid.uuid4()
    moment = now()
    with engine.begin() as c:
        c.execute(import_jobs.insert().values(
            id=job_id, authority_id=authority_id, user_id=user_id, kind=KIND,
            file_name=episodes.display_name,
            header_name=header.display_name if header else None,
            stage="queued", done=0, total=0, started_at=moment, updated_at=moment))
        record_runner(c, job_id, moment)
    return job_id


class ProgressWriter:
    """Writes a job's stage and counts, at most every PROGRESS_INTERVAL seconds (and at once
    when the stage changes)."""

    def __init__(self, engine: sa.Engine, job_id: UUID) -> None:
        self.engine = engine
        self.job_id = job_id
        self._stage = ""
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        moment = time.monotonic()
        if stage == self._stage and moment - self._last < PROGRESS_INTERVAL:
            return
        self._stage, self._last = stage, moment
        with self.engine.begin() as c:
            c.execute(import_jobs.update().where(import_jobs.c.id == self.job_id).values(
                stage=stage, done=min(done, total), total=total, updated_at=now()))


def finish_job(engine: sa.Engine, job_id: UUID, report: Report | None) -> None:
    """Record how the job ended: its report, or (None) that the portal failed."""
    stage = "failed" if report is None else "done" if report.ok else "refused"
    moment = now()
    with engine.begin() as c:
        c.execute(import_jobs.update().where(import_jobs.c.id == job_id).values(
            stage=stage, updated_at=moment, finished_at=moment,
            import_id=UUID(report.import_id) if report and report.import_id else None,
            report=report.to_dict() if report else None))
        c.execute(import_job_runners.delete().where(import_job_runners.c.job_id == job_id))


def _log_failure(job_id: UUID, what: str, error: Exception) -> None:
    where = traceback.extract_tb(error.__traceback__)[-1]
    log.error(what, extra={"job_id": str(job_id), "error": type(error).__name__,
                           "at": f"{Path(where.filename).name}:{where.lineno}"})


def run_job(svc: Services, job_id: UUID, *, authority_id: UUID, actor: Actor, folder: Path,
            episodes: Upload, header: Upload | None) -> None:
    """The job's whole life (the body of its thread): import, remove the files, bring the
    read models up to date where this process keeps them, record how it ended; with a
    heartbeat all along, so that the job is known dead if this process dies."""
    report = None
    with Heartbeat(svc.engine, job_id):
        try:
            report = run_ssda903_import(svc, authority_id=authority_id, actor=actor,
                                        episodes=episodes, header=header,
                                        progress=ProgressWriter(svc.engine, job_id))
        except Exception as error:
            _log_failure(job_id, "import job failed", error)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if report is not None and svc.projections.inline:
            try:
                svc.projections.catch_up()
            except Exception as error:  # stored all the same: the next request catches up
                _log_failure(job_id, "catching up after an import failed", error)
    finish_job(svc.engine, job_id, report)


def start_job(svc: Services, job_id: UUID, **kwargs) -> threading.Thread:
    thread = threading.Thread(target=run_job, args=(svc, job_id), kwargs=kwargs, daemon=True,
                              name=f"import-{job_id}")
    thread.start()
    return thread
