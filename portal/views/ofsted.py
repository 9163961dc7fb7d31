"""Platform administrators import Ofsted's register of children's social care providers and
inspections, and see what it changed, which rows it refused and which URNs no setting carries.

The register is public data (no child is in it), so the upload is read while the request
waits: England's whole register (about 10,000 rows) takes a few seconds.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, flash, g, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from domain.ofsted import JUDGEMENTS
from portal.extensions import csrf
from portal.forms import FormResult
from portal.imports.files import FileProblem
from portal.imports.ofsted import COLUMNS, MAX_REGISTER_BYTES, MAX_REGISTER_TEXT, RegisterReport
from portal.imports.register import run_register_import
from portal.imports.run import Upload
from portal.security import requires, services
from projections.quality_queries import register_summary

bp = Blueprint("ofsted", __name__, url_prefix="/admin/ofsted-register")
UPLOAD_LIMIT = MAX_REGISTER_BYTES + 64 * 1024  # the file and the form around it
SHOWN_PROBLEMS = 1000


def _page(form: FormResult, report: RegisterReport | None = None, status: int = 200):
    with services().engine.connect() as c:
        summary = register_summary(g.principal, c)
    return render_template("ofsted/register.html", form=form, report=report, summary=summary,
                           columns=COLUMNS, judgements=JUDGEMENTS, shown=SHOWN_PROBLEMS,
                           max_size=MAX_REGISTER_TEXT), status


@bp.get("/")
@requires("organisations.manage")
def index():
    return _page(FormResult())


def _imported(storage) -> RegisterReport:
    """Save the upload where only this request reads it, import it, and remove it."""
    with tempfile.TemporaryDirectory(prefix="ofsted-register-") as folder:
        path = Path(folder) / "register.csv"
        storage.save(path)
        if path.stat().st_size > MAX_REGISTER_BYTES:
            raise FileProblem(f"The register file must be smaller than {MAX_REGISTER_TEXT}")
        return run_register_import(services(), actor=g.principal.actor,
                                   upload=Upload(path, storage.filename))


@bp.post("/")
@csrf.exempt  # checked below, once this route's own size limit is in force
@requires("organisations.manage")
def upload():
    request.max_content_length = UPLOAD_LIMIT
    form = FormResult()
    try:
        csrf.protect()
        storage = request.files.get("file")
    except RequestEntityTooLarge:
        form.errors["file"] = f"The register file must be smaller than {MAX_REGISTER_TEXT}"
        return _page(form, status=413)
    if storage is None or not storage.filename:
        form.errors["file"] = "Select Ofsted's register as a CSV file"
        return _page(form)
    try:
        report = _imported(storage)
    except FileProblem as problem:
        form.errors["file"] = f"{problem.message}. Nothing was imported"
        return _page(form)
    if not report.ok:
        form.errors["file"] = f"{report.file_name}: nothing was imported. {report.refused}"
        return _page(form, report)
    if report.position is not None:
        services().projections.wait_for(report.position)
    flash(" ".join(report.summary()[:2]))
    return _page(FormResult(), report)
