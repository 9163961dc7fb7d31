"""Formatting for templates, so templates stay free of logic."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g
from flask_wtf.csrf import generate_csrf

from domain.in_house import IN_HOUSE, IN_HOUSE_LABEL
from domain.ofsted import JUDGEMENTS, REGISTRATION_STATUSES
from domain.permissions import can
from domain.vacancy import STATUS_LABELS
from domain.vocabulary import NEEDS, PROVIDER_KINDS, ROLES, SETTING_TYPES
from domain.words import counted
from portal.remembered import MISSING, Remembered


def money(value: int | None) -> str:
    return "" if value is None else f"£{value:,}"


def long_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def date_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y} at {value:%H:%M}"


def needs_list(needs: str | list[str]) -> list[str]:
    codes = [n for n in needs.split("|") if n] if isinstance(needs, str) else needs
    return [NEEDS.get(code, code) for code in codes]


def ages(age_from: int, age_to: int) -> str:
    return f"{age_from} to {age_to}"


def navigation(principal, active: str) -> list[dict]:
    """Service navigation items by role (notices with the number unread, counted afresh)."""
    return [{"text": _label(text, endpoint, principal), "href": href, "active": shown}
            for text, endpoint, href, shown in _navigation_items(principal, active)]


NAVIGATIONS = 1000  # navigations each application remembers (a few hundred bytes each)


def _navigation_items(principal, active: str) -> tuple[tuple[str, str, str, bool], ...]:
    """The items a principal may see, each with its endpoint, address and whether it is the
    active one: remembered by the application, since they follow from the principal, the
    active blueprint and where the application is mounted alone (its roles decide which
    items; the address of each comes from the URL map)."""
    from flask import current_app, request

    remembered = current_app.extensions.get("navigation")
    if remembered is None:
        remembered = current_app.extensions.setdefault("navigation", Remembered(NAVIGATIONS))
    key = (principal, active, request.script_root)
    found = remembered.recalled(key)
    if found is MISSING:
        found = tuple(_items(principal, active))
        remembered.remember(key, found)
    return found


def _items(principal, active: str):
    from flask import url_for

    items = [("Home", "home.index", None)]
    if principal is None:
        items.append(("Sign in", "session.sign_in", None))
    else:
        items += [
            ("Vacancy board", "vacancies.search", "vacancies.search"),
            ("Our vacancies", "manage.index", "vacancies.view_own"),
            ("Referrals", "referrals.index", "referrals.answer"),
            ("Tender opportunities", "tender_pipelines.opportunities", "tenders.respond"),
            ("Placements", "placements.children", "placements.view"),
            ("Out of area", "out_of_area.index", "placements.view"),
            ("Home searches", "home_searches.index", "home_searches.view"),
            ("Contracts", "contracts.index", "contracts.manage"),
            ("Tenders", "tenders.index", "tenders.lead"),
            ("Sufficiency", "sufficiency.index", "sufficiency.view_regional"),
            ("Directory", "directory.index", "directory.view"),
            ("Administration", "admin.index", "organisations.manage"),
            ("Users", "users.index", "accounts.manage"),
            ("API clients", "api_clients.index", "api_clients.manage"),
            ("Audit", "audit.events", "audit.read"),
            ("Notices", "notices.index", "notices.read"),
        ]
    for text, endpoint, action in items:
        if action is None or can(principal, action):
            yield text, endpoint, url_for(endpoint), endpoint.split(".")[0] == active


def _label(text: str, endpoint: str, principal) -> str:
    """A navigation item's text; notices carry the number unread."""
    if endpoint == "notices.index":
        from portal.views.notices import navigation_label

        return navigation_label(principal)
    return text


def page_numbers(page) -> list[int | None]:
    """The first, the last and two either side of the current page; None for a gap. The
    history runs to many thousands of pages, so this never walks them all."""
    shown = sorted({1, page.count, *range(max(1, page.number - 2),
                                          min(page.count, page.number + 2) + 1)})
    numbers: list[int | None] = []
    for n in shown:
        if numbers and n - numbers[-1] > 1:
            numbers.append(n - 1 if n - numbers[-1] == 2 else None)
        numbers.append(n)
    return numbers


def url_with(**changes) -> str:
    """The current page's address with some query parameters changed (paging, sorting)."""
    from flask import request, url_for

    args = request.args.copy()
    for key, value in changes.items():
        args.setlist(key, [str(value)])
    return url_for(request.endpoint, **(request.view_args or {}), **args.to_dict(flat=False))


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(money=money, long_date=long_date, date_time=date_time,
                                 needs_list=needs_list, counted=counted)

    @app.context_processor
    def globals_():
        return {
            "principal": g.get("principal"),
            "service_name": app.config["SERVICE_NAME"],
            "navigation": navigation,
            "can": can,
            "csrf_token": generate_csrf,
            "SETTING_TYPES": SETTING_TYPES,
            "NEEDS": NEEDS,
            "ROLES": ROLES,
            "PROVIDER_KINDS": PROVIDER_KINDS,
            # For showing a provider's kind: an authority's own (in-house) provider too.
            "PROVIDER_KIND_LABELS": {**PROVIDER_KINDS, IN_HOUSE: IN_HOUSE_LABEL},
            "JUDGEMENTS": JUDGEMENTS,
            "REGISTRATION_STATUSES": REGISTRATION_STATUSES,
            "STATUS_LABELS": STATUS_LABELS,
            "ages": ages,
            "url_with": url_with,
            "page_numbers": page_numbers,
        }
