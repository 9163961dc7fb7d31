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
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.actor import Actor
from domain.errors import DomainError
from domain.placement import Placement, placement_id
from portal.imports.reading import Return
from portal.imports.report import EPISODES, Problem, Report
from portal.imports.ssda903 import ChildFacts, EpisodeRow
from portal.services.application import Portal
from projections.placements import placement_children

CHUNK = 200  # children saved per transaction
# What SSDA903 does not hold: kept from the portal's own episode with the same start and type.
NOT_IN_RETURN = ("weekly_cost", "contract_id", "provider_id", "setting_id",
                 "placement_authority_id")
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


def with_what_the_return_lacks(held: list[dict[str, Any]],
                               incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The return's episodes, keeping the cost, contract and provider the portal holds for
    the same episode (same start and placement type): SSDA903 has no cost or route."""
    by_start = {(e["start"], e["place"]): e for e in held}
    merged = []
    for new in incoming:
        old = by_start.get((new["start"], new["place"]))
        if old is not None:
            new = {**new, **{f: old[f] for f in NOT_IN_RETURN}}
            new["contract_route"] = new["contract_route"] or old["contract_route"]
            if new["contract_route"] not in {"block", "framework"}:
                new["contract_id"] = None
        merged.append(new)
    return merged


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
        episodes = [row.as_episode() for row in sorted(rows, key=lambda r: r.start)]
        ref = placement_id(self.authority_id, child_ref)
        kw = dict(today=self.today, actor=self.actor)
        if exists:
            try:
                placement = self.portal.repository.get(ref)
            except AggregateNotFoundError:
                placement = None
            if isinstance(placement, Placement):
                changed = False
                held = (placement.birth_month, placement.sex, placement.uasc)
                if facts is not None and held != (facts.birth_month, facts.sex, facts.uasc):
                    changed = placement.correct(
                        episode_number=None, reason=self.reason, changes={
                            "birth_month": facts.birth_month, "sex": facts.sex,
                            "uasc": facts.uasc}, **kw)
                episodes = with_what_the_return_lacks(placement.episodes, episodes)
                changed = placement.reconcile(episodes=episodes, reason=self.reason,
                                              **kw) or changed
                return placement if changed else None
            if placement is not None:
                raise DomainError("The portal holds another kind of record with this id")
        if facts is None:
            raise DomainError("This child is new to the portal: import the header file too, "
                              "for the child's date of birth and sex", field="child")
        first, *rest = episodes
        placement = Placement.start(
            authority_id=self.authority_id, child_ref=child_ref, birth_month=facts.birth_month,
            sex=facts.sex, uasc=facts.uasc, on=first["start"], reason=self.reason,
            terms={k: v for k, v in first.items() if k != "start"}, **kw)
        if rest:
            placement.reconcile(episodes=rest, reason=self.reason, **kw)
        return placement

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


def apply_return(portal: Portal, engine: sa.Engine, applier: Applier, ret: Return,
                 report: Report, record: Record, progress: Progress) -> None:
    """Apply every child, saving chunk by chunk; ``record`` saves the last chunk with the
    import's record. A chunk's problems are reported once it is saved."""
    items = list(ret.children.items())
    existing = existing_children(engine, applier.authority_id)
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
                    portal.save(*changed)
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
    report.accepted = report.rows - report.rejected
    report.children = len(items) - rejected_children
    report.children_changed = saved
