"""An authority's in-house fostering: its monthly fostering returns, recorded and corrected
by its own officers on a form or imported from a CSV file in the layout the page documents.
Every page is the officer's own authority's: no address names another's."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from domain.errors import DomainError, Refused
from domain.fostering import FIELDS, FOSTERING_TYPES, PIPELINE, RESIGNATION_REASONS, month_label
from domain.words import counted
from portal.extensions import csrf
from portal.forms import FormResult, load
from portal.fostering_schemas import FosteringImportSchema, parse_fostering_return
from portal.imports.fostering import COLUMNS, MAX_BYTES, ReturnsFile, read_returns, sample_csv
from portal.security import requires, services
from projections.fostering import fostering_return_for, fostering_returns_for

bp = Blueprint("fostering", __name__, url_prefix="/fostering")
SHOWN_MONTHS = 24


def _index_page(upload: FormResult | None = None, report: ReturnsFile | None = None,
                status: int = 200):
    with services().engine.connect() as c:
        returns = fostering_returns_for(g.principal, c, months=SHOWN_MONTHS)
    return render_template("fostering/index.html", returns=returns, types=FOSTERING_TYPES,
                           pipeline=PIPELINE, reasons=RESIGNATION_REASONS, columns=COLUMNS,
                           form=upload or FormResult(), report=report,
                           month_label=month_label), status


def _form_page(form: FormResult, month: date | None):
    return render_template("fostering/return.html", form=form, month=month, fields=FIELDS,
                           types=FOSTERING_TYPES, pipeline=PIPELINE,
                           reasons=RESIGNATION_REASONS, month_label=month_label)


def _stored(form: FormResult, correcting: date | None):
    """Record (or correct) the return; on success wait for the projections and go back to
    the list. A refusal joins the form's errors."""
    portal, actor = services().portal, g.principal.actor
    data = form.data
    try:
        if correcting is None:
            position = portal.record_fostering_return(
                actor, g.principal.organisation_id, month=data["month"],
                figures=data["figures"])
        else:
            position = portal.correct_fostering_return(
                actor, g.principal.organisation_id, month=correcting,
                figures=data["figures"], reason=data["reason"])
    except Refused as refused:
        form.errors.update(refused.errors)
        return None
    except DomainError as error:
        form.errors[error.field or "month"] = error.message
        return None
    services().projections.wait_for(position)
    flash(f"Fostering return for {month_label(correcting or data['month'])} saved")
    return redirect(url_for("fostering.index"))


def _posted(correcting: date | None):
    raw = request.form.copy()
    if correcting is not None:
        raw["month-month"], raw["month-year"] = str(correcting.month), str(correcting.year)
    form = parse_fostering_return(raw, today=services().portal.today(),
                                  correcting=correcting is not None)
    done = _stored(form, correcting) if form.ok else None
    form.data = raw.to_dict()
    return done or _form_page(form, correcting)


@bp.get("/")
@requires("fostering.manage")
def index():
    return _index_page()


@bp.route("/returns/new", methods=["GET", "POST"])
@requires("fostering.manage")
def new():
    if request.method == "POST":
        return _posted(None)
    return _form_page(FormResult(), None)


@bp.route("/returns/<int:year>/<int:month>/correct", methods=["GET", "POST"])
@requires("fostering.manage")
def correct(year: int, month: int):
    if not (2000 <= year <= 9999 and 1 <= month <= 12):
        abort(404)
    day = date(year, month, 1)
    if request.method == "POST":
        return _posted(day)
    with services().engine.connect() as c:
        held = fostering_return_for(g.principal, c, day)
    if held is None:
        abort(404)
    return _form_page(FormResult(data={k: str(held[k]) for k in FIELDS}), day)


@bp.get("/layout.csv")
@requires("fostering.manage")
def layout():
    return Response(sample_csv(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=fostering-returns-sample.csv"})


def _read_upload(storage) -> ReturnsFile:
    with tempfile.TemporaryDirectory(prefix="fostering-returns-") as folder:
        path = Path(folder) / "returns.csv"
        storage.save(path)
        return read_returns(path, storage.filename, today=services().portal.today())


def _import(report: ReturnsFile, reason: str | None) -> FormResult:
    """Import every month of a file that reads, or say why nothing was imported."""
    form = FormResult()
    try:
        done = services().portal.import_fostering_returns(
            g.principal.actor, g.principal.organisation_id, returns=report.returns,
            file_name=report.name, reason=reason)
    except DomainError as error:
        form.errors["reason" if error.field == "reason" else "file"] = error.message
        return form
    services().projections.wait_for(done.position)
    flash(f"{report.name}: {counted(done.recorded, 'month')} recorded, {done.corrected:,} "
          f"corrected, {done.unchanged:,} unchanged")
    return form


@bp.post("/import")
@csrf.exempt  # checked below, once this route's own size limit is in force
@requires("fostering.manage")
def upload():
    request.max_content_length = MAX_BYTES + 64 * 1024
    try:
        csrf.protect()
        storage = request.files.get("file")
        form = load(FosteringImportSchema(), request.form.to_dict())
    except RequestEntityTooLarge:
        return _index_page(FormResult(errors={"file": "The file must be smaller than 1 MB"}),
                           status=413)
    if storage is None or not storage.filename:
        form.errors["file"] = "Select a file of fostering returns (CSV)"
    if not form.ok:
        return _index_page(form)
    report = _read_upload(storage)
    if not report.ok:
        form.errors["file"] = f"{report.name}: nothing was imported. Correct the rows listed"
        return _index_page(form, report)
    return _index_page(_import(report, form.data.get("reason")), report)
