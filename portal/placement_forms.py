"""Turning the placement forms into a command's terms, and records back into form values.

Views stay thin: they parse with :mod:`portal.placement_schemas`, call :func:`terms_from` to
check the choices against the directory and the authority's own contracts, and run one command.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from flask import request
from werkzeug.datastructures import MultiDict

from domain import ssda903
from domain.errors import DomainError, StaleVersion
from domain.placement import CHILD_REF, EPISODE_FIELDS
from portal.form_keys import changed_since_opened
from portal.forms import FormResult, combine_date, load
from projections import directory_queries as directory
from projections.placement_queries import placement_contracts

DATE_LABELS = {
    "start": "Start date", "end": "End date", "on": "Date",
    "started_from": "First start date", "started_to": "Last start date",
    "approved_on": "Approval date",
}
NOT_CHANGED = "Nothing has changed: change a detail, or go back"
# A domain rule names a fact; these forms show it under another field.
FIELD_OF = {"provider_id": "provider", "placement_authority_id": "placement_area",
            "child_ref": "child_id"}


def month_label(birth_month: str) -> str:
    """``2012-05`` as "May 2012"."""
    year, month = birth_month.split("-")
    return f"{date(int(year), int(month), 1):%B %Y}"


def combine_month(form: MultiDict, name: str, errors: dict[str, str]) -> str | None:
    """A month and year of birth (two inputs) as ``YYYY-MM``."""
    month = form.get(f"{name}-month", "").strip()
    year = form.get(f"{name}-year", "").strip()
    if not month and not year:
        return None
    if not (f"{month}{year}".isascii() and month.isdigit() and year.isdigit()
            and 1 <= int(month) <= 12 and len(year) == 4):
        errors[name] = "Month and year of birth must be a real month, like 5 2012"
        return None
    return f"{int(year):04d}-{int(month):02d}"


def parse(schema, form: MultiDict, dates: tuple[str, ...] = (),
          months: tuple[str, ...] = ()) -> FormResult:
    """Load a posted form; on errors keep exactly what was typed, with anchors to the first
    input of each date."""
    errors: dict[str, str] = {}
    raw = form.to_dict()
    for name in dates:
        raw[name] = combine_date(form, name, DATE_LABELS.get(name, "Date"), errors)
    for name in months:
        raw[name] = combine_month(form, name, errors)
    result = load(schema, raw, errors)
    if not result.ok:
        result.data = form.to_dict()
    result.anchors = {**{n: f"{n}-day" for n in dates}, **{n: f"{n}-month" for n in months}}
    return result


def code_items(codes: dict[str, ssda903.Code], value: str | None, blank: str,
               only: tuple[str, ...] | list[str] | None = None) -> list[dict[str, Any]]:
    """Select items: each code with its label and, when it is not valid in every year, the
    collection years it is valid for."""
    items = [{"value": "", "text": blank}]
    for code in only or codes:
        entry = codes[code]
        years = ""
        if entry.first_year > ssda903.FIRST_YEAR and entry.last_year < ssda903.NO_LAST:
            years = (f" ({ssda903.year_label(entry.first_year)} to "
                     f"{ssda903.year_label(entry.last_year)})")
        elif entry.first_year > ssda903.FIRST_YEAR:
            years = f" (from {ssda903.year_label(entry.first_year)})"
        elif entry.last_year < ssda903.NO_LAST:
            years = f" (until {ssda903.year_label(entry.last_year)})"
        items.append({"value": code, "text": f"{code}: {entry.label}{years}",
                      "selected": code == value})
    return items


def choices(viewer, c: sa.Connection, provider: str | None, *,
            current_contract: UUID | None = None) -> dict[str, Any]:
    """What the placement forms offer: providers, the chosen provider's settings, partner
    authorities and the authority's own contracts."""
    contracts = placement_contracts(viewer, c)
    if current_contract and current_contract not in {k["id"] for k in contracts}:
        contracts += placement_contracts(viewer, c, current_only=False,
                                         only_id=current_contract)
    return {
        "providers": directory.providers(viewer, c),
        "settings": settings_of(viewer, c, provider),
        "authorities": directory.authorities(viewer, c),
        "contracts": contracts,
    }


def settings_of(viewer, c: sa.Connection, provider: str | None) -> list:
    try:
        provider_id = UUID(provider or "")
    except ValueError:
        return []
    return directory.provider_settings(viewer, c, provider_id)


