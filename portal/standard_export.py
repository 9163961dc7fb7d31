"""A council's own records downloaded in a national Placements Data Standard (v2) layout, as
CSV or JSON: the one way the placements export and the home searches export answer."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from datetime import date
from typing import TextIO

import sqlalchemy as sa
from flask import Response, g

from portal.security import services
from projections.directory import organisations

log = logging.getLogger(__name__)

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}

Writer = Callable[[Iterable, TextIO], int]


def standard_download(fmt: str, *, writers: dict[str, Writer],
                      records: Callable[[object, sa.Connection], Iterable],
                      name: str) -> Response:
    """``records`` (the viewer's own authority's, read with the viewer) written by
    ``writers[fmt]`` as a file ``<name>-<LA code>-<today>.<fmt>``, never cached. The log says
    who downloaded how many, never which children."""
    out = io.StringIO()
    with services().engine.connect() as c:
        count = writers[fmt](records(g.principal, c), out)
        la_code = c.execute(sa.select(organisations.c.la_code).where(
            organisations.c.id == g.principal.organisation_id)).scalar()
    log.info(f"{name.replace('-', ' ')} export", extra={
        "user_id": str(g.principal.user_id), "format": fmt, "records": count})
    filename = f"{name}-{la_code or 'authority'}-{date.today().isoformat()}.{fmt}"
    return Response(out.getvalue(), mimetype=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})
