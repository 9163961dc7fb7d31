"""Which stopped projections a page read, so that the page can say "this view is behind".

A projection that cannot apply an event stops where it is and the rest of the portal carries
on (projections/failures.py). A page that reads one of its tables shows a notification banner;
every other page shows nothing.

Views do not declare what they read. While some projection is stopped, each statement a request
runs on the read-model engine is looked at, and the tables it reads are mapped to the
projection that owns them (``Projection.tables``). So the banner follows what the page read,
through any query function, and cannot go stale when a view changes. While nothing is stopped
(almost always) this costs one small read per request and nothing per statement.

Stopped projections are read before the request catches up the projections, so on the one
request during which a projection stops, its pages do not yet say so; the next request does.

A projection whose live tables another version of the code built (projections/versions.py) is
worse than behind: its rows may have another shape or meaning than this code expects. Until
it is rebuilt, a statement of a request that reads one of its tables is refused
(:class:`BeingRebuilt`), and the page answers 503 saying that view is being rebuilt; pages
that read only other projections are served as usual. The runner's own statements (a catch-up
inside the request) are not refused: it leaves those projections alone anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.sql.util import find_tables

from projections.failures import Failure
from projections.runner import feeding

log = logging.getLogger(__name__)

# What each projection's read models are, in users' words ("this view is behind: <title>").
TITLES = {
    "directory": "the directory of organisations, settings and accounts",
    "vacancy_board": "the vacancy board",
    "provider_vacancies": "providers' own vacancies",
    "placements": "placements, contracts, targets and imports",
    "verifiable_log": "the verifiable audit log",
    "audit_index": "the audit history",
    "gazetteer": "postcode districts",
    "tenders": "tenders, their responses and bids",
    "identity_providers": "identity providers",
    "tender_documents": "tender documents",
    "notices": "tender notices",
}


def title(name: str) -> str:
    return TITLES.get(name, name.replace("_", " "))


class BeingRebuilt(Exception):
    """A request read a table of a projection whose tables another version built."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names

    @property
    def says(self) -> str:
        views = " and ".join(title(name) for name in self.names)
        return (f"This page shows {views}, which the portal is rebuilding after an update. "
                "It will be back once the rebuild has finished: try again in a few minutes. "
                "The rest of the portal carries on as usual.")


@dataclass(frozen=True)
class Behind:
    """One stopped projection a page read, for the banner."""

    name: str
    title: str
    failure: Failure


def init_app(app: Flask) -> None:
    """Register before ``load_principal``, so the statements it runs are seen too."""
    svc = app.extensions["portal"]
    app.extensions["projection_tables"] = {
        table.name: projection.name
        for projection in svc.projections.projections.values() for table in projection.tables}
    if not sa.event.contains(svc.engine, "before_execute", _note_tables):
        sa.event.listen(svc.engine, "before_execute", _note_tables)
    app.before_request(_load_stopped)
    app.context_processor(lambda: {"views_behind": views_behind, "projection_title": title})


def _load_stopped() -> None:
    if request.endpoint in ("static", "health.healthz"):  # health reads them itself
        return
    g.tables_read = set()
    runner = current_app.extensions["portal"].projections
    try:
        g.stopped_projections, g.rebuilding_projections = runner.unavailable()
    except sa.exc.SQLAlchemyError:
        # The database is unreachable: the request fails where it needs the database, with
        # the usual error page; the banner is not what should fail it.
        log.warning("could not read which projections are stopped", exc_info=True)
        g.stopped_projections = {}
        g.rebuilding_projections = set()


def _note_tables(connection, statement, *args) -> None:
    if not has_request_context():
        return
    rebuilding = g.get("rebuilding_projections")
    if not g.get("stopped_projections") and not rebuilding:
        return
    if isinstance(statement, sa.sql.ClauseElement):
        read = {table.name for table in find_tables(
            statement, include_aliases=True, include_crud=True) if isinstance(table, sa.Table)}
        if rebuilding and not feeding():
            owners = current_app.extensions["projection_tables"]
            refused = sorted({owners[name] for name in read if name in owners} & rebuilding)
            if refused:
                raise BeingRebuilt(refused)
        g.tables_read.update(read)


def views_behind() -> list[Behind]:
    """The stopped projections whose tables this request read, for the layout's banner."""
    stopped: dict[str, Failure] = g.get("stopped_projections") or {}
    if not stopped:
        return []
    owners = current_app.extensions["projection_tables"]
    read = {owners[name] for name in g.get("tables_read", ()) if name in owners}
    return [Behind(name, title(name), failure) for name, failure in stopped.items()
            if name in read]
