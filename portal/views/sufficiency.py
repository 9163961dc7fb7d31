"""Sufficiency dashboards: one per authority, per partnership and for the region.

Every page works as a plain GET form; htmx swaps only the tables when a filter changes. Who may
see what is decided by :func:`projections.sufficiency.scope.resolve_scope`: an officer's own
authority in full, anything else as aggregates with small counts suppressed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from markupsafe import Markup

from domain import ssda903
from domain.timezone import LONDON
from portal.dashboards import present, slug, table_csv
from portal.extensions import htmx
from portal.forms import FormResult
from portal.headline import present_headline
from portal.kept_pages import PAGE_CODE, in_layout
from portal.remembered import MISSING, Remembered
from portal.security import requires, services
from projections.sufficiency.builds import kept_or_built
from projections.sufficiency.common import authorities
from projections.sufficiency.dashboard import build_dashboard, dashboard_key, filters_from
from projections.sufficiency.headline import dashboard_years, headline
from projections.sufficiency.scope import (
    AUTHORITY,
    PARTNERSHIP,
    REGION,
    named_scope,
    resolve_scope,
    scopes_for,
)
from projections.sufficiency.tables import Scope

bp = Blueprint("sufficiency", __name__, url_prefix="/sufficiency")

INDEX_GROUPS = (
    ("own", "Your council"),
    (PARTNERSHIP, "Partnerships"),
    (REGION, "The region"),
    (AUTHORITY, "Other partner councils"),
)


def dashboard_url(scope, endpoint: str = "", **args) -> str:
    """The address of a scope's dashboard (or, with ``endpoint="csv"``, of one table's CSV)."""
    suffix = "_csv" if endpoint == "csv" else ""
    if scope.kind == AUTHORITY:
        return url_for(f"sufficiency.authority{suffix}", la_code=scope.key, **args)
    if scope.kind == PARTNERSHIP:
        return url_for(f"sufficiency.partnership{suffix}", name=slug(scope.key), **args)
    return url_for(f"sufficiency.region{suffix}", **args)


def _detail(scope) -> str:
    if scope.disclose:
        return "Every figure for your council's own children."
    count = len(scope.authority_ids)
    councils = "1 council" if count == 1 else f"{count} councils"
    return (f"{councils}, at month ends; counts below 5 hidden and shown as “c”, others "
            "rounded to the nearest 5.")


@bp.get("/")
@requires("sufficiency.view_regional")
def index():
    with services().engine.connect() as c:
        scopes = scopes_for(g.principal, c)
    groups = []
    for kind, heading in INDEX_GROUPS:
        chosen = [s for s in scopes if (s.disclose if kind == "own" else
                                        s.kind == kind and not s.disclose)]
        if chosen:
            groups.append({"heading": heading, "dashboards": [
                {"name": s.name if s.kind != PARTNERSHIP else f"{s.name} partnership",
                 "href": dashboard_url(s), "detail": _detail(s)} for s in chosen]})
    return render_template("sufficiency/index.html", groups=groups)


def _partnership_key(name: str) -> str:
    """The partnership whose name reads as ``name`` in an address, in any case (404 when none
    does)."""
    with services().engine.connect() as c:
        for scope in scopes_for(g.principal, c):
            if scope.kind == PARTNERSHIP and slug(scope.key) == slug(name):
                return scope.key
    abort(404)


def _canonical(name: str, **view_args) -> Response | None:
    """A partnership's address typed in another case ("/partnerships/Peninsula") moves for
    good to its own lower-case one, with the same query."""
    key = _partnership_key(name)
    if name == slug(key):
        return None
    return redirect(url_for(request.endpoint, name=slug(key), **view_args,
                            **request.args.to_dict(flat=False)), code=301)


DATE_FIELDS = ("on", "from", "to")
# The query arguments a dashboard reads, carried into its CSV links (and nothing else).
FILTER_ARGS = frozenset({"area", "type", *DATE_FIELDS,
                         *(f"{n}-{p}" for n in DATE_FIELDS for p in ("day", "month", "year"))})
# The long table whose chart and full table a page shows opened (portal/dashboards.py
# ON_DEMAND_CELLS): its key; for htmx, that section's content alone.
OPENED = "table"
KEPT_ARGS = FILTER_ARGS | {OPENED}


def _today() -> date:
    return datetime.now(LONDON).date()


def _form(choice) -> FormResult:
    """What each filter field shows: the dates used (as day, month and year), or what was
    typed where it was wrong, so the error sits beside the value that caused it."""
    data = dict(choice.values)
    for name in DATE_FIELDS:
        if name in choice.errors:
            parts = {p: request.args.get(f"{name}-{p}", "") for p in ("day", "month", "year")}
            if not any(parts.values()) and request.args.get(name):
                parts["day"] = request.args.get(name, "")
        elif name == "on" or any(request.args.get(f"{name}-{p}") or request.args.get(name)
                                 for p in ("day", "month", "year")):
            day, month, year = (data.get(name) or "//").split("/")
            parts = {"day": day, "month": month, "year": year}
        else:  # a period not given follows the date counted on: leave it blank
            parts = {"day": "", "month": "", "year": ""}
        data.update({f"{name}-{p}": v for p, v in parts.items()})
    for name in ("area", "type"):
        if name in choice.errors:
            data[name] = request.args.get(name, "")
    return FormResult(data=data, errors=dict(choice.errors))


SCOPES = 2000  # scopes each web process remembers (an authority's or a partnership's name)
_scopes = Remembered(SCOPES)


def _named(c, kind: str, key: str | None) -> Scope:
    """The scope an address names, remembered by where the directory stood for this request
    (``g.directory_at``, read with the principal), so a renamed authority or a partnership's
    new member is read on the next request; read each time when it was not read (a stopped
    projection) and never remembered when there is no such scope."""
    at = g.get("directory_at")
    if at is None:
        return named_scope(c, kind, key)
    found = _scopes.recalled((at, kind, key))
    if found is MISSING:
        found = named_scope(c, kind, key)
        _scopes.remember((at, kind, key), found)
    return found


def _dashboard(kind: str, key: str | None):
    """The scope, its filters (with any errors) and its tables as the viewer may see them."""
    with services().engine.connect() as c:
        scope = resolve_scope(g.principal, c, kind, key, named=_named)
        choice = filters_from(request.args, _today(), scope)
        return scope, choice.filters, build_dashboard(g.principal, c, scope, choice.filters)


def _sections(c, scope, filters, context: dict) -> str:
    """The headline and every table's section, rendered (kept until the read models move on:
    the page's costly part)."""
    tables = build_dashboard(g.principal, c, scope, filters)
    dated = dashboard_years(g.principal, c, scope, filters, tables)
    return render_template("sufficiency/_sections.html", tables=[present(t) for t in tables],
                           headline=present_headline(headline(dated)), **context)


