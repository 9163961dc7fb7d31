"""The auditor's pages: the whole event history, filtered and paged, and one record's history
field by field. Read-only, and only for the auditor role."""

from __future__ import annotations

from datetime import date, datetime
from itertools import groupby
from uuid import UUID

from flask import Blueprint, g, render_template, request
from marshmallow import ValidationError, fields, validate, validates_schema

from portal.extensions import htmx
from portal.forms import FormResult, load
from portal.presenters import long_date, money
from portal.schemas import FormSchema
from portal.security import requires, services
from projections.audit.index import (
    EVENT_TYPES,
    MONEY_FIELDS,
    RECORD_TYPES,
    VALUE_LABELS,
    field_label,
)
from projections.audit.queries import (
    ORGANISATION_KINDS,
    SYSTEM,
    AuditSearch,
    UnknownActor,
    audit_events_page,
    find_actor,
    in_london,
    organisations_to_filter,
    record_history,
)

bp = Blueprint("audit", __name__, url_prefix="/audit")

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class UKDate(fields.Date):
    """A date input's ISO value, or a date typed as 23/11/2026 where the browser shows a plain
    text box instead of a date picker."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and "/" in value:
            try:
                return datetime.strptime(value.strip(), "%d/%m/%Y").date()
            except ValueError:
                raise self.make_error("invalid") from None
        return super()._deserialize(value, attr, data, **kwargs)


def _day(label: str) -> fields.Date:
    return UKDate(
        load_default=None, allow_none=True, data_key=label.split()[0].lower(),
        validate=validate.Range(min=EARLIEST, max=LATEST, error=(
            f"{label} must be between {long_date(EARLIEST)} and {long_date(LATEST)}")),
        error_messages={"invalid": f"{label} must be a real date, like 23/11/2026"})


class AuditSearchSchema(FormSchema):
    """The event history's filters, from the query string. Every field may be left out."""

    organisation = fields.UUID(load_default=None, allow_none=True, error_messages={
        "invalid": "Choose an organisation from the list",
        "invalid_uuid": "Choose an organisation from the list"})
    actor = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=320, error="Who did it must be 320 characters or fewer"))
    record_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        RECORD_TYPES, error="Choose a kind of record from the list"))
    event_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        EVENT_TYPES, error="Choose a kind of event from the list"))
    recorded_from = _day("From date")
    recorded_to = _day("To date")
    page = fields.Integer(load_default=1, allow_none=True,
                          validate=validate.Range(min=1, max=10_000_000,
                                                  error="Page must be a whole number from 1"),
                          error_messages={"invalid": "Page must be a whole number"})

    @validates_schema(skip_on_field_errors=False)
    def _dates_in_order(self, data: dict, **_kwargs) -> None:
        start, end = data.get("recorded_from"), data.get("recorded_to")
        if start and end and start > end:
            raise ValidationError("To date must be the same as or after the from date",
                                  field_name="to")


def load_filters(schema: FormSchema, raw: dict, choices: list) -> tuple[FormResult, UUID | None]:
    """The history's filters as asked, with their errors, and the organisation to search
    for: the filters that were valid are searched with, and an organisation not among
    ``choices`` is an error rather than a filter. Shared by the event history and the access
    history, which ask the same questions."""
    form = load(schema, raw)
    if not form.ok:
        # Show what was asked, with errors; search with the filters that were valid.
        retry = load(schema, {k: v for k, v in raw.items() if k not in form.errors})
        form = FormResult(data=retry.data, errors=form.errors)
    organisation = form.data.get("organisation")
    if organisation and organisation not in {o["id"] for o in choices}:
        form.errors["organisation"] = "Choose an organisation from the list"
        organisation = None
    return form, organisation


def shown_as_asked(raw: dict, data: dict) -> dict:
    """What the filter form shows again: what was asked, its dates as the date inputs expect
    them, however they were typed."""
    return {**raw, **{key: data[name].isoformat() for key, name in
                      (("from", "recorded_from"), ("to", "recorded_to")) if data.get(name)}}


