"""A provider's named contact for its vacancies: the person councils call or e-mail about a
place. Set by the provider's own users; shown to councils on each of its vacancies."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from domain.errors import DomainError, StaleVersion
from domain.organisation import ContactRefused
from portal.board_schemas import ContactSchema
from portal.form_keys import changed_since_opened, opened_version
from portal.forms import FormResult, load
from portal.security import requires, services
from projections.provider_contacts import provider_contact

bp = Blueprint("provider_contact", __name__, url_prefix="/our-contact")


def _current() -> dict:
    with services().engine.connect() as c:
        contact = provider_contact(c, g.principal.organisation_id)
    if contact is None:
        return {}
    return {"contact_name": contact["name"], "contact_phone": contact["phone"],
            "contact_email": contact["email"]}


def _save(form: FormResult, data: dict):
    try:
        position = services().portal.set_provider_contact(
            g.principal.actor, g.principal.organisation_id, name=data["contact_name"] or "",
            phone=data["contact_phone"] or "", email=data["contact_email"] or "",
            reason=data.get("reason"), expected_version=opened_version())
    except ContactRefused as refused:
        form.errors.update(refused.errors)
        return None
    except DomainError as error:
        form.errors[error.field or "contact_name"] = error.message
        return None
    except StaleVersion as error:
        changed_since_opened(form, error, "Your organisation's record")
        return None
    services().projections.wait_for(position)
    flash("Contact saved: councils see it on each of your vacancies")
    return redirect(url_for("provider_contact.edit"))


@bp.route("/", methods=["GET", "POST"])
@requires("providers.contact")
def edit():
    version = services().portal.version_of(g.principal.organisation_id)
    current = _current()
    form = FormResult(data=dict(current))
    if request.method == "POST":
        form = load(ContactSchema(), request.form.to_dict())
        parsed, form.data = form.data, request.form.to_dict()  # shown again as typed
        done = _save(form, parsed) if form.ok else None
        if done:
            return done
    return render_template("provider_contact/edit.html", form=form, current=current,
                           version=version)