def terms_from(data: dict[str, Any], form: FormResult, options: dict[str, Any]
               ) -> dict[str, Any]:
    """The command's terms from a valid form; a choice that is not on offer (another
    authority's contract, another provider's setting) becomes a field error."""
    provider = data["provider"]
    provider_id = None if provider in ("in_house", "unknown") else UUID(provider)
    if provider_id and provider_id not in {p["id"] for p in options["providers"]}:
        form.errors["provider"] = "Choose the provider from the list"
    setting_id = data.get("setting_id") if provider_id else None
    setting = next((s for s in options["settings"] if s["id"] == setting_id), None)
    if setting_id and setting is None:
        form.errors["setting_id"] = "Choose one of the provider's settings"
    placement_postcode = data.get("placement_postcode")
    if setting is not None:  # where the setting is, as the domain fills it in
        placement_postcode = placement_postcode or setting["postcode_district"]
    area = data.get("placement_area")
    if area and area not in {a["id"] for a in options["authorities"]}:
        form.errors["placement_area"] = "Choose the authority from the list"
    if setting is not None:
        area = setting["host_authority_id"]
    route = data.get("contract_route")
    contract = next((k for k in options["contracts"] if k["id"] == data.get("contract_id")),
                    None)
    if data.get("contract_id") and contract is None:
        form.errors["contract_id"] = "Choose one of your authority's contracts"
    if contract is not None:
        if provider == "in_house":
            form.errors["contract_id"] = "An in-house placement is not bought under a contract"
        provider_id = provider_id or contract["provider_id"]
        route = route or contract["route"]
    if provider == "in_house":
        if route not in (None, "in_house"):
            form.errors["contract_route"] = ("The council's own provision is in-house: choose "
                                             "in-house, or choose the provider")
        route = "in_house"
    return {
        "legal_status": data["legal_status"], "cin": data.get("cin"), "place": data["place"],
        "place_provider": data.get("place_provider"), "provider_id": provider_id,
        "setting_id": setting_id, "urn": None,
        "home_postcode": data.get("home_postcode"),
        "placement_postcode": placement_postcode,
        "placement_authority_id": area, "weekly_cost": data.get("weekly_cost"),
        "contract_route": route, "contract_id": contract["id"] if contract else None,
    }


def provider_choice(episode: dict[str, Any]) -> str:
    if episode["provider_id"] is not None:
        return str(episode["provider_id"])
    return "in_house" if episode["contract_route"] == "in_house" else "unknown"


def form_values(episode: dict[str, Any], *, dates: tuple[str, ...] = ()) -> dict[str, Any]:
    """An episode as the values of the placement details fields (to change or correct it)."""
    values: dict[str, Any] = {
        name: ("" if episode[name] is None else str(episode[name]))
        for name in ("legal_status", "cin", "place", "place_provider", "setting_id",
                     "home_postcode", "placement_postcode", "weekly_cost", "contract_route",
                     "contract_id", "rne", "rec", "reason_place_change")}
    values["provider"] = provider_choice(episode)
    values["placement_area"] = str(episode["placement_authority_id"] or "")
    for name in dates:
        day = episode[name]
        if day is not None:
            values.update({f"{name}-day": day.day, f"{name}-month": day.month,
                           f"{name}-year": day.year})
    return values


def episode_changes(episode: dict[str, Any], parsed: dict[str, Any]) -> dict[str, Any]:
    """The facts a correction actually changes. A new provider or setting clears the Ofsted
    URN, which the setting then fills in again."""
    changes = {k: v for k, v in parsed.items()
               if k in EPISODE_FIELDS and k != "urn" and episode[k] != v}
    if {"provider_id", "setting_id"} & set(changes):
        changes["urn"] = None
    return changes


def change_terms(form: FormResult, options: dict[str, Any]) -> dict[str, Any]:
    """The terms of a change of placement from a valid form: the new placement's details and
    why it changed (choices not on offer become field errors, as in :func:`terms_from`)."""
    data = form.data
    return {**terms_from(data, form, options), "rne": data["rne"],
            "reason_place_change": data["reason_place_change"]}


def episode_correction(form: FormResult, episode: dict[str, Any], options: dict[str, Any]
                       ) -> dict[str, Any]:
    """The facts a valid correction form changes in ``episode``; a form that changes nothing
    is refused beside the start date."""
    data = form.data
    parsed = {**terms_from(data, form, options),
              **{k: data[k] for k in ("start", "end", "rne", "rec", "reason_place_change")}}
    changes = episode_changes(episode, parsed)
    if form.ok and not changes:
        form.errors["start"] = NOT_CHANGED
    return changes


def apply_error(form: FormResult, error, fields: set[str], default: str,
                also: dict[str, str] | None = None) -> None:
    """A domain error shown beside the field it is about (or ``default``); a refusal for
    several reasons shows every one."""
    mapping = {**FIELD_OF, **(also or {})}
    found = getattr(error, "errors", None) or {error.field: error.message}
    for field, message in found.items():
        name = mapping.get(field, field)
        form.errors.setdefault(name if name in fields else default, message)


def run_command(form: FormResult, command: Callable[[], Any], fields: set[str], default: str,
                *, what: str | None = None, also: dict[str, str] | None = None) -> Any:
    """Run ``command`` and give what it returns; or, refused, None with ``form`` ready to show
    again with what was typed: a domain error beside the field it is about (or ``default``),
    and a form opened before someone else changed the record (``what`` names it, e.g. "This
    contract") saying so, with the record's new version. A form that carries no version
    (``what`` left out) cannot be refused for one, so that refusal is not caught."""
    try:
        return command()
    except DomainError as error:
        apply_error(form, error, fields, default, also)
        form.data = request.form.to_dict()
        return None
    except StaleVersion as error:
        if what is None:
            raise
        form.data = request.form.to_dict()
        changed_since_opened(form, error, what)
        return None


def child_ref_from_form(posted: MultiDict, child_refs, la_code: str,
                        errors: dict[str, str]) -> str | None:
    """The child's pseudonymous reference, hashed from the council's own id at once; after a
    first attempt the hidden reference stands in for it, so the id is never sent back in a
    page (placements and home searches alike)."""
    raw = posted.get("child_id", "")
    if raw.strip():
        try:
            return child_refs.reference(la_code, raw)
        except DomainError as error:
            errors["child_id"] = error.message
            return None
    kept = posted.get("child_ref", "")
    if CHILD_REF.match(kept):
        return kept
    errors["child_id"] = "Enter your council's id for the child"
    return None
