"""What the tender pages share: running one command and waiting for its position, showing a
domain refusal beside the field it is about, and formatting deadlines in UK time.

Both sides use these: the lead and partner councils' pages (``tenders``, ``tender_evaluation``)
and the providers' (``opportunities``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect
from werkzeug.datastructures import MultiDict

from domain.errors import DomainError, NotFound, PermissionDenied, StaleVersion
from domain.permissions import Forbidden
from domain.tender_terms import DEADLINES, MAX_SCORE, QUESTION_KINDS, ROUTES, STAGES, TIMETABLE
from portal.form_keys import changed_since_opened
from portal.forms import FormResult
from portal.security import services
from portal.tender_forms import DATES, form_field
from portal.tender_schemas import LONDON


def uk_time(value: datetime | None) -> str:
    """A deadline as councils and providers read it, in GOV.UK style and UK time: "5:00pm on
    1 December 2026", "midday on 15 December 2026"."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    if (local.hour, local.minute) in ((12, 0), (0, 0)):
        clock = "midday" if local.hour == 12 else "midnight"
    else:
        clock = f"{local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"
    return f"{clock} on {local.day} {local:%B %Y}"


def register_vocabulary(bp: Blueprint) -> None:
    @bp.app_template_filter("uk_time")
    def _uk_time(value):
        return uk_time(value)

    @bp.context_processor
    def _vocabulary() -> dict:
        return {"TENDER_ROUTES": ROUTES, "TENDER_STAGES": STAGES, "TIMETABLE": TIMETABLE,
                "DEADLINES": DEADLINES, "QUESTION_KINDS": QUESTION_KINDS,
                "values_of": values_of, "MAX_SCORE": MAX_SCORE}


def values_of(data: Any, name: str) -> list[str]:
    """Every value a form holds for ``name`` (checkboxes), from posted or stored values."""
    if hasattr(data, "getlist"):
        return [str(v) for v in data.getlist(name)]
    value = data.get(name)
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def show_error(form: FormResult, error: DomainError, fields: set[str], default: str) -> None:
    """A domain refusal beside the field it is about, else beside ``default``; terms refused
    for several reasons show every one (:class:`~domain.errors.Refused`). A second problem
    for a field already showing one is listed in the summary, linking to that field."""
    found = getattr(error, "errors", None) or {error.field or "": error.message}
    for field, message in found.items():
        name = form_field(field, fields, default)
        if name in form.errors and form.errors[name] != message:
            form.anchors.setdefault(field, form.anchors.get(name, name))
            name = field
        form.errors.setdefault(name, message)
        if name in DATES:
            form.anchors.setdefault(name, f"{name}-day")


def run(form: FormResult, command: Callable[[], Any], *, fields: set[str], default: str,
        message: str, then: Callable[[Any], str]):
    """Run one command; on success wait until the projections have its position, flash
    ``message`` and redirect to ``then(result)``. On refusal record the error on ``form`` and
    return None (the caller renders the form again, with nothing stored)."""
    try:
        result = command()
    except (NotFound, PermissionDenied, Forbidden):
        raise  # the same 404 as a missing record, or 403: the error pages say so
    except DomainError as error:
        show_error(form, error, fields, default)
        return None
    except StaleVersion as error:  # a form opened before someone else's change
        changed_since_opened(form, error, "This tender")
        return None
    position = result[1] if isinstance(result, tuple) else result
    services().projections.wait_for(position)
    flash(message)
    return redirect(then(result))


def kept(form: FormResult, posted: MultiDict) -> FormResult:
    """After a refusal the form shows exactly what was typed (with the tender's new version
    when it changed since the form was opened)."""
    if "version" in form.errors:
        posted = posted.copy()
        posted["version"] = form.data["version"]
    form.data = posted
    return form