def _page(kind: str, key: str | None):
    """The page: the layout (the viewer's name, navigation and CSRF token, rendered for each
    request) around its main content (heading, filters, headline and tables), which depends
    only on the scope, the reader's authority, the filters and the query, so it is kept
    rendered and encoded with the builds until the read models move on. An htmx refresh of
    the tables gets their fragment alone, kept the same way."""
    with services().engine.connect() as c:
        scope = resolve_scope(g.principal, c, kind, key, named=_named)
        choice = filters_from(request.args, _today(), scope)
        shown = dashboard_key(g.principal, scope, choice.filters)
        form = _form(choice)
        query = tuple(sorted(request.args.items(multi=True)))
        part = _part()
        rendered = _kept_content(c, scope, choice, shown, form, query, part)
    if part != "body":
        return Response(rendered, mimetype="text/html")
    return in_layout("sufficiency/dashboard.html", rendered, scope=scope, form=form)


def _part() -> str:
    """What the request asks for: the page's main content ("body"), or for htmx the tables'
    fragment ("tables") or one long table's chart and full table ("full")."""
    if htmx and htmx.target == "dashboard-tables":
        return "tables"
    if htmx and request.args.get(OPENED) and (htmx.target or "").endswith("-full"):
        return "full"
    return "body"


def _kept_content(c, scope, choice, shown: tuple, form: FormResult, query: tuple,
                  part: str) -> bytes:
    """The page's main content (or, for htmx, a fragment of it), rendered and encoded: kept
    when every query argument is one of the dashboard's own and the table it opens is one of
    the dashboard's (anything else is rendered for this request alone, so made-up addresses
    cannot crowd the kept pages out)."""
    asked = request.args.get(OPENED)
    opened = asked if asked is None or asked in {
        t.key for t in build_dashboard(g.principal, c, scope, choice.filters)} else None

    def render() -> bytes:
        return _content(c, scope, choice.filters, form, query, part, opened)

    if any(name not in KEPT_ARGS for name, _ in query) or opened != asked:
        return render()
    return kept_or_built(c, (part, PAGE_CODE, scope, shown, query), render)


