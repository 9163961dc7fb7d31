"""The auditor's view of every change of access across the region: accounts created, invited
and activated, roles granted and taken away, suspensions, second factors, identity links,
password resets and identity providers; sign-ins and refused sign-ins on request.

A filtered page of the audit index (the same rows as the full event history), so it needs no
projection of its own. Adds its route to the audit blueprint.
"""

from __future__ import annotations

from flask import g, render_template, request
from marshmallow import fields, validate

from portal.extensions import htmx
from portal.forms import FormResult
from portal.security import requires, services
from portal.views.audit import AuditSearchSchema, bp, load_filters, shown_as_asked
from projections.audit.access import access_kinds
from projections.audit.index import EVENT_TYPES, RECORD_TYPES
from projections.audit.queries import (
    ORGANISATION_KINDS,
    AuditSearch,
    audit_events_page,
    organisations_to_filter,
)


class AccessSearchSchema(AuditSearchSchema):
    """The event history's filters that make sense here, and whether to show sign-ins."""

    sign_ins = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ["yes"], error="Choose whether to include sign-ins"))


def _schema() -> AccessSearchSchema:
    return AccessSearchSchema(exclude=("actor", "record_type", "event_type"))


def _search_from(args, choices: list) -> tuple[AuditSearch, FormResult]:
    raw = args.to_dict()
    form, organisation = load_filters(_schema(), raw, choices)
    data = form.data
    search = AuditSearch(
        organisation_id=organisation, recorded_from=data.get("recorded_from"),
        recorded_to=data.get("recorded_to"), page=data.get("page") or 1,
        kinds=access_kinds(data.get("sign_ins") == "yes"))
    form.data = shown_as_asked(raw, data)
    form.anchors = {"page": "results-heading", "sign_ins": "sign_ins"}
    return search, form


@bp.get("/access/")
@requires("audit.read")
def access():
    with services().engine.connect() as c:
        choices = organisations_to_filter(g.principal, c)
        search, form = _search_from(request.args, choices)
        page = audit_events_page(g.principal, c, search)
    context = dict(page=page, form=form, organisations=choices, kinds=ORGANISATION_KINDS,
                   record_types=RECORD_TYPES, event_types=EVENT_TYPES)
    if htmx and htmx.target == "results":
        return render_template("audit/_events.html", partial=True, **context)
    return render_template("audit/access.html", **context)
