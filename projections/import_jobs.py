"""Import jobs running in the web process, and the record of past imports, for their viewers.

``import_jobs`` is not a projection: it is the progress of an upload being imported in the
background (stage, rows done of total) and, when done, its report. It holds no child-level data:
a report has line numbers, column names and reasons only (see :mod:`portal.imports.report`).
Past imports are read from ``data_imports``, the placements projection's record of each
``DataImport.Completed`` event. Both are only ever read for the viewer's own authority.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from projections.database import metadata
from projections.directory import accounts
from projections.placements import data_imports

import_jobs = sa.Table(
    "import_jobs",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False, index=True),
    sa.Column("user_id", sa.Uuid),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("header_name", sa.String(255)),
    # queued, checking, reading, applying, then done, refused (the file could not be
    # imported at all) or failed (the portal stopped with an error)
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("done", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("import_id", sa.Uuid),  # the DataImport recorded, when there is one
    sa.Column("report", sa.JSON),
)

# Which process runs each unfinished job, and its heartbeat: written when the job is created
# (by the web process that will run it) and every few seconds while it runs, so a job whose
# process died (a crash, kill -9, a restart) is recognised and marked failed
# (portal/imports/liveness.py). A table of its own, so existing databases gain it at start-up.
import_job_runners = sa.Table(
    "import_job_runners",
    metadata,
    sa.Column("job_id", sa.Uuid, primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    # When the process started (Linux: clock ticks after boot), so a reused pid is not taken
    # for the process that died; empty where the system does not say.
    sa.Column("process_started", sa.String(32), nullable=False),
    sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
)

FINISHED = frozenset({"done", "refused", "failed"})
# A job recorded before runners were (no row in import_job_runners) whose progress has not
# moved for this long is taken to have stopped with its process.
STALLED_AFTER = timedelta(minutes=10)


def now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def job_status(row: Any, at: datetime | None = None) -> str:
    """The stage, or "stopped" for a job recorded without a runner (before runners were) that
    stalled before finishing. A job with a runner is marked failed when its process dies
    (portal/imports/liveness.py)."""
    if row["stage"] not in FINISHED and not row["has_runner"] \
            and (at or now()) - _aware(row["updated_at"]) > STALLED_AFTER:
        return "stopped"
    return row["stage"]


def _with_runner(*columns) -> sa.Select:
    return sa.select(*columns, import_job_runners.c.job_id.is_not(None).label("has_runner")
                     ).select_from(import_jobs.outerjoin(
                         import_job_runners, import_job_runners.c.job_id == import_jobs.c.id))


def job(viewer, connection: sa.Connection, job_id: UUID) -> Any | None:
    """One of the viewer's authority's jobs (None for another authority's, as for none)."""
    return connection.execute(_with_runner(*import_jobs.c).where(
        import_jobs.c.id == job_id,
        import_jobs.c.authority_id == viewer.organisation_id)).mappings().first()


def recent_jobs(viewer, connection: sa.Connection, limit: int = 10) -> list[Any]:
    columns = [c for c in import_jobs.c if c.name != "report"]
    return list(connection.execute(
        _with_runner(*columns).where(import_jobs.c.authority_id == viewer.organisation_id)
        .order_by(import_jobs.c.started_at.desc()).limit(limit)).mappings())


def past_imports(viewer, connection: sa.Connection, limit: int = 50) -> list[Any]:
    """The authority's recorded imports, newest first, with who ran them and the job (and so
    the report) where the web ran it."""
    return list(connection.execute(
        sa.select(data_imports, accounts.c.display_name.label("run_by"),
                  import_jobs.c.id.label("job_id"))
        .select_from(data_imports
                     .outerjoin(accounts, accounts.c.id == data_imports.c.user_id)
                     .outerjoin(import_jobs, import_jobs.c.import_id == data_imports.c.id))
        .where(data_imports.c.authority_id == viewer.organisation_id)
        .order_by(data_imports.c.imported_at.desc()).limit(limit)).mappings())