def _content(c, scope, filters, form: FormResult, query: tuple, part: str,
             opened: str | None) -> bytes:
    """The main content (or a fragment) rendered from the kept sections: nothing in it is the
    viewer's own beyond their authority's view, which its key holds."""
    if part == "full":
        return _full_table(c, scope, filters, request.args.get(OPENED, ""))
    areas = authorities(c, scope, replace(filters, area=None)) \
        if len(scope.authority_ids) > 1 else []
    args = {k: v for k, v in request.args.items() if k in FILTER_ARGS}
    context = dict(
        scope=scope, filters=filters, form=form, areas=areas, groups=ssda903.GROUPS,
        action=dashboard_url(scope), filtered=any(n != OPENED for n, _ in query), opened=opened,
        area_name=next((a.name for a in areas if a.id == filters.area), None),
        group_name=ssda903.GROUPS.get(filters.place_group) if filters.place_group else None,
        csv_url=lambda key: dashboard_url(scope, "csv", key=key, **args),
        full_url=lambda key: dashboard_url(scope, **{OPENED: key}, **args))
    sections = kept_or_built(
        c, ("page", PAGE_CODE, scope, dashboard_key(g.principal, scope, filters),
            tuple(sorted(args.items())), opened),
        lambda: _sections(c, scope, filters, context))
    # Our own template's output, escaped as it was rendered (only this view stores it).
    context["sections"] = Markup(sections)  # noqa: S704
    if part == "tables":
        return render_template("sufficiency/_tables.html", partial=True, **context).encode()
    return render_template("sufficiency/_body.html", **context).encode()


def _full_table(c, scope, filters, key: str) -> bytes:
    """One table's chart and full table, as its section shows them opened (404 for a table
    the dashboard has not)."""
    tables = build_dashboard(g.principal, c, scope, filters)
    table = next((t for t in tables if t.key == key), None)
    if table is None:
        abort(404)
    return render_template("sufficiency/_full_table.html", t=present(table)).encode()


def _csv(kind: str, key: str | None, table_key: str):
    scope, filters, tables = _dashboard(kind, key)
    table = next((t for t in tables if t.key == table_key), None)
    if table is None:
        abort(404)
    name = f"{slug(scope.name)}-{table.key}-{filters.on.isoformat()}.csv"
    # A byte-order mark, so spreadsheet programs read the £ sign as UTF-8.
    return Response("\ufeff" + table_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@bp.get("/authorities/<la_code>")
@requires("sufficiency.view_regional")
def authority(la_code: str):
    return _page(AUTHORITY, la_code)


@bp.get("/partnerships/<name>")
@requires("sufficiency.view_regional")
def partnership(name: str):
    return _canonical(name) or _page(PARTNERSHIP, _partnership_key(name))


@bp.get("/region")
@requires("sufficiency.view_regional")
def region():
    return _page(REGION, None)


@bp.get("/authorities/<la_code>/tables/<key>.csv")
@requires("sufficiency.view_regional")
def authority_csv(la_code: str, key: str):
    return _csv(AUTHORITY, la_code, key)


@bp.get("/partnerships/<name>/tables/<key>.csv")
@requires("sufficiency.view_regional")
def partnership_csv(name: str, key: str):
    return _canonical(name, key=key) or _csv(PARTNERSHIP, _partnership_key(name), key)


@bp.get("/region/tables/<key>.csv")
@requires("sufficiency.view_regional")
def region_csv(key: str):
    return _csv(REGION, None, key)
