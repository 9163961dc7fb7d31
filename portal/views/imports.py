"""Importing an SSDA903 return: upload, progress (polled with htmx), report and its CSV.

The import always goes into the signed-in officer's own authority: the form has no authority
field, and another authority's job answers 404 like a missing one.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from portal.extensions import csrf, htmx
from portal.form_keys import own_size_limit
from portal.forms import FormResult
from portal.imports.files import MAX_FILE_BYTES, MAX_FILE_TEXT
from portal.imports.job_records import FINISHED, job, job_status, past_imports, recent_jobs
from portal.imports.jobs import create_job, start_job
from portal.imports.liveness import settle_dead_jobs
from portal.imports.report import Report
from portal.imports.run import Upload
from portal.imports.sample import sample_file
from portal.security import requires, services
from projections.placement_location import NOT_KNOWN

bp = Blueprint("imports", __name__, url_prefix="/imports")

# Two files at the importer's limit, and the form around them: for this route only (the
# portal's other forms keep the app's small MAX_CONTENT_LENGTH).
UPLOAD_LIMIT = 2 * MAX_FILE_BYTES + 256 * 1024
SHOWN_PROBLEMS = 1000  # rows of the report shown on the page; the CSV has them all
STAGES = {"queued": "Waiting to start", "checking": "Checking the files",
          "reading": "Reading and checking rows", "applying": "Saving children's placements",
          "done": "Finished", "refused": "Nothing was imported", "failed": "Stopped",
          "stopped": "Stopped"}


def _uploads():
    return current_app.extensions["uploads"]


def _settle() -> None:
    """Jobs whose process died are marked failed (and their files removed) before any job
    is shown, so no page says a dead import carries on."""
    settle_dead_jobs(services().engine, _uploads().remove)


def _index(form: FormResult, status: int = 200):
    _settle()
    with services().engine.connect() as c:
        jobs = recent_jobs(g.principal, c)
        past = past_imports(g.principal, c)
    return render_template("imports/index.html", form=form, jobs=jobs, past=past,
                           stages=STAGES, job_status=job_status,
                           max_size=MAX_FILE_TEXT), status


@bp.get("/")
@requires("placements.import")
def index():
    return _index(FormResult())


def _saved(storage, folder: Path, name: str, label: str, form: FormResult) -> Upload | None:
    if storage is None or not storage.filename:
        return None
    path = folder / name
    storage.save(path)
    size = path.stat().st_size
    if size == 0:
        form.errors[name.split(".")[0]] = f"The selected {label} is empty"
    elif size > MAX_FILE_BYTES:
        form.errors[name.split(".")[0]] = (f"The selected {label} must be smaller than "
                                           f"{MAX_FILE_TEXT}")
    return Upload(path, storage.filename)


@bp.post("/")
@csrf.exempt  # checked below, once this route's own size limit is in force
@requires("placements.import")
@own_size_limit
def upload():
    request.max_content_length = UPLOAD_LIMIT
    form = FormResult()
    try:
        csrf.protect()
        files = request.files
    except RequestEntityTooLarge:
        form.errors["episodes"] = f"Each file must be smaller than {MAX_FILE_TEXT}"
        return _index(form, 413)
    job_id = uuid4()
    folder = _uploads().for_job(job_id)  # the portal's own, owner-only, swept
    episodes = _saved(files.get("episodes"), folder, "episodes.csv", "episodes file", form)
    header = _saved(files.get("header"), folder, "header.csv", "header file", form)
    if episodes is None:
        form.errors["episodes"] = "Select the SSDA903 episodes file"
    if form.errors:
        _uploads().remove(job_id)
        return _index(form)
    svc = services()
    create_job(svc.engine, authority_id=g.principal.organisation_id,
               user_id=g.principal.user_id, episodes=episodes, header=header, job_id=job_id)
    start_job(svc, job_id, authority_id=g.principal.organisation_id, actor=g.principal.actor,
              folder=folder, episodes=episodes, header=header)
    return redirect(url_for("imports.show", job_id=job_id), 303)


def _job_or_404(job_id: UUID):
    _settle()
    with services().engine.connect() as c:
        row = job(g.principal, c, job_id)
    if row is None:
        abort(404)
    return row


@bp.get("/jobs/<uuid:job_id>")
@requires("placements.import")
def show(job_id: UUID):
    row = _job_or_404(job_id)
    status = job_status(row)
    report = Report.from_dict(row["report"]) if row["report"] else None
    context = dict(job=row, status=status, stage=STAGES.get(status, status), report=report,
                   finished=status in FINISHED or status == "stopped",
                   shown=report.sorted_problems()[:SHOWN_PROBLEMS] if report else [],
                   warnings=report.sorted_warnings()[:SHOWN_PROBLEMS] if report else [],
                   shown_limit=SHOWN_PROBLEMS, NOT_KNOWN_AREA=NOT_KNOWN["area"])
    if htmx:
        return render_template("imports/_progress.html", **context)
    return render_template("imports/job.html", **context)


@bp.get("/sample-<any(episodes, header):which>.csv")
@requires("placements.import")
def sample(which: str):
    """A sample return in the importer's own layout, that it accepts as it is (invented
    children, dates counted back from today)."""
    return Response(sample_file(which, services().portal.today()), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="ssda903-sample-{which}.csv"'})


@bp.get("/jobs/<uuid:job_id>/report.csv")
@requires("placements.import")
def report_csv(job_id: UUID):
    row = _job_or_404(job_id)
    if not row["report"]:
        abort(404)
    report = Report.from_dict(row["report"])
    day = (row["finished_at"] or row["started_at"]).date() if row["started_at"] else date.today()
    return Response(report.to_csv(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="ssda903-import-report-{day}.csv"'})
