"""The folder the portal owns for uploaded returns, swept so no raw child id is left behind.

An SSDA903 upload holds the council's own child ids, so its files are kept only while the job
that imports them runs, in ``IMPORT_UPLOAD_DIR`` (default ``uploads/`` in the instance folder;
owner-only, mode 0700), one folder per job named by its id. The job removes its folder however
it ends; if its process dies first, the folder is removed

- when the job is found dead (:mod:`portal.imports.liveness`: at start-up, hourly, or when an
  imports page is shown), and in any case
- once older than ``MAX_UPLOAD_AGE``, unless its job is still running, by the sweep at start-up
  and hourly. That covers files whose job was never recorded (a crash mid-upload), and the
  ``ssda903-*`` folders earlier versions left in the system's temporary folder.

``MAX_UPLOAD_AGE`` is two hours: the longest import the portal takes is two files at the 64 MB
limit, about 800,000 rows each, which it reads and applies at about 6,300 rows a second on
SQLite (README, Speed): about five minutes, or twenty-five at a fifth of that speed. Two hours
leaves room for a slow, busy server and still keeps nothing for long.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from portal.imports.liveness import settle_dead_jobs
from projections.import_jobs import FINISHED, import_jobs

log = logging.getLogger("portal.imports")

MAX_UPLOAD_AGE = timedelta(hours=2)
# Where uploads waited before this folder existed (tempfile.mkdtemp(prefix="ssda903-")).
LEGACY_PREFIX = "ssda903-"
SWEEP_EVERY = 3600.0  # seconds: the hourly sweep


class UploadFolder:
    """Where uploads wait to be imported: ``root/<job id>/episodes.csv`` (and header.csv)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._next_sweep = 0.0

    def for_job(self, job_id: UUID) -> Path:
        """A new, empty, owner-only folder for one job's files."""
        if not self.root.is_dir():
            self.root.mkdir(mode=0o700, parents=True)
        elif self.root.stat().st_mode & 0o077:
            log.warning("IMPORT_UPLOAD_DIR can be read by others: make it owner-only (0700)")
        folder = self.root / str(job_id)
        folder.mkdir(mode=0o700)
        return folder

    def remove(self, job_id: UUID) -> None:
        shutil.rmtree(self.root / str(job_id), ignore_errors=True)

    def sweep(self, engine: sa.Engine, now: float | None = None) -> int:
        """Settle dead jobs, then remove every job folder whose job has finished, or that is
        older than MAX_UPLOAD_AGE and whose job is not running (or was never recorded).
        Returns how many were removed. Nothing about a file's content is logged."""
        settle_dead_jobs(engine, self.remove)
        now = time.time() if now is None else now
        removed = _sweep_legacy(now)
        if not self.root.is_dir():
            return removed
        # Only job folders (named by the job's id) are the portal's: nothing else in the
        # folder is touched, should it be pointed at a folder shared with anything else.
        entries = [e for e in self.root.iterdir() if _job_id(e) is not None]
        stages = _stages(engine, [_job_id(e) for e in entries])
        for entry in entries:
            stage = stages.get(_job_id(entry))
            old = now - entry.lstat().st_mtime > MAX_UPLOAD_AGE.total_seconds()
            if stage in FINISHED or (old and stage is None):
                _delete(entry)
                removed += 1
            elif old:
                log.warning("an upload older than the longest import is kept: its job runs",
                            extra={"job_id": entry.name})
        if removed:
            log.info("uploads swept", extra={"removed": removed})
        return removed

    def sweep_if_due(self, engine: sa.Engine) -> None:
        """The hourly sweep, run by whichever request comes first after the hour."""
        moment = time.monotonic()
        if moment < self._next_sweep:
            return
        self._next_sweep = moment + SWEEP_EVERY
        try:
            self.sweep(engine)
        except Exception as error:  # logged; the next hour tries again
            log.error("sweeping uploads failed", extra={"error": type(error).__name__})


def _sweep_legacy(now: float) -> int:
    """Uploads left by portals before this folder existed: ``ssda903-*`` folders of this user
    in the system's temporary folder, older than MAX_UPLOAD_AGE."""
    removed = 0
    for entry in Path(tempfile.gettempdir()).glob(LEGACY_PREFIX + "*"):
        try:
            info = entry.lstat()
        except OSError:
            continue
        if entry.is_dir() and not entry.is_symlink() and info.st_uid == os.getuid() \
                and now - info.st_mtime > MAX_UPLOAD_AGE.total_seconds():
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


def _job_id(entry: Path) -> UUID | None:
    try:
        return UUID(entry.name)
    except ValueError:
        return None


def _stages(engine: sa.Engine, wanted: list[UUID | None]) -> dict[UUID, str]:
    if not wanted:
        return {}
    with engine.connect() as c:
        return dict(c.execute(sa.select(import_jobs.c.id, import_jobs.c.stage)
                              .where(import_jobs.c.id.in_(wanted))).all())


def _delete(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)  # a job's name on a file or link: not ours to follow
