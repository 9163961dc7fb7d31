"""An authority's own sufficiency targets (e.g. Dorset: 60 children in care per 10,000 and 30%
placed out of area, from its Sufficiency Strategy), which the dashboards measure progress
against. Only the authority's own officers set them."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from domain.errors import DomainError, StaleVersion
from domain.organisation import TARGETS
from portal.form_keys import changed_since_opened, opened_version
from portal.forms import FormResult, load
from portal.placement_schemas import TargetsSchema
from portal.security import requires, services
from projections.placement_queries import targets_for

bp = Blueprint("targets", __name__, url_prefix="/targets")


def _shown(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _save(form: FormResult, targets: dict[str, float | None], reason: str | None):
    """Set the authority's targets; on success wait for the projections and come back to the
    page. A refusal is shown beside the target it is about (else beside the reason)."""
    try:
        position = services().portal.set_targets(
            g.principal.actor, g.principal.organisation_id, targets=targets, reason=reason,
            expected_version=opened_version())
    except DomainError as error:
        form.errors[error.field if error.field in TARGETS else "reason"] = error.message
        return None
    except StaleVersion as error:
        changed_since_opened(form, error, "Your authority's record")
        return None
    services().projections.wait_for(position)
    flash("Targets saved")
    return redirect(url_for("targets.edit"))


@bp.route("/", methods=["GET", "POST"])
@requires("targets.manage")
def edit():
    version = services().portal.version_of(g.principal.organisation_id)
    with services().engine.connect() as c:
        current = targets_for(g.principal, c)
    form = FormResult(data={name: _shown(current.get(name)) for name in TARGETS})
    if request.method == "POST":
        form = load(TargetsSchema(), request.form.to_dict())
        parsed, form.data = form.data, request.form.to_dict()  # shown again as typed
        if form.ok:
            targets = {name: parsed.get(name) for name in TARGETS}
            if {k: v for k, v in targets.items() if v is not None} == current:
                flash("Targets unchanged")
                return redirect(url_for("targets.edit"))
            done = _save(form, targets, parsed.get("reason"))
            if done:
                return done
    return render_template("targets/edit.html", form=form, targets=TARGETS, current=current,
                           version=version)
