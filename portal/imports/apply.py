"""Applying a checked SSDA903 return to the store, child by child, in chunks.

A new child is started from its first episode and reconciled with the rest; a child the portal
already holds is reconciled with the return (:meth:`Placement.reconcile`), which stores nothing
when the return says what the portal already holds, so importing the same file twice changes
nothing. A domain rule broken by one child's episodes rejects that child's rows; others go on.

Saving: each chunk of children is saved in one transaction as it is ready, and the import's
record (``DataImport.Completed``) is saved with the last chunk, atomically. A crash part-way
leaves whole chunks saved and no record: every child is either as before or as the file says,
and running the same import again finishes it (the children already saved change nothing the
second time) and records it, counting the children that run changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import IntegrityError

from domain import ssda903
from domain.actor import Actor
from domain.errors import DomainError
from domain.placement import Placement, placement_id
from portal.imports.reading import Return
from portal.imports.report import EPISODES, Problem, Report
from portal.imports.ssda903 import ChildFacts, EpisodeRow
from portal.services.application import Portal
from projections.placement_location import known_locations, unknown_district, unknown_urn
from projections.placements import district_of, placement_children

CHUNK = 200  # children saved per transaction
FIELD_COLUMNS = {"start": "DECOM", "end": "DEC", "rec": "REC", "rne": "RNE",
                 "legal_status": "LS", "cin": "CIN", "place": "PLACE",
                 "place_provider": "PLACE_PROVIDER", "reason_place_change": "REASON_PLACE_CHANGE",
                 "home_postcode": "HOME_POST", "placement_postcode": "PL_POST", "urn": "URN",
                 "birth_month": "DOB", "sex": "SEX", "uasc": "UASC", "child": "CHILD",
                 "child_ref": "CHILD"}

Progress = Callable[[str, int, int], None]


def existing_children(engine: sa.Engine, authority_id: UUID) -> set[UUID]:
    """The authority's children the read model knows (one query, not one per child). Where it
    lags the store, saving meets the store's own check and the chunk is redone child by
    child (see :func:`apply_return`)."""
    with engine.connect() as c:
        return set(c.execute(sa.select(placement_children.c.id).where(
            placement_children.c.authority_id == authority_id)).scalars())


class Applier:
    def __init__(self, portal: Portal, authority_id: UUID, actor: Actor, today: date,
                 reason: str) -> None:
        self.portal = portal
        self.authority_id = authority_id
        self.actor = actor
        self.today = today
        self.reason = reason

    def child(self, child_ref: str, rows: list[EpisodeRow], facts: ChildFacts | None,
              exists: bool) -> Placement | None:
        """The child's placement with its new events pending, or None when nothing changed.
        Raises DomainError when the child's episodes break a rule."""
        return self.portal.reconcile_returned_child(
            self.actor, authority_id=self.authority_id, child_ref=child_ref,
            episodes=[row.as_episode() for row in sorted(rows, key=lambda r: r.start)],
            facts=None if facts is None else (facts.birth_month, facts.sex, facts.uasc),
            exists=exists, today=self.today, reason=self.reason)

    def chunk(self, items: list[tuple[str, list[EpisodeRow]]], facts: dict | None,
              existing: set[UUID] | None) -> tuple[list[Placement], list[list[Problem]]]:
        """Placements changed, and the problems of each child rejected; ``existing`` None
        asks the store itself whether a child is known."""
        changed: list[Placement] = []
        rejected: list[list[Problem]] = []
        for child_ref, rows in items:
            ref = placement_id(self.authority_id, child_ref)
            exists = ref in existing if existing is not None else self.portal.exists(ref)
            if not exists and facts is None:  # unknown to the read model: ask the store
                exists = self.portal.exists(ref)
            try:
                placement = self.child(child_ref, rows,
                                       None if facts is None else facts[child_ref], exists)
            except DomainError as error:
                column = FIELD_COLUMNS.get(error.field or "", "")
                rejected.append([
                    Problem(EPISODES, row.line, column,
                            f"This child's episodes were not imported: {error.message}")
                    for row in rows])
                continue
            if placement is not None:
                changed.append(placement)
        return changed, rejected


# (the last chunk's placements, children changed in all, rows accepted, rows rejected)
Record = Callable[[list[Placement], int, int, int], None]


def location_warnings(engine: sa.Engine, ret: Return) -> list[Problem]:
    """A warning for each row whose Ofsted URN names no setting in the directory, or whose
    placement postcode district the gazetteer does not hold: the row is imported, and where
    the child is placed reads "not known" on every page and measure until the portal learns
    them (:mod:`projections.placement_location`), never a guess."""
    rows = [row for rows in ret.children.values() for row in rows]
    urns = {row.urn for row in rows if row.urn and row.urn != ssda903.URN_PLACEHOLDER}
    districts = {district_of(row.placement_postcode) for row in rows if row.placement_postcode}
    with engine.connect() as c:
        known_urns, known_districts = known_locations(c, urns, districts)
    warnings = []
    for row in rows:
        if row.urn in urns and row.urn not in known_urns:
            warnings.append(Problem(EPISODES, row.line, "URN", unknown_urn(row.urn)))
        district = district_of(row.placement_postcode)
        if district and district not in known_districts:
            warnings.append(Problem(EPISODES, row.line, "PL_POST", unknown_district(district)))
    return warnings


def apply_return(portal: Portal, engine: sa.Engine, applier: Applier, ret: Return,
                 report: Report, record: Record, progress: Progress) -> None:
    """Apply every child, saving chunk by chunk; ``record`` saves the last chunk with the
    import's record. A chunk's problems are reported once it is saved."""
    items = list(ret.children.items())
    existing = existing_children(engine, applier.authority_id)
    warnings = location_warnings(engine, ret)
    saved = 0  # children changed and saved; their aggregates are not kept
    rejected_children = 0
    for start in range(0, max(len(items), 1), CHUNK):
        chunk = items[start:start + CHUNK]
        last = start + CHUNK >= len(items)
        for attempt in (existing, None):  # after a clash, asking the store child by child
            changed, rejected = applier.chunk(chunk, ret.facts, attempt)
            problems = [problem for child in rejected for problem in child]
            try:
                if last:
                    count = report.rejected_with(problems)
                    record(changed, saved + len(changed), report.rows - count, count)
                else:
                    portal.save_imported(applier.actor, authority_id=applier.authority_id,
                                         placements=changed)
            except IntegrityError:
                if attempt is None:
                    raise
                continue
            break
        for problem in problems:
            report.add(problem)
        rejected_children += len(rejected)
        saved += len(changed)
        for _, rows in chunk:
            rows.clear()  # this chunk's checked rows are no longer needed
        progress("applying", min(start + CHUNK, len(items)), len(items))
    report.warn(warnings)
    report.accepted = report.rows - report.rejected
    report.children = len(items) - rejected_children
    report.children_changed = saved