def _search_from(args, connection, choices: list) -> tuple[AuditSearch, FormResult]:
    raw = args.to_dict()
    form, organisation = load_filters(AuditSearchSchema(), raw, choices)
    data = form.data
    actor = None
    if data.get("actor"):
        try:
            actor = find_actor(g.principal, connection, data["actor"])
        except UnknownActor as error:
            form.errors["actor"] = str(error)
    search = AuditSearch(
        organisation_id=organisation, by_system=actor == SYSTEM,
        actor_user_id=actor if isinstance(actor, UUID) else None,
        record_type=data.get("record_type"), event_type=data.get("event_type"),
        recorded_from=data.get("recorded_from"), recorded_to=data.get("recorded_to"),
        page=data.get("page") or 1)
    form.data = shown_as_asked(raw, data)
    form.anchors = {"page": "results-heading"}
    return search, form


@bp.context_processor
def _api_clients() -> dict:
    return {"client_label": client_label}


def client_label(actor_user_id: UUID | None) -> str | None:
    """"API client <name>" when the actor is an organisation's API client (its events carry
    the client's id as the user's), else None."""
    if actor_user_id is None:
        return None
    cache = g.setdefault("api_client_labels", {})
    if actor_user_id not in cache:
        name = services().portal.api_clients.name_of(actor_user_id)
        cache[actor_user_id] = f"API client {name}" if name else None
    return cache[actor_user_id]


@bp.get("/")
@requires("audit.read")
def events():
    with services().engine.connect() as c:
        choices = organisations_to_filter(g.principal, c)
        query, form = _search_from(request.args, c, choices)
        page = audit_events_page(g.principal, c, query)
    context = dict(page=page, form=form, organisations=choices, kinds=ORGANISATION_KINDS,
                   record_types=RECORD_TYPES, event_types=EVENT_TYPES)
    if htmx and htmx.target == "results":
        return render_template("audit/_events.html", partial=True, **context)
    return render_template("audit/events.html", **context)


@bp.get("/records/<uuid:record_id>")
@requires("audit.read")
def record(record_id: UUID):
    svc = services()
    with svc.engine.connect() as c:
        history = record_history(g.principal, svc.portal, c, record_id)
    days = [(day, list(steps))
            for day, steps in groupby(history.steps, key=lambda s: s.recorded_at.date())]
    return render_template("audit/record.html", history=history, days=days,
                           show=lambda change, value: show_value(change.field, value,
                                                                 history.names))


# --- presenting ----------------------------------------------------------------------------------

def show_value(field: str, value, names: dict) -> str:
    """One field's value as a person reads it: money, dates, names rather than ids."""
    if value is None:
        return "not set"
    if value == "" or value == []:
        return "none"
    if field in MONEY_FIELDS and isinstance(value, int):
        return money(value)
    labels = VALUE_LABELS.get(field, {})
    if isinstance(value, dict):
        # Nested details (a placement's terms, an authority's targets, a tender's lots), each
        # shown the same way, by its readable name.
        return "; ".join(f"{field_label(key)}: {show_value(key, item, names)}"
                         for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(show_value(field, v, names) if isinstance(v, dict | list | tuple)
                         else labels.get(v, str(v)) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, UUID):
        return names.get(value, str(value))
    if isinstance(value, datetime):
        return london_time(value)
    if isinstance(value, date):
        return long_date(value)
    if isinstance(value, int):
        return f"{value:,}"
    return labels.get(value, str(value))


@bp.app_template_filter("london_time")
def london_time(moment: datetime) -> str:
    """``23 November 2026 at 13:51`` in UK time."""
    local = in_london(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


@bp.app_template_filter("london_iso")
def london_iso(moment: datetime) -> str:
    return in_london(moment).isoformat(timespec="seconds")
