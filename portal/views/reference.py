"""Platform administrators extend the postcode districts behind placement location and
distance, by uploading a CSV."""

from __future__ import annotations

from flask import Blueprint, flash, g, render_template, request

from domain.district_file import DistrictFile, read_district_file
from domain.errors import DomainError
from portal.forms import FormResult
from portal.schemas import district_upload
from portal.security import requires, services
from projections.gazetteer import authority_names, reference_summary

bp = Blueprint("reference", __name__, url_prefix="/admin/postcode-districts")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _added(report: DistrictFile, file_name: str) -> str:
    """What an upload added, and how many lines it refused."""
    refused = f"; {_count(len(report.rejected), 'line')} not added" if report.rejected else ""
    return f"{_count(len(report.rows), 'postcode district')} added from {file_name}{refused}"


def _page(form: FormResult, report: DistrictFile | None = None, status: int = 200):
    with services().engine.connect() as c:
        summary = reference_summary(g.principal, c)
    return render_template("reference/districts.html", form=form, report=report,
                           summary=summary, names=authority_names()), status


@bp.get("/")
@requires("reference.manage")
def index():
    return _page(FormResult())


@bp.post("/")
@requires("reference.manage")
def upload():
    form, posted = district_upload(request.form, request.files)
    if not form.ok:
        return _page(form)
    report = read_district_file(posted["file"].read())
    if not report.usable:
        form.errors["file"] = f"{posted['file_name']}: {report.problem}. Nothing was added"
        return _page(form, report)
    try:
        _, position = services().portal.add_districts(
            g.principal.actor, rows=report.rows, file_name=posted["file_name"],
            file_sha256=report.sha256, reason=posted["reason"])
    except DomainError as error:
        form.errors["file"] = error.message
        return _page(form, report)
    services().projections.wait_for(position)
    flash(_added(report, posted["file_name"]))
    return _page(FormResult(), report)
